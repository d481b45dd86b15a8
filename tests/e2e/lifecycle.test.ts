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

  const list = await context.newPage();
  await list.goto(`${product.appUrl}/conversations`);
  await list.getByLabel("Show archived conversations").check();
  const row = list.locator('table[aria-label="Archived conversations"] tbody tr', { hasText: marker });
  await row.waitFor({ timeout: 15_000 });
  await row.getByRole("button", { name: "Unarchive" }).click();
  await row.waitFor({ state: "detached", timeout: JOB_MS });

  await archive.getByText(/Restored/).waitFor({ timeout: JOB_MS });
  await page.getByText(marker).first().waitFor({ timeout: JOB_MS });
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
