import type { BrowserContext, Page } from "playwright-core";
import { beforeEach, expect, test } from "vitest";
import { browserSuite, type Product } from "./product";

// Default window 4 s, then the offline responder; room for a slow machine.
const REPLY_MS = 30_000;

const suite = browserSuite();
let product: Product;
let context: BrowserContext;
beforeEach(() => {
  ({ product, context } = suite);
});

async function openPlayground(): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${product.appUrl}/playground`);
  await page.getByLabel("Message").waitFor();
  return page;
}

async function sendAll(page: Page, texts: string[]) {
  const input = page.getByLabel("Message");
  for (const text of texts) {
    await input.fill(text);
    await input.press("Enter");
  }
}

const agentBubbles = (page: Page) => page.locator('.bubble[data-author="agent"]');
const batchRows = (page: Page) => page.locator('table[aria-label="Batches"] tbody tr');

test("three quick messages show typing… and then exactly one reply that lists all three", async () => {
  const page = await openPlayground();
  const burst = ["Hey", "do you have shoes?", "size 10?"];

  await sendAll(page, burst);

  await page.getByTestId("typing").waitFor({ timeout: REPLY_MS });
  expect(await agentBubbles(page).count()).toBe(0);
  await agentBubbles(page).first().waitFor({ timeout: REPLY_MS });
  await page.getByTestId("typing").waitFor({ state: "detached", timeout: REPLY_MS });
  // Long enough for a second reply to show up if the burst had been split.
  await page.waitForTimeout(2_000);
  await expect.poll(() => agentBubbles(page).count()).toBe(1);
  const reply = await agentBubbles(page).innerText();
  expect(reply).toContain("I received your 3 messages");
  burst.forEach((text, i) => expect(reply).toContain(`${i + 1}. ${text}`));
  await page.getByText("Offline responder answered").waitFor();
  expect(await batchRows(page).count()).toBe(1);
  expect(await batchRows(page).first().locator("td").nth(1).innerText()).toBe("3");
});

test("a new conversation appears in the open Conversations list without a reload", async () => {
  const list = await context.newPage();
  await list.goto(`${product.appUrl}/conversations`);
  await list.getByText(/\d+ loaded/).waitFor();
  // Survives only if the page is never reloaded.
  await list.evaluate(() => Object.assign(window, { __notReloaded: true }));
  const marker = `live list check ${Date.now()}`;

  const chat = await openPlayground();
  await sendAll(chat, [marker]);

  const row = list.locator('ul[aria-label="Conversations"] > li', { hasText: marker });
  await row.waitFor({ timeout: 15_000 });
  expect(await row.innerText()).toContain("Web chat");
  expect(await list.evaluate(() => "__notReloaded" in window)).toBe(true);
});

test("a shorter batching window set on the Settings page applies to the next burst", async () => {
  const settings = await context.newPage();
  await settings.goto(`${product.appUrl}/settings`);
  // Typed in seconds, the unit the default (4 s) is shown in.
  const windowInput = settings.getByLabel("Batching window", { exact: true });
  await windowInput.fill("1.5");
  await settings.getByRole("button", { name: "Save changes" }).click();
  await settings.getByText("Saved: Batching window").waitFor();

  try {
    const chat = await openPlayground();
    await chat.getByText("Window 1.5 s after the latest message").waitFor();
    const sentAt = Date.now();
    await sendAll(chat, ["quick question"]);
    await agentBubbles(chat).first().waitFor({ timeout: REPLY_MS });
    const replyAfterMs = Date.now() - sentAt;

    await batchRows(chat).first().waitFor();
    const waitMs = Number(await batchRows(chat).first().locator("td[data-ms]").getAttribute("data-ms"));
    expect(waitMs).toBeGreaterThanOrEqual(1_500);
    expect(waitMs).toBeLessThan(3_000); // the default window alone is 4 s
    expect(replyAfterMs).toBeLessThan(4_000);
  } finally {
    await windowInput.fill("4");
    await settings.getByRole("button", { name: "Save changes" }).click();
    await settings.getByText("Saved: Batching window").waitFor();
  }
});
