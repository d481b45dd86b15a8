/**
 * The inbox with the conversation lifecycle, at desktop width and on a
 * 390 px phone: unread counts that move live and clear when the operator
 * opens the conversation, Open/Resolved views, Resolve/Reopen in the
 * conversation header, and batch actions on selected rows.
 */
import { ConvexHttpClient } from "convex/browser";
import type { BrowserContext, Page } from "playwright-core";
import { beforeEach, describe, expect, test } from "vitest";
import { browserSuite, type Product, openAt, SIZES } from "./product";
import { customerWrites, moreFrom } from "./seed";

// The 4 s window, then the offline responder; room for a slow machine.
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

const card = (page: Page, text: string) => page.locator('ul[aria-label="Conversations"] > li', { hasText: text });
/** The row's unread badge reading exactly `count` (the badge says "3 unread" to screen readers). */
const unread = (row: ReturnType<typeof card>, count: number) => row.getByTestId("unread").filter({ hasText: new RegExp(`^${count} unread$`) });
const tab = (page: Page, name: string) => page.getByRole("tab", { name: new RegExp(`^${name}`) });
const ownerTab = (page: Page, name: string) =>
  page.getByRole("tablist", { name: "Whose conversations" }).getByRole("tab", { name: new RegExp(`^${name}`) });

