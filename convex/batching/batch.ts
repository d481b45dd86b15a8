/**
 * One batch's life after the flush claimed it: the model writes a draft
 * (retried with backoff), the supersede guard decides whether it still
 * answers everything, and the reply goes out through ../outbound.ts.
 *
 * "At most one reply per batch": every step checks the batch's outcome and
 * attempt number, so a retry, a watchdog re-run or a redelivered job that
 * arrives late finds the batch already moved on and does nothing.
 */
import { v } from "convex/values";
import { internal } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import { internalAction, internalMutation, type MutationCtx, type QueryCtx } from "../_generated/server";
import { retryDelayMs } from "../../lib/backoff";
import { inPlatformOrder } from "../../lib/prompt";
import type { Settings } from "../../lib/settings";
import { MINUTE } from "../../lib/time";
import { AGENT_TOOLS } from "../../lib/agent/tools";
import { isOpen } from "../../lib/workingHours";
import { classify } from "../agent/claude";
import { loadHistory, modelSettingsOf, toPrompt, vModelSettings, vPromptMessage } from "../agent/context";
import { writeReply } from "../agent/respond";
import { toolRunner } from "../agent/tools";
import { withdrawBatchActions } from "../followups";
import { deliver, recordOutbound } from "../outbound";
import { vResponder, vTokenUsage, vToolCall } from "../schema";
import { loadSettings } from "../settings";
import { LEASE_SLACK_MS, releaseConversation } from "./state";

/** How long a reply may take to go out (incl. platform retries) before the watchdog flags it. */
export const DELIVERY_LEASE_MS = 5 * MINUTE;

export const answer = internalAction({
  args: { batchId: v.id("batches") },
  returns: v.null(),
  handler: async (ctx, { batchId }) => {
    const job = await ctx.runMutation(internal.batching.batch.begin, { batchId });
    if (!job) return null;
    const started = Date.now();
    let reply;
    try {
      reply = await writeReply({
        ...job,
        tools: AGENT_TOOLS,
        runTool: toolRunner(ctx, { conversationId: job.conversationId, batchId, attempt: job.attempt }),
      });
    } catch (error) {
      const failure = classify(error);
      await ctx.runMutation(internal.batching.batch.attemptFailed, {
        batchId,
        attempt: job.attempt,
        error: failure.message,
        retryable: failure.retryable,
        retryAfterMs: failure.retryAfterMs,
      });
      return null;
    }
    const messageId = await ctx.runMutation(internal.batching.batch.commitDraft, {
      batchId,
      attempt: job.attempt,
      text: reply.text,
      usage: reply.usage,
      model: reply.model,
      responder: reply.responder,
      toolCalls: reply.toolCalls,
      processingDurationMs: Date.now() - started,
    });
    if (messageId) await deliver(ctx, messageId);
    return null;
  },
});

/** Starts an attempt: counts it, extends the lease, returns what the model needs. */
export const begin = internalMutation({
  args: { batchId: v.id("batches") },
  returns: v.union(
    v.null(),
    v.object({
      attempt: v.number(),
      conversationId: v.id("conversations"),
      notice: v.optional(v.string()),
      settings: vModelSettings,
      history: v.array(vPromptMessage),
      burst: v.array(vPromptMessage),
    }),
  ),
  handler: async (ctx, { batchId }) => {
    const batch = await ctx.db.get("batches", batchId);
    if (!batch || batch.outcome !== "processing") return null;
    const settings = await loadSettings(ctx);
    const now = Date.now();
    const attempt = batch.attempts + 1;
    await ctx.db.patch("batches", batchId, { attempts: attempt, leaseUntil: now + settings.llmTimeoutMs + LEASE_SLACK_MS });
    // A failed attempt's tools may have scheduled follow-ups; this attempt decides afresh.
    if (attempt > 1) await withdrawBatchActions(ctx, batchId, true);
    const closed = settings.workingHoursEnabled && !isOpen(now, settings.workingHours);

    const burst = inPlatformOrder(
      await ctx.db
        .query("messages")
        .withIndex("by_batch", (q) => q.eq("batchId", batchId))
        .take(settings.maxBatchMessages * 2),
    ).filter((m) => m.direction === "in");
    // The burst itself is `batched`, so history skips it.
    const history = await loadHistory(ctx, batch.conversationId, settings.historyMessages, burst.length);
    return {
      attempt,
      conversationId: batch.conversationId,
      notice: closed && settings.afterHoursMode === "notice" ? settings.afterHoursNotice : undefined,
      settings: modelSettingsOf(settings),
      history,
      burst: burst.map(toPrompt),
    };
  },
});

/**
 * Whether this attempt still owns the batch. A slow attempt the watchdog
 * gave up on, or a draft already superseded, must not act any more.
 */
export async function assertCurrentAttempt(ctx: QueryCtx, batchId: Id<"batches">, attempt: number) {
  const batch = await ctx.db.get("batches", batchId);
  if (!batch || batch.outcome !== "processing" || batch.attempts !== attempt) {
    throw new Error(`Batch ${batchId} attempt ${attempt} is no longer current`);
  }
  return batch;
}

/**
 * Called before each tool the model runs: proves the attempt is still the
 * current one and extends its lease, since a tool loop takes several model
 * calls. Throws when the attempt is stale, which ends it quietly.
 */
