import { beforeEach, describe, expect, test } from "vitest";
import { api, internal } from "../../convex/_generated/api";
import { claimBatch } from "../../convex/model/batches";
import { DEFAULT_SETTINGS } from "../../lib/settings";
import { MINUTE, SECOND } from "../../lib/time";
import { replyWith, toolUse, type FakeAnthropic } from "../support/fakeAnthropic";
import { asOwner, advance, agentReplies, batchesOf, conversationOf, modelBackedSuite, newSession, say, settle, thread, type Test } from "./setup";

const suite = modelBackedSuite();
let t: Test;
let anthropic: FakeAnthropic;
beforeEach(() => {
  ({ t, anthropic } = suite);
});

/** Claims the burst as the tick would, but the action that should answer it "crashes" (never runs). */
async function claimAndCrash(sessionId: string) {
  const conversationId = await conversationOf(t, sessionId);
  return await t.run(async (ctx) => {
    const conversation = (await ctx.db.get("conversations", conversationId))!;
    const batchId = (await claimBatch(ctx, conversation, "timeout", Date.now(), DEFAULT_SETTINGS))!;
    const jobs = await ctx.db.system.query("_scheduled_functions").collect();
    for (const job of jobs) {
      if (job.name === "batching/batch:answer" && job.state.kind === "pending") await ctx.scheduler.cancel(job._id);
    }
    return batchId;
  });
}

describe("batch event records", () => {
  test("a timeout batch records its size, wait, model, usage and reply length", async () => {
    const session = await newSession(t);
    await say(t, session, "Hey");
    await advance(t, SECOND);
    await say(t, session, "do you have shoes?");
    await settle(t);
    const [batch] = await batchesOf(t, await conversationOf(t, session));
    const [reply] = await agentReplies(t, session);
    expect(batch).toMatchObject({
      flushReason: "timeout",
      outcome: "replied",
      messageCount: 2,
      totalCharacters: "Hey".length + "do you have shoes?".length,
      bufferDurationMs: 5 * SECOND,
      attempts: 1,
      responder: "claude",
      model: "claude-sonnet-4-6",
      responseLength: reply!.text.length,
      usage: { inputTokens: 120, outputTokens: 18, cacheReadInputTokens: 96, cacheCreationInputTokens: 0 },
      replyMessageId: reply!.id,
    });
    expect(batch!.processingDurationMs).toBeGreaterThanOrEqual(0);
  });

  test("an operator's flush-now answers at once with reason manual", async () => {
    const session = await newSession(t);
    await say(t, session, "Hey");
    expect(await asOwner(t).mutation(api.conversations.flushNow, { conversationId: await conversationOf(t, session) })).toBe(true);
    await advance(t, 100);
    const [batch] = await batchesOf(t, await conversationOf(t, session));
    expect(batch).toMatchObject({ flushReason: "manual", bufferDurationMs: 0, outcome: "replied" });
  });

  test("a planned shutdown flushes every buffering conversation with reason shutdown", async () => {
    const sessions = [await newSession(t), await newSession(t)];
    for (const session of sessions) await say(t, session, "Hi");
    expect(await t.mutation(internal.batching.tick.flushAll, { reason: "shutdown" })).toBe(2);
    await settle(t);
    for (const session of sessions) {
      const [batch] = await batchesOf(t, await conversationOf(t, session));
      expect(batch!.flushReason).toBe("shutdown");
      expect(await agentReplies(t, session)).toHaveLength(1);
    }
  });
});

describe("bounded model concurrency", () => {
  test("with one model slot, a second conversation's burst waits for the first call to finish", async () => {
    await asOwner(t).mutation(api.settings.update, { patch: { llmConcurrency: 1 } });
    const [a, b] = [await newSession(t), await newSession(t)];
    await say(t, a, "from A");
    await say(t, b, "from B");
    await settle(t);
    const [batchA] = await batchesOf(t, await conversationOf(t, a));
    const [batchB] = await batchesOf(t, await conversationOf(t, b));
    expect(batchB!.flushedAt).toBeGreaterThan(batchA!.flushedAt);
    expect(await agentReplies(t, a)).toHaveLength(1);
    expect(await agentReplies(t, b)).toHaveLength(1);
  });
});

