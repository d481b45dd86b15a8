import { ConvexHttpClient } from "convex/browser";
import type { BrowserContext, Page } from "playwright-core";
import { beforeEach, expect, test } from "vitest";
import { api } from "../../convex/_generated/api";
import { ownerClient } from "../support/operator";
import { browserSuite, type Product } from "./product";

// The default 4 s window, then the offline responder; room for a slow machine.
const REPLY_MS = 30_000;

const suite = browserSuite();
let product: Product;
let context: BrowserContext;
beforeEach(() => {
  ({ product, context } = suite);
});

async function openAnalytics(): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${product.appUrl}/analytics`);
  await page.getByTestId("cards").waitFor();
  return page;
}

const isEmpty = async (page: Page, testId: string) =>
  (await page.getByTestId(testId).locator('[data-empty="true"]').count()) === 1;

// The suite's product is fresh: this runs before any traffic.
test("with no traffic every chart says so instead of drawing nothing", async () => {
  const page = await openAnalytics();
  expect(await page.getByTestId("business-zone").innerText()).toContain("UTC");
  for (const id of ["chart-messages", "chart-response", "chart-batch-size", "chart-flush-reasons", "chart-burst-wait", "chart-csat", "chart-followups", "chart-tuner", "chart-resolutions", "chart-satisfaction", "chart-escalations", "reports"]) {
    expect(await isEmpty(page, id), id).toBe(true);
  }
  expect(await page.getByTestId("card-messagesReceived").innerText()).toContain("0");
});

test("the staff table counts the owner's sign-ins, live", async () => {
  const page = await openAnalytics();
  const table = page.getByTestId("staff-table");
  await table.getByRole("columnheader", { name: "Sign-ins" }).waitFor();
  const signIns = async () => {
    const rows = await table.locator("tbody tr").allInnerTexts();
    return rows.length === 1 ? Number(rows[0]!.trim().split(/\s+/).at(-1)) : NaN;
  };
  const before = await expect.poll(signIns, { timeout: REPLY_MS }).toBeGreaterThanOrEqual(1).then(signIns);
  await ownerClient(product.convexUrl, "signIn");
  await expect.poll(signIns, { timeout: REPLY_MS }).toBe(before + 1);
  expect(await table.locator("tbody tr").first().innerText()).toContain("owner@example.com");
});

test("a web chat burst shows up on the open page, and the range picker changes the buckets", async () => {
  const page = await openAnalytics();
  const convex = new ConvexHttpClient(product.convexUrl);
  const sessionId = await convex.mutation(api.webchat.startSession, {});
  for (const [i, text] of ["Hi", "do you ship to Berlin?", "and Hamburg?"].entries()) {
    await convex.mutation(api.webchat.send, { sessionId, clientMessageId: `m${i}`, text });
  }
  await expect
    .poll(async () => (await convex.query(api.webchat.thread, { sessionId })).messages.some((m) => m.author === "agent"), { timeout: REPLY_MS })
    .toBe(true);

  // Live: no reload; the raw tail counts before any rollup ran.
  await expect.poll(() => isEmpty(page, "chart-messages"), { timeout: REPLY_MS }).toBe(false);
  await expect.poll(() => page.getByTestId("card-messagesReceived").innerText(), { timeout: REPLY_MS }).toMatch(/^Messages in today\s*3/);
  await expect.poll(() => isEmpty(page, "chart-batch-size"), { timeout: REPLY_MS }).toBe(false);
  expect(await isEmpty(page, "chart-tuner")).toBe(false);

  // 24 hours in hours; a year in weeks or months.
  await page.getByRole("button", { name: "24 hours" }).click();
  await page.getByRole("group", { name: "Granularity" }).getByRole("button", { name: "hour" }).waitFor();
  const hourly = await page.getByTestId("chart-messages").locator(".recharts-cartesian-axis-tick").count();
  await page.getByRole("button", { name: "1 year" }).click();
  await page.getByRole("group", { name: "Granularity" }).getByRole("button", { name: "month" }).click();
  await expect.poll(() => page.getByTestId("chart-messages").locator(".recharts-cartesian-axis-tick-value").allTextContents()).toContain(new Date().toISOString().slice(0, 7));
  expect(await page.getByTestId("chart-messages").locator(".recharts-cartesian-axis-tick").count()).not.toBe(hourly);
});

test("a resolved conversation asks for a rating; the answer shows on the page and gets no bot reply", async () => {
  const owner = await ownerClient(product.convexUrl, "signIn");
  await owner.mutation(api.settings.update, { patch: { csatSurveyEnabled: true } });
  const page = await openAnalytics();
  const visitor = new ConvexHttpClient(product.convexUrl);
  const sessionId = await visitor.mutation(api.webchat.startSession, {});
  await visitor.mutation(api.webchat.send, { sessionId, clientMessageId: "s1", text: "Is the blue one in stock?" });
  const agentLines = async () => (await visitor.query(api.webchat.thread, { sessionId })).messages.filter((m) => m.author === "agent");
  await expect.poll(async () => (await agentLines()).length, { timeout: REPLY_MS }).toBe(1);

  const { conversationId } = await visitor.query(api.webchat.thread, { sessionId });
  await owner.mutation(api.lifecycle.status.setConversationStatus, { conversationIds: [conversationId!], status: "resolved" });
  await expect.poll(async () => (await agentLines()).at(-1)?.text ?? "", { timeout: REPLY_MS }).toContain("from 1 (poor) to 5 (excellent)");
  await expect.poll(() => isEmpty(page, "chart-resolutions"), { timeout: REPLY_MS }).toBe(false);
  expect(await page.getByTestId("chart-resolutions").innerText()).toContain("AI resolution 100 %");

  await visitor.mutation(api.webchat.send, { sessionId, clientMessageId: "s2", text: "5 - quick answer, thanks" });
  await expect.poll(() => isEmpty(page, "chart-satisfaction"), { timeout: REPLY_MS }).toBe(false);
  expect(await page.getByTestId("chart-satisfaction").innerText()).toContain("CSAT 5.00 (1 of 1 asked)");
  // Recorded, not answered: a message taken as a new burst would have reopened the conversation.
  expect(await owner.query(api.lifecycle.status.conversationLifecycle, { conversationId: conversationId! })).toMatchObject({ status: "resolved", unprocessed: 0 });
  expect(await agentLines()).toHaveLength(2);
});

test("an owner generates today's report on the page and downloads its CSV", async () => {
  // Traffic of its own, so the test stands alone: one web chat answered.
  const visitor = new ConvexHttpClient(product.convexUrl);
  const sessionId = await visitor.mutation(api.webchat.startSession, {});
  await visitor.mutation(api.webchat.send, { sessionId, clientMessageId: "r1", text: "Report me" });
  await expect
    .poll(async () => (await visitor.query(api.webchat.thread, { sessionId })).messages.some((m) => m.author === "agent"), { timeout: REPLY_MS })
    .toBe(true);
  const page = await openAnalytics();
  await page.getByRole("button", { name: "Generate: today so far" }).click();
  const row = page.getByTestId("report-row").first();
  await expect.poll(() => row.innerText(), { timeout: REPLY_MS }).not.toMatch(/generating/);
  expect(await row.innerText()).toMatch(/Download CSV \(\d+ rows\)/);
  const href = await row.getByRole("link", { name: /Download CSV/ }).getAttribute("href");
  const response = await fetch(href!);
  expect(response.headers.get("content-type")).toContain("text/csv");
  const lines = (await response.text()).trimEnd().split("\r\n");
  expect(lines[0]).toMatch(/^conversation_id,channel,contact,/);
  expect(lines.filter((l) => l.includes(",web,")).length).toBeGreaterThanOrEqual(1);
});

test("a chart's link opens the conversations behind it: low CSAT lists the unhappy customer only, messages by channel lists both", async () => {
  const owner = await ownerClient(product.convexUrl, "signIn");
  await owner.mutation(api.settings.update, { patch: { csatSurveyEnabled: true } });
  const visitor = new ConvexHttpClient(product.convexUrl);
  /** A web chat answered by the bot, resolved by the owner, then rated with `rating`. */
  async function ratedChat(name: string, text: string, rating: string) {
    const sessionId = await visitor.mutation(api.webchat.startSession, {});
    await visitor.mutation(api.webchat.send, { sessionId, clientMessageId: "q", text, name });
    const agentLines = async () => (await visitor.query(api.webchat.thread, { sessionId })).messages.filter((m) => m.author === "agent");
    await expect.poll(async () => (await agentLines()).length, { timeout: REPLY_MS }).toBe(1);
    const { conversationId } = await visitor.query(api.webchat.thread, { sessionId });
    await owner.mutation(api.lifecycle.status.setConversationStatus, { conversationIds: [conversationId!], status: "resolved" });
    await expect.poll(async () => (await agentLines()).length, { timeout: REPLY_MS }).toBe(2); // the survey question
    await visitor.mutation(api.webchat.send, { sessionId, clientMessageId: "r", text: rating });
  }
  await ratedChat("Una Unhappy", "Where is my order?", "1 - still waiting");
  await ratedChat("Hal Happy", "Do you sell gift cards?", "5");

  const page = await openAnalytics();
  const satisfaction = page.getByTestId("chart-satisfaction");
  await expect.poll(() => satisfaction.innerText(), { timeout: REPLY_MS }).toContain("Low CSAT (1–2)");
  await satisfaction.getByRole("link", { name: "Low CSAT (1–2)" }).click();
  await page.getByTestId("event-filter").waitFor();
  expect(new URL(page.url()).pathname).toBe("/conversations");
  expect(await page.getByTestId("event-filter").innerText()).toContain("Low CSAT (1–2)");
  const rows = page.getByRole("list", { name: "Conversations" }).locator("li");
  await expect.poll(() => rows.allInnerTexts(), { timeout: REPLY_MS }).toEqual([expect.stringContaining("Una Unhappy")]);

  await page.goBack();
  const messages = page.getByTestId("chart-messages");
  await messages.getByRole("link", { name: /^Messages on Web chat/ }).click();
  await page.getByTestId("event-filter").waitFor();
  await expect.poll(async () => (await rows.allInnerTexts()).join("\n"), { timeout: REPLY_MS }).toContain("Hal Happy");
  const listed = (await rows.allInnerTexts()).join("\n");
  expect(listed).toContain("Una Unhappy");
  // Opening a row is the ordinary conversation page.
  await rows.filter({ hasText: "Hal Happy" }).getByRole("link").click();
  await page.waitForURL(/\/conversations\/[^/?]+$/);
});
