import type { BrowserContext, Page } from "playwright-core";
import { beforeEach, expect, test } from "vitest";
import { browserSuite, type Product } from "./product";

// Default window 4 s, then the offline responder; room for a slow machine.
const REPLY_MS = 30_000;
const JOB_MS = 20_000;

const suite = browserSuite();
let product: Product;
let context: BrowserContext;
beforeEach(() => {
  ({ product, context } = suite);
});

/** A web chat conversation with one answered message; returns its page in the dashboard. */
async function answeredConversation(marker: string): Promise<Page> {
  const chat = await context.newPage();
  await chat.goto(`${product.appUrl}/playground`);
  const input = chat.getByLabel("Message");
  await input.fill(marker);
  await input.press("Enter");
  await chat.locator('.bubble[data-author="agent"]').first().waitFor({ timeout: REPLY_MS });
  const list = await context.newPage();
  await list.goto(`${product.appUrl}/conversations`);
  const row = list.locator('ul[aria-label="Conversations"] > li', { hasText: marker });
  await row.waitFor({ timeout: 15_000 });
  await row.getByRole("link").first().click();
  await list.getByRole("group", { name: "Status" }).waitFor();
  return list;
}

test("an operator resolves, archives and restores a conversation from its page", async () => {
  const marker = `lifecycle check ${Date.now()}`;
  const page = await answeredConversation(marker);
  const header = page.locator(".conv-header");
  await header.getByRole("button", { name: "Resolve" }).click();
  await header.getByTestId("lifecycle").getByText("Resolved").waitFor();
  await header.getByRole("button", { name: "Reopen" }).waitFor();

  // Archive and sync are folded at the bottom of the side panel.
  await page.getByText("History: archive and sync").click();
  const archive = page.locator('section[aria-label="Archive"]');
  await archive.getByRole("button", { name: "Archive" }).click();
  await archive.getByText(/History archived .* · 2 messages/).waitFor({ timeout: JOB_MS });
  await expect.poll(() => page.getByText(marker).count(), { timeout: JOB_MS }).toBe(0);

  // The hot messages are gone; the chat offers the archived history, read without restoring.
  await showArchivedHistory(page, marker);

  const list = await context.newPage();
  await list.goto(`${product.appUrl}/conversations`);
  await list.getByLabel("Show archived conversations").check();
  const row = list.locator('table[aria-label="Archived conversations"] tbody tr', { hasText: marker });
  await row.waitFor({ timeout: 15_000 });
  await row.getByRole("button", { name: "Unarchive" }).click();
  await row.waitFor({ state: "detached", timeout: JOB_MS });

  await archive.getByText(/Restored/).waitFor({ timeout: JOB_MS });
  await page.locator(".chat-bubble:not([data-archived])", { hasText: marker }).first().waitFor({ timeout: JOB_MS });
  // Restored, the archived copies are no longer shown beside the hot ones.
  await page.locator(".chat-bubble[data-archived]").first().waitFor({ state: "detached", timeout: JOB_MS });
});

/** "Show archived history" at the top of the chat, pressed from the keyboard, shows the marker in an archived bubble. */
async function showArchivedHistory(page: Page, marker: string) {
  await page.getByText("Older messages are archived").waitFor({ timeout: JOB_MS });
  const button = page.getByRole("button", { name: "Show archived history" });
  await button.focus();
  await page.keyboard.press("Enter");
  const bubble = page.locator('.chat-bubble[data-archived="true"][data-author="customer"]', { hasText: marker });
  await bubble.waitFor({ timeout: JOB_MS });
  expect(await bubble.innerText()).toContain("archived");
  // One short page: the whole archived history is shown and the button is gone.
  await page.getByText("Start of the conversation (archived history shown)").waitFor({ timeout: JOB_MS });
  expect(await page.getByRole("button", { name: /archived/ }).count()).toBe(0);
}

test("on a 390 px phone the archived history shows above the chat", async () => {
  const marker = `archived phone ${Date.now()}`;
  const page = await answeredConversation(marker);
  await page.setViewportSize({ width: 390, height: 844 });
  const header = page.locator(".conv-header");
  await header.getByRole("button", { name: "Resolve" }).click();
  await header.getByTestId("lifecycle").getByText("Resolved").waitFor();
  // On a phone the side panel is a sheet behind "Details".
  const panel = page.getByRole("complementary", { name: "Conversation details" });
  await page.getByRole("button", { name: "Details" }).click();
  await panel.getByText("History: archive and sync").click();
  const archive = panel.locator('section[aria-label="Archive"]');
  await archive.getByRole("button", { name: "Archive" }).click();
  await archive.getByText(/History archived .* · 2 messages/).waitFor({ timeout: JOB_MS });
  await panel.getByRole("button", { name: "Close" }).click();
  await panel.waitFor({ state: "hidden" });
  await showArchivedHistory(page, marker);
  const box = await page.locator('.chat-bubble[data-archived="true"]').first().boundingBox();
  expect(box!.x + box!.width).toBeLessThanOrEqual(390);
});

test("the Maintenance page runs the stats job and shows the figures with their time", async () => {
  const page = await context.newPage();
  await page.goto(`${product.appUrl}/maintenance`);
  await page.getByRole("button", { name: "Run database stats now" }).click();
  const tables = page.locator('table[aria-label="Tables"]');
  await tables.waitFor({ timeout: JOB_MS });
  await page.getByText(/^As of /).waitFor();
  expect(await tables.locator("tbody tr", { hasText: "conversations" }).count()).toBe(1);
  await page.locator('table[aria-label="Maintenance runs"] tbody tr', { hasText: "Database stats" }).first().waitFor();
});