describe("the watchdog", () => {
  test("a batch whose action died is answered once after its lease runs out", async () => {
    const session = await newSession(t);
    await say(t, session, "Anyone?");
    await claimAndCrash(session);
    await settle(t);
    expect(await agentReplies(t, session)).toHaveLength(0);
    expect((await thread(t, session)).typing).toBe(true);

    await advance(t, 2 * MINUTE);
    expect(await t.mutation(internal.batching.watchdog.sweep, {})).toEqual({ rerun: 1, failed: 0 });
    await settle(t);
    expect(await t.mutation(internal.batching.watchdog.sweep, {})).toEqual({ rerun: 0, failed: 0 });
    expect(await agentReplies(t, session)).toHaveLength(1);
    expect(anthropic.requests).toHaveLength(1);
  });

  test("a reply that was mid-send when the process died is flagged for a human, never sent twice", async () => {
    const session = await newSession(t);
    await say(t, session, "Anyone?");
    const batchId = await claimAndCrash(session);
    const { attempt } = (await t.mutation(internal.batching.batch.begin, { batchId }))!;
    await t.mutation(internal.batching.batch.commitDraft, {
      batchId,
      attempt,
      text: "Yes, we are here.",
      usage: { inputTokens: 1, outputTokens: 1, cacheReadInputTokens: 0, cacheCreationInputTokens: 0 },
      model: "claude-sonnet-4-6",
      responder: "claude",
      toolCalls: [],
      processingDurationMs: 10,
    });
    await advance(t, 6 * MINUTE);
    expect(await t.mutation(internal.batching.watchdog.sweep, {})).toEqual({ rerun: 0, failed: 1 });
    await settle(t);
    const { messages, typing } = await thread(t, session);
    expect(typing).toBe(false);
    expect(messages.map((m) => [m.author, m.status])).toEqual([
      ["customer", "failed"],
      ["agent", "send_failed"],
    ]);
    const conversation = await t.run(async (ctx) => ctx.db.get("conversations", await conversationOf(t, session)));
    expect(conversation!.needsHuman?.reason).toMatch(/may or may not have reached/);
  });
});

describe("an attempt that outlives its lease", () => {
  test("stops acting once the watchdog re-ran the batch: one follow-up, one reply", async () => {
    const session = await newSession(t);
    anthropic.script(
      // Attempt 1 is slow: its lease runs out, the watchdog re-runs the batch, and only then does it ask for a tool.
      {
        before: async () => {
          const [batch] = await batchesOf(t, await conversationOf(t, session));
          await t.run((ctx) => ctx.db.patch("batches", batch!._id, { leaseUntil: Date.now() - 1 }));
          expect(await t.mutation(internal.batching.watchdog.sweep, {})).toEqual({ rerun: 1, failed: 0 });
          await t.action(internal.batching.batch.answer, { batchId: batch!._id }); // attempt 2, to completion
        },
        ...toolUse("schedule_followup", { when: "in 2 hours", note: "from the stale attempt" }),
      },
      toolUse("schedule_followup", { when: "in 2 hours", note: "from attempt 2" }),
      replyWith("I will write to you in 2 hours."),
    );
    await say(t, session, "write me in 2 hours");
    await advance(t, 6 * SECOND);
    expect((await agentReplies(t, session)).map((r) => r.text)).toEqual(["I will write to you in 2 hours."]);
    const actions = await t.run((ctx) => ctx.db.query("scheduledActions").collect());
    expect(actions.map((a) => [a.note, a.status])).toEqual([["from attempt 2", "pending"]]);
    expect(anthropic.requests).toHaveLength(3); // the stale attempt made no further model call
  });
});