export const renewLease = internalMutation({
  args: { batchId: v.id("batches"), attempt: v.number() },
  returns: v.null(),
  handler: async (ctx, { batchId, attempt }) => {
    await assertCurrentAttempt(ctx, batchId, attempt);
    const settings = await loadSettings(ctx);
    await ctx.db.patch("batches", batchId, { leaseUntil: Date.now() + settings.llmTimeoutMs + LEASE_SLACK_MS });
    return null;
  },
});

/** The model failed: retry with backoff, or give the batch to a human. */
export const attemptFailed = internalMutation({
  args: {
    batchId: v.id("batches"),
    attempt: v.number(),
    error: v.string(),
    retryable: v.boolean(),
    retryAfterMs: v.optional(v.number()),
  },
  returns: v.null(),
  handler: async (ctx, { batchId, attempt, error, retryable, retryAfterMs }) => {
    const batch = await ctx.db.get("batches", batchId);
    if (!batch || batch.outcome !== "processing" || batch.attempts !== attempt) return null;
    const settings = await loadSettings(ctx);
    const now = Date.now();
    if (retryable && attempt < settings.llmMaxAttempts) {
      const delay = retryDelayMs(attempt, { retryAfterMs });
      await ctx.db.patch("batches", batchId, {
        lastError: error,
        leaseUntil: now + delay + settings.llmTimeoutMs + LEASE_SLACK_MS,
      });
      await ctx.scheduler.runAfter(delay, internal.batching.batch.answer, { batchId });
      return null;
    }
    await failBatch(ctx, batch, `The model failed ${attempt} time(s); last error: ${error}`, now, settings);
    return null;
  },
});

/**
 * The draft is ready. Drop it if a human took over or the customer wrote
 * again meanwhile (the next flush answers everything); otherwise record it
 * as the batch's one outbound message, to be sent.
 */
export const commitDraft = internalMutation({
  args: {
    batchId: v.id("batches"),
    attempt: v.number(),
    text: v.string(),
    usage: vTokenUsage,
    model: v.string(),
    responder: vResponder,
    toolCalls: v.array(vToolCall),
    processingDurationMs: v.number(),
  },
  returns: v.union(v.null(), v.id("messages")),
  handler: async (ctx, args) => {
    const batch = await ctx.db.get("batches", args.batchId);
    if (!batch || batch.outcome !== "processing" || batch.attempts !== args.attempt) return null;
    const conversation = await ctx.db.get("conversations", batch.conversationId);
    if (!conversation) throw new Error(`Conversation ${batch.conversationId} of batch ${batch._id} not found`);
    const settings = await loadSettings(ctx);
    const now = Date.now();
    const metrics = {
      model: args.model,
      responder: args.responder,
      usage: args.usage,
      toolCalls: args.toolCalls.length > 0 ? args.toolCalls : undefined,
      processingDurationMs: args.processingDurationMs,
      completedAt: now,
    };
    const inbound = await batchInbound(ctx, batch._id);

    // A takeover that began elsewhere wins; one this draft asked for (handoff) still sends the draft.
    if (conversation.takeover && conversation.takeoverBatchId !== batch._id) {
      await withdrawBatchActions(ctx, batch._id, false);
      await ctx.db.patch("batches", batch._id, { ...metrics, outcome: "skipped" });
      for (const message of inbound) await ctx.db.patch("messages", message._id, { status: "ignored" });
      await releaseConversation(ctx, conversation._id, now, settings);
      return null;
    }
    const state = conversation.state;
    if (settings.supersedeGuard && state.kind === "processing" && state.newSinceClaim > 0) {
      await withdrawBatchActions(ctx, batch._id, false);
      await ctx.db.patch("batches", batch._id, { ...metrics, outcome: "superseded" });
      for (const message of inbound) await ctx.db.patch("messages", message._id, { status: "buffered", batchId: undefined });
      await releaseConversation(ctx, conversation._id, now, settings, {
        count: inbound.length,
        firstPendingAt: batch.flushedAt - batch.bufferDurationMs,
      });
      return null;
    }

    const messageId = await recordOutbound(ctx, conversation, { text: args.text, author: "agent", batchId: batch._id });
    await ctx.db.patch("batches", batch._id, {
      ...metrics,
      completedAt: undefined,
      outcome: "sending",
      responseLength: args.text.length,
      replyMessageId: messageId,
      leaseUntil: now + DELIVERY_LEASE_MS,
    });
    return messageId;
  },
});

/** The customer messages a batch answers. */
export async function batchInbound(ctx: MutationCtx, batchId: Id<"batches">) {
  const messages = await ctx.db
    .query("messages")
    .withIndex("by_batch", (q) => q.eq("batchId", batchId))
    .take(BATCH_MESSAGES_CAP);
  return messages.filter((m) => m.direction === "in");
}

/** A batch never holds more than `maxBatchMessages` (≤ 100) plus its reply. */
const BATCH_MESSAGES_CAP = 101;

/**
 * The batch is over without a reply: its messages stay (marked failed, never
 * re-answered silently) and the conversation is flagged for a human.
 */
export async function failBatch(
  ctx: MutationCtx,
  batch: Doc<"batches">,
  reason: string,
  now: number,
  settings: Settings,
) {
  await ctx.db.patch("batches", batch._id, { outcome: "failed", lastError: reason, completedAt: now });
  await withdrawBatchActions(ctx, batch._id, false);
  for (const message of await batchInbound(ctx, batch._id)) {
    await ctx.db.patch("messages", message._id, { status: "failed" });
  }
  await ctx.db.patch("conversations", batch.conversationId, { needsHuman: { reason, since: now } });
  await releaseConversation(ctx, batch.conversationId, now, settings);
}
