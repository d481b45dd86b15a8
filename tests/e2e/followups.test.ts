import { ConvexHttpClient } from "convex/browser";
import type { BrowserContext, Page } from "playwright-core";
import { beforeEach, expect, test } from "vitest";
import { findFreeSlots } from "../../lib/meetings/slots";
import { DAY } from "../../lib/time";
import { DEFAULT_WORKING_HOURS } from "../../lib/workingHours";
import { replyWith, toolUse } from "../support/fakeAnthropic";
import { modelBackedBrowserSuite, type Product } from "./product";
import { agentAnswered, customerWrites, REPLY_MS } from "./seed";

const suite = modelBackedBrowserSuite();
let product: Product;
let context: BrowserContext;
let convex: ConvexHttpClient;
beforeEach(() => {
  ({ product, context } = suite);
  convex = new ConvexHttpClient(product.convexUrl);
});

/**
 * A web-chat visitor writes once and the agent answers, running the tools it
 * was scripted to. Waiting for the answer keeps the fake model's queue in
 * order: nothing else asks it for text until this batch is done.
 */
async function customerWritesOnce(name: string, text: string) {
  await agentAnswered(convex, await customerWrites(convex, name, [text]));
}

/** The agent promises to write back: it schedules a follow-up with its tool, then confirms. */
async function followupScheduled(name: string, note: string) {
  suite.anthropic.script(toolUse("schedule_followup", { when: "in 2 hours", note }), replyWith("Sure, I will write then."));
  await customerWritesOnce(name, `can you write me in 2 hours? (${note})`);
}

async function openFollowups(): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${product.appUrl}/followups`);
  await page.getByText(/\d+ loaded/).waitFor();
  return page;
}

const actionRow = (page: Page, note: string) =>
  page.locator('table[aria-label="Scheduled actions"] tbody tr', { hasText: note });

test("a follow-up the agent schedules appears on the open Follow-ups page without a reload", async () => {
  const page = await openFollowups();
  // Survives only if the page is never reloaded.
  await page.evaluate(() => Object.assign(window, { __notReloaded: true }));
  const note = "ask whether the size 10 fits";

  await followupScheduled("Dana Petrova", note);

  const row = actionRow(page, note);
  await row.waitFor();
  const text = await row.innerText();
  for (const expected of ["in 2 h", "Follow-up", "pending", "Dana Petrova", "Web chat"])
    expect(text).toContain(expected);
  expect(await page.evaluate(() => "__notReloaded" in window)).toBe(true);
});

test("Cancel moves a pending follow-up to Cancelled, with the reason", async () => {
  const page = await openFollowups();
  const note = "remind about the spring sale";
  await followupScheduled("Lena Ivanova", note);
  await actionRow(page, note).waitFor();

  await page.getByRole("button", { name: `Cancel: ${note}` }).click();
  await page.getByRole("button", { name: "Yes, cancel it" }).click();

  await actionRow(page, note).waitFor({ state: "detached" });
  await page.getByRole("button", { name: "Cancelled", exact: true }).click();
  const row = actionRow(page, note);
  await row.waitFor();
  expect(await row.innerText()).toContain("Cancelled by an operator");
  expect(await row.getByRole("button").count()).toBe(0);
});

test("Send now sends it: the customer gets the agent's message and it reads Sent", async () => {
  const page = await openFollowups();
  const note = "check the parcel arrived";
  const followupText = "Hi again! Did your parcel arrive safely?";
  await followupScheduled("Omar Haddad", note);
  await actionRow(page, note).waitFor();
  // What the agent writes when the follow-up goes out.
  suite.anthropic.script(replyWith(followupText));

  await page.getByRole("button", { name: `Send now: ${note}` }).click();
  await page.getByRole("button", { name: "Yes, send now" }).click();

  await actionRow(page, note).waitFor({ state: "detached", timeout: REPLY_MS });
  await page.getByRole("button", { name: "Sent", exact: true }).click();
  const row = actionRow(page, note);
  await row.waitFor();
  expect(await row.innerText()).toContain("Sent now by an operator");
  // The Sent tab shows what went out, not only the agent's note to itself.
  await row.getByLabel("Text sent").getByText(followupText).waitFor();
  await row.getByRole("link", { name: "Omar Haddad" }).click();
  await page.locator('.chat-bubble[data-author="agent"]', { hasText: followupText }).waitFor();
});

test("a booked meeting is listed under Upcoming meetings, with its reminders pending", async () => {
  const page = await openFollowups();
  // The built-in calendar books within working hours; two days ahead, so both reminders are still to come.
  const [slot] = findFreeSlots({
    hours: DEFAULT_WORKING_HOURS,
    bookings: [],
    now: Date.now(),
    from: Date.now() + 2 * DAY,
    horizonDays: 7,
    count: 1,
  });
  suite.anthropic.script(
    toolUse("book_meeting", { start: new Date(slot!.start).toISOString(), topic: "Shoe fitting" }),
    replyWith("Booked."),
  );

  await customerWritesOnce("Mia Chen", "can we meet for a fitting?");

  const meeting = page.locator('table[aria-label="Upcoming meetings"] tbody tr', { hasText: "Shoe fitting" });
  await meeting.waitFor();
  const text = await meeting.innerText();
  for (const expected of ["Built-in calendar", "Mia Chen", "Web chat"]) expect(text).toContain(expected);
  const reminders = actionRow(page, "“Shoe fitting” starts");
  await expect.poll(() => reminders.count()).toBe(2);
  expect(await reminders.first().innerText()).toContain("Meeting reminder");
});