describe("human takeover", () => {
  test("after an operator takes over, new messages are kept for the human and not answered", async () => {
    const session = await newSession(t);
    await say(t, session, "Hi");
    await settle(t);
    await asOwner(t).mutation(api.conversations.setTakeover, { conversationId: await conversationOf(t, session), takeover: true });
    await say(t, session, "I want a person");
    await settle(t);
    expect(await agentReplies(t, session)).toHaveLength(1);
    expect((await thread(t, session)).typing).toBe(false);
    await asOwner(t).mutation(api.conversations.setTakeover, { conversationId: await conversationOf(t, session), takeover: false });
    await say(t, session, "thanks");
    await settle(t);
    expect(await agentReplies(t, session)).toHaveLength(2);
  });

  test("a takeover ends by itself after the configured quiet time, and not while people are still writing", async () => {
    await asOwner(t).mutation(api.settings.update, { patch: { takeoverIdleResumeMs: 10 * MINUTE } });
    const session = await newSession(t);
    await say(t, session, "Hi");
    await settle(t);
    const conversationId = await conversationOf(t, session);
    await asOwner(t).mutation(api.conversations.setTakeover, { conversationId, takeover: true });
    await advance(t, 6 * MINUTE);
    await say(t, session, "still there?"); // kept for the human; restarts the quiet time
    await advance(t, 6 * MINUTE);
    expect((await t.run((ctx) => ctx.db.get("conversations", conversationId)))!.takeover).toBe(true);
    await advance(t, 5 * MINUTE);
    expect((await t.run((ctx) => ctx.db.get("conversations", conversationId)))!.takeover).toBe(false);
  });

  test("an operator's message goes out as the human and pauses the bot", async () => {
    await asOwner(t).mutation(api.settings.update, { patch: { takeoverIdleResumeMs: 0 } }); // keep it until an operator ends it
    const session = await newSession(t);
    await say(t, session, "Hi");
    await settle(t);
    const conversationId = await conversationOf(t, session);
    await asOwner(t).mutation(api.conversations.sendAsHuman, { conversationId, text: "Hello, this is Anna from the shop." });
    await settle(t);
    const { messages } = await thread(t, session);
    expect(messages.at(-1)).toMatchObject({ author: "human", text: "Hello, this is Anna from the shop.", status: "sent" });
    expect((await t.run((ctx) => ctx.db.get("conversations", conversationId)))!.takeover).toBe(true);
    await expect(asOwner(t).mutation(api.conversations.sendAsHuman, { conversationId, text: "  " })).rejects.toThrow(/1–4000 characters/);
  });

  test("a takeover while the model writes drops the draft", async () => {
    const session = await newSession(t);
    await say(t, session, "Hi");
    anthropic.script({
      before: async () => {
        await asOwner(t).mutation(api.conversations.setTakeover, { conversationId: await conversationOf(t, session), takeover: true });
      },
    });
    await settle(t);
    expect(await agentReplies(t, session)).toHaveLength(0);
    const [batch] = await batchesOf(t, await conversationOf(t, session));
    expect(batch!.outcome).toBe("skipped");
  });
});

describe("settings", () => {
  test("an invalid value is refused with the field and the reason", async () => {
    await expect(asOwner(t).mutation(api.settings.update, { patch: { batchWindowMs: 10 } })).rejects.toThrow(/batchWindowMs/);
    const { settings } = await asOwner(t).query(api.settings.get, {});
    expect(settings.batchWindowMs).toBe(4 * SECOND);
  });

  test("a hand-edited invalid value falls back to its default and is reported", async () => {
    await t.run(async (ctx) => {
      await ctx.db.insert("settings", { key: "global", maxBatchMessages: 0 });
    });
    const { settings, problems } = await asOwner(t).query(api.settings.get, {});
    expect(settings.maxBatchMessages).toBe(10);
    expect(problems).toEqual([expect.stringMatching(/^maxBatchMessages:/)]);
  });

  test("a changed window applies to the next burst", async () => {
    await asOwner(t).mutation(api.settings.update, { patch: { batchWindowMs: 1500 } });
    const session = await newSession(t);
    await say(t, session, "quick");
    await advance(t, 1600);
    expect(await agentReplies(t, session)).toHaveLength(1);
  });
});