for (const { name: size, viewport } of SIZES) {
  describe(`at ${size} size`, () => {
    test("a row's unread count grows live as the customer writes and clears once the operator opens it", async () => {
      const who = `Ulla ${size}`;
      const customer = await customerWrites(convex, who, ["first line"]);
      const list = await open("/conversations", viewport);
      const row = card(list, who);
      await unread(row, 1).waitFor();
      await list.evaluate(() => Object.assign(window, { __notReloaded: true }));

      await moreFrom(convex, customer, ["second line", "third line"]);
      await unread(row, 3).waitFor({ timeout: LIVE_MS });
      expect(await list.evaluate(() => "__notReloaded" in window)).toBe(true);

      await row.getByRole("link").click();
      await list.getByRole("heading", { name: who }).waitFor();
      await list.getByText("third line", { exact: true }).waitFor();
      await list.goBack();
      await row.waitFor();
      await row.getByTestId("unread").waitFor({ state: "detached", timeout: LIVE_MS });

      // A new message after reading counts from one again.
      await moreFrom(convex, customer, ["one more"]);
      await unread(row, 1).waitFor({ timeout: LIVE_MS });
    });

    test("Resolve in the conversation header moves it from Open to Resolved, and Reopen brings it back", async () => {
      const who = `Rita ${size}`;
      await customerWrites(convex, who, ["can I return boots?"]);
      const list = await open("/conversations", viewport);
      expect(await tab(list, "Open").getAttribute("aria-selected")).toBe("true");
      await card(list, who).getByTestId("lifecycle").getByText("Open").waitFor();
      await card(list, who).getByRole("link").click();

      const header = list.locator(".conv-header");
      await header.getByRole("heading", { name: who }).waitFor();
      const resolve = header.getByRole("button", { name: "Resolve" });
      // In the header, visible without scrolling, at both sizes.
      const box = (await resolve.boundingBox())!;
      expect(box.y + box.height).toBeLessThanOrEqual(viewport.height);
      expect(box.x + box.width).toBeLessThanOrEqual(viewport.width);
      await resolve.click();
      await header.getByTestId("lifecycle").getByText("Resolved").waitFor();
      await header.getByRole("button", { name: "Reopen" }).waitFor();

      await list.goBack();
      await tab(list, "Open").waitFor();
      await card(list, who).waitFor({ state: "detached", timeout: LIVE_MS });
      await tab(list, "Resolved").click();
      await card(list, who).getByTestId("lifecycle").getByText("Resolved").waitFor();

      await card(list, who).getByRole("link").click();
      await header.getByRole("button", { name: "Reopen" }).click();
      await header.getByRole("button", { name: "Resolve" }).waitFor();
      await list.goBack();
      await tab(list, "Open").click();
      await card(list, who).getByTestId("lifecycle").getByText("Open").waitFor();
    });

    test("selected rows are marked read, resolved and reopened together", async () => {
      const names = [`Batch A ${size}`, `Batch B ${size}`, `Batch C ${size}`];
      for (const name of names) await customerWrites(convex, name, [`hello from ${name}`]);
      const list = await open("/conversations", viewport);
      for (const name of names) await card(list, name).getByTestId("unread").waitFor();

      const bar = list.getByRole("group", { name: "Selected conversations" });
      await list.getByRole("checkbox", { name: `Select ${names[0]}` }).check();
      await list.getByRole("checkbox", { name: `Select ${names[1]}` }).check();
      await bar.getByText("2 selected").waitFor();
      await bar.getByRole("button", { name: "Mark read" }).click();
      // The selection clears once the mutation is done, and the bar says what happened.
      await bar.getByText("Marked read: 2 of 2").waitFor({ timeout: LIVE_MS });
      await card(list, names[0]).getByTestId("unread").waitFor({ state: "detached", timeout: LIVE_MS });
      await card(list, names[1]).getByTestId("unread").waitFor({ state: "detached", timeout: LIVE_MS });
      expect(await card(list, names[2]).getByTestId("unread").count()).toBe(1);

      await list.getByRole("checkbox", { name: `Select ${names[0]}` }).check();
      await list.getByRole("checkbox", { name: `Select ${names[2]}` }).check();
      await bar.getByRole("button", { name: "Resolve" }).click();
      await card(list, names[0]).waitFor({ state: "detached", timeout: LIVE_MS });
      await card(list, names[2]).waitFor({ state: "detached", timeout: LIVE_MS });
      await card(list, names[1]).waitFor();
      await bar.getByText("Resolved: 2 of 2").waitFor();

      await tab(list, "Resolved").click();
      await card(list, names[0]).waitFor();
      await list.getByRole("checkbox", { name: `Select ${names[0]}` }).check();
      await list.getByRole("checkbox", { name: `Select ${names[2]}` }).check();
      await bar.getByRole("button", { name: "Reopen" }).click();
      await card(list, names[0]).waitFor({ state: "detached", timeout: LIVE_MS });
      await tab(list, "Open").click();
      for (const name of names) await card(list, name).getByTestId("lifecycle").getByText("Open").waitFor();
    });

    test("Assign to me puts a conversation under Mine with its count, and Unassign moves it to Unassigned", async () => {
      const who = `Assigned ${size}`;
      await customerWrites(convex, who, ["who is looking after me?"]);
      const list = await open("/conversations", viewport);
      await card(list, who).waitFor();
      const mineBefore = Number((await ownerTab(list, "Mine").locator(".count").innerText()).replace("+", ""));
      await ownerTab(list, "Mine").click();
      await list.getByText(/Nothing here is assigned to you|Yours/).first().waitFor();
      expect(await card(list, who).count()).toBe(0);
      await ownerTab(list, "Everyone").click();
      await card(list, who).getByRole("link").click();

      const panel = list.getByRole("complementary", { name: "Conversation details" });
      if (size === "phone") await list.getByRole("button", { name: "Details" }).click();
      await panel.getByRole("button", { name: "Assign to me" }).click();
      await panel.getByTestId("assigned-to").getByText("Assigned to you").waitFor();
      await list.goBack();

      await ownerTab(list, "Mine").click();
      await card(list, who).getByTestId("assignee").getByText("Yours").waitFor();
      await ownerTab(list, "Mine").locator(".count").getByText(String(mineBefore + 1)).waitFor();
      await list.getByRole("checkbox", { name: `Select ${who}` }).check();
      await list.getByRole("group", { name: "Selected conversations" }).getByRole("button", { name: "Unassign" }).click();
      await card(list, who).waitFor({ state: "detached", timeout: LIVE_MS });
      await ownerTab(list, "Unassigned").click();
      await card(list, who).waitFor();
      expect(await card(list, who).getByTestId("assignee").count()).toBe(0);
    });
  });
}
