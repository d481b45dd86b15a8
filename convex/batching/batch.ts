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
import { internalAction, internalMutation } from "../_generated/server";
import { retryDelayMs } from "../../lib/backoff";
import { inPlatformOrder } from "../../lib/prompt";
import { AGENT_TOOLS } from "../../lib/agent/tools";
import { isOpen } from "../../lib/workingHours";
import { classify } from "../agent/claude";
import { sendTyping } from "../channels/actions";
import { loadHistory, modelSettingsOf, toPrompt, vModelSettings, vPromptMessage } from "../agent/context";
import { archivedHistoryNote, withHistoryNote } from "../lifecycle/context";
import { writeReply } from "../agent/respond";
import { toolRunner } from "../agent/tools";
import { assertCurrentAttempt, beginAttempt, extendLease, markSending, modelLease, settleBatch } from "../model/batches";
import { recordModelCall } from "../model/analytics";
import { recordOutbound } from "../model/messages";
import { loadSettings } from "../model/settings";
import { deliver } from "../outbound";
import { vResponder, vTokenUsage, vToolCall } from "../validators";

export const answer = internalAction({
  // `typing`: a "typing…" refresh fell due at the claim; sent from here, alongside the model call.
  args: { batchId: v.id("batches"), typing: v.optional(v.boolean()) },
  returns: v.null(),
  handler: async (ctx, { batchId, typing }) => {
    const job = await ctx.runMutation(internal.batching.batch.begin, { batchId });
    if (!job) return null;
    const started = Date.now();
    // Awaited before anything is sent, so "typing…" never arrives after the reply.
    const typingSent = typing ? sendTyping(ctx, job.conversationId) : undefined;
    let reply;
    try {
      reply = await writeReply({
        ...job,
        tools: AGENT_TOOLS,
        runTool: toolRunner(ctx, { conversationId: job.conversationId, batchId, attempt: job.attempt }),
      });
    } catch (error) {
      await typingSent;
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
    await typingSent;
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
    const attempt = await beginAttempt(ctx, batch, now, settings);
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
      settings: withHistoryNote(modelSettingsOf(settings), await archivedHistoryNote(ctx, batch.conversationId)),
      history,
      burst: burst.map(toPrompt),
    };
  },
});

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
    await extendLease(ctx, batchId, modelLease(Date.now(), settings));
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
    const retrying = retryable && attempt < settings.llmMaxAttempts;
    await recordModelCall(ctx, batch, { outcome: "error", attempt, at: now, retrying }, settings);
    if (retrying) {
      const delay = retryDelayMs(attempt, { retryAfterMs });
      await extendLease(ctx, batchId, modelLease(now, settings, delay), error);
      await ctx.scheduler.runAfter(delay, internal.batching.batch.answer, { batchId });
      return null;
    }
    await settleBatch(ctx, batch, { outcome: "failed", reason: `The model failed ${attempt} time(s); last error: ${error}`, cause: "model_failed" }, now, settings);
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
    };

    // Only Claude's drafts were model calls (the offline responder and the after-hours notice call none).
    const modelCall = (outcome: "replied" | "superseded" | "skipped") =>
      args.responder === "claude"
        ? recordModelCall(ctx, batch, { outcome, attempt: args.attempt, at: now, processingMs: args.processingDurationMs, model: args.model }, settings)
        : Promise.resolve();

    // A takeover that began elsewhere wins; one this draft asked for (handoff) still sends the draft.
    if (conversation.takeover && conversation.takeoverBatchId !== batch._id) {
      await modelCall("skipped");
      await settleBatch(ctx, batch, { outcome: "skipped", metrics }, now, settings);
      return null;
    }
    const state = conversation.state;
    if (settings.supersedeGuard && state.kind === "processing" && state.newSinceClaim > 0) {
      await modelCall("superseded");
      await settleBatch(ctx, batch, { outcome: "superseded", metrics }, now, settings);
      return null;
    }
    await modelCall("replied");

    const messageId = await recordOutbound(ctx, conversation, { text: args.text, author: "agent", batchId: batch._id });
    await markSending(ctx, batch, metrics, { messageId, length: args.text.length }, now);
    return messageId;
  },
});
