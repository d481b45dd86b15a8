/**
 * One place for convex-test scenarios: the module map, a `newTest()` with
 * transaction limits on, and small builders for what a customer does.
 */
import { convexTest } from "convex-test";
import { afterAll, afterEach, beforeAll, beforeEach, vi } from "vitest";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { scheduleFollowup } from "../../convex/model/scheduledActions";
import schema from "../../convex/schema";
import type { InboundMessage } from "../../convex/validators";
import { startFakeAnthropic, type FakeAnthropic } from "../support/fakeAnthropic";

export const modules = import.meta.glob("../../convex/**/*.*s");

export function newTest() {
  return convexTest({ schema, modules, transactionLimits: true });
}
export type Test = ReturnType<typeof newTest>;

/** Fake the clocks the backend uses; leave Node's I/O plumbing real. */
export function useFakeClock(start = Date.UTC(2026, 10, 21, 12, 0, 0)) {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"] });
  vi.setSystemTime(start);
}

/** Moves time forward and waits for whatever became due, including real HTTP in actions. */
export async function advance(t: Test, ms: number) {
  const end = Date.now() + ms;
  // Step so work scheduled by due work (a flush scheduling its action) also runs.
  while (Date.now() < end) {
    const step = Math.min(250, end - Date.now());
    await vi.advanceTimersByTimeAsync(step);
    await t.finishInProgressScheduledFunctions();
  }
}

/**
 * Runs until nothing is scheduled any more (replies sent, heartbeats
 * stopped), jumping the clock one timer at a time and only while no function
 * is running, so a model call in flight never sees its own timeout fire.
 */
export async function settle(t: Test, maxSteps = 2000) {
  for (let step = 0; step < maxSteps; step++) {
    await t.finishInProgressScheduledFunctions();
    if (vi.getTimerCount() === 0) return;
    await vi.advanceTimersToNextTimerAsync();
  }
  throw new Error("settle: work is still scheduled after many steps (a heartbeat that never stops?)");
}

export { asOwner, signedIn, type Accessor } from "./operators";

export async function newSession(t: Test): Promise<string> {
  return await t.mutation(api.webchat.startSession, {});
}

let clientIds = 0;
export async function say(t: Test, sessionId: string, text: string, clientMessageId = `c${++clientIds}`) {
  await t.mutation(api.webchat.send, { sessionId, clientMessageId, text });
}

export async function thread(t: Test, sessionId: string) {
  return await t.query(api.webchat.thread, { sessionId });
}

export async function agentReplies(t: Test, sessionId: string) {
  return (await thread(t, sessionId)).messages.filter((m) => m.author === "agent");
}

export async function batchesOf(t: Test, conversationId: Id<"conversations">) {
  return await t.run(async (ctx) =>
    ctx.db
      .query("batches")
      .withIndex("by_conversation", (q) => q.eq("conversationId", conversationId))
      .collect(),
  );
}

export const INGEST_SECRET = "test-ingest-secret";

/** A normalized Telegram private-chat message, as the route handler would produce it. */
export function telegramMessage(overrides: Partial<InboundMessage> & { messageId: number }): InboundMessage {
  const { messageId, ...rest } = overrides;
  return {
    kind: "message",
    channel: "telegram",
    accountId: "7012345678",
    chatId: "510001",
    externalId: `510001:${messageId}`,
    sender: { externalId: "510001", displayName: "Dana Petrova", username: "dana_p", languageCode: "en" },
    text: "Hey",
    attachments: [],
    sentAt: Date.now(),
    chatType: "private",
    ...rest,
  };
}

/** A follow-up as the agent's tool schedules it, outside any draft (so nothing withdraws it). */
export async function scheduleFollowupNow(t: Test, conversationId: Id<"conversations">, when: string, note: string) {
  return await t.run((ctx) => scheduleFollowup(ctx, { conversationId, when, note }));
}

export async function conversationOf(t: Test, sessionId: string): Promise<Id<"conversations">> {
  const { conversationId } = await thread(t, sessionId);
  if (!conversationId) throw new Error(`session ${sessionId} has no conversation yet`);
  return conversationId;
}

/**
 * Per test: a fresh backend, the fake clock and the ingest secret. Without
 * an API key the offline responder answers, as on a fresh install. Read
 * `suite.t` in tests (hooks assign it before each test).
 */
export function offlineSuite(start?: number) {
  const suite = {} as { t: Test };
  beforeEach(() => {
    useFakeClock(start);
    vi.stubEnv("ANTHROPIC_API_KEY", "");
    vi.stubEnv("INGEST_SECRET", INGEST_SECRET);
    suite.t = newTest();
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllEnvs();
  });
  return suite;
}

/**
 * As `offlineSuite`, with Claude answering: one fake Anthropic server per
 * file that the real SDK is pointed at. Read `suite.anthropic` in tests.
 */
export function modelBackedSuite(start?: number) {
  const suite = offlineSuite(start) as { t: Test; anthropic: FakeAnthropic };
  beforeAll(async () => {
    suite.anthropic = await startFakeAnthropic();
  });
  afterAll(async () => {
    await suite.anthropic.close();
  });
  beforeEach(() => {
    vi.stubEnv("ANTHROPIC_API_KEY", "sk-ant-test");
    vi.stubEnv("ANTHROPIC_BASE_URL", suite.anthropic.url);
    suite.anthropic.requests.length = 0;
    suite.anthropic.failAlways(null);
  });
  return suite;
}
