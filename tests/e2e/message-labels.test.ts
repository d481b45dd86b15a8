/**
 * Labels of one message from its bubble in the conversation page, at
 * desktop width and on a 390 px phone: open the message's labels, Analyze
 * (offline heuristic here: no API key, and it says so), edit the category
 * and tags, and see them, without the chat growing wider than the screen.
 */
import { ConvexHttpClient } from "convex/browser";
import type { BrowserContext } from "playwright-core";
import { beforeEach, describe, expect, test } from "vitest";
import { browserSuite, type Product, openAt, SIZES } from "./product";
import { customerWrites } from "./seed";

// The offline labeller runs as a scheduled action; room for a slow machine.
const LIVE_MS = 30_000;

const suite = browserSuite();
let product: Product;
let context: BrowserContext;
let convex: ConvexHttpClient;
beforeEach(() => {
  ({ product, context } = suite);
  convex = new ConvexHttpClient(product.convexUrl);
});

const open = (path: string, viewport: { width: number; height: number }) => openAt(context, `${product.appUrl}${path}`, viewport);

for (const { name: size, viewport } of SIZES) {
  describe(`at ${size} size`, () => {
    test("a message's labels open from its bubble: analyze, edit, and they show", async () => {
      const who = `Lena ${size}`;
      const text = `my order A-1042 never arrived and nobody answers, this is terrible (${size})`;
      await customerWrites(convex, who, [text]);
      const page = await open("/conversations", viewport);
      await page.locator('ul[aria-label="Conversations"] > li', { hasText: who }).getByRole("link").click();
      await page.getByRole("heading", { name: who }).waitFor();

      // The customer's bubble (the offline responder quotes the text in its reply).
      const bubble = page.locator("li.chat-bubble.customer", { hasText: text });
      await bubble.waitFor();
      const region = bubble.getByRole("region", { name: "Message labels" });
      expect(await region.count()).toBe(0);
      await bubble.getByRole("button", { name: "Labels" }).click();
      await region.getByText("No labels yet.").waitFor();

      await region.getByRole("button", { name: "Analyze" }).click();
      await region.getByRole("button", { name: "Analyze again" }).waitFor({ timeout: LIVE_MS });
      await region.getByText("Offline labels (keyword heuristic, no API key)").waitFor();
      expect(await region.locator("dt").allTextContents()).toEqual(expect.arrayContaining(["Category", "Sentiment", "Labels"]));

      await region.getByRole("button", { name: "Edit labels" }).click();
      await region.getByLabel("Category").fill("delivery");
      await region.getByLabel("Tags (comma-separated)").fill("late parcel, A-1042");
      await region.getByRole("button", { name: "Save labels" }).click();
      await region.locator(".tag", { hasText: "late parcel" }).waitFor();
      await region.locator(".tag", { hasText: "A-1042" }).waitFor();
      await region.getByText("your edits override").waitFor();
      expect(await region.locator("dd").first().textContent()).toBe("delivery");

      // Nothing sticks out of the screen, on a phone too.
      const box = (await region.boundingBox())!;
      expect(box.x).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width).toBeLessThanOrEqual(viewport.width);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(viewport.width);

      // Closed again from the same toggle; other bubbles never opened theirs.
      await bubble.getByRole("button", { name: "Hide labels" }).click();
      await region.waitFor({ state: "detached" });
      expect(await page.getByRole("region", { name: "Message labels" }).count()).toBe(0);
    });
  });
}
