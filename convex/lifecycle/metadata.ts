/**
 * Conversation metadata (sentiment, category, tags, summary, language).
 * Claude is asked through one forced tool call, so its answer is structured
 * JSON; lib/lifecycle/metadata.ts validates it with zod, and an invalid
 * answer gets one retry that tells the model what was wrong, then is
 * rejected (the previous labels stay). Without an API key the offline
 * heuristic labels instead, marked `source: "offline"`. Operator edits live
 * in `metadataManual` and always win; a run never writes them.
 */
import Anthropic from "@anthropic-ai/sdk";
import { ConvexError, v } from "convex/values";
import { internal } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import { internalAction, internalMutation, internalQuery, type MutationCtx } from "../_generated/server";
import { operatorMutation, operatorQuery } from "../functions";
import {
  METADATA_SYSTEM_PROMPT,
  METADATA_TOOL_NAME,
  metadataToolSchema,
  offlineMetadata,
  parseMetadata,
  transcriptText,
  METADATA_TRANSCRIPT_LINES,
  type ConversationMetadata,
  type TranscriptLine,
} from "../../lib/lifecycle/metadata";
import { SECOND } from "../../lib/time";
import { loadSettings } from "../settings";
import { setMetadata } from "../model/conversations";
import { addCounts, finishRun, patchRun } from "../model/maintenanceRuns";
import { setMessageLabels as writeMessageLabels } from "../model/messages";
import { vAutoMetadata, vManualMetadata, vMessageLabels, vSentiment } from "./schema";

/** Conversations looked at per page of a run. */
const METADATA_PAGE = 20;
/** Labels are short; this bounds a confused model's output. */
const METADATA_MAX_TOKENS = 600;
const METADATA_TIMEOUT_MS = 60 * SECOND;
/** One retry after an invalid answer; a second invalid answer is rejected. */
const METADATA_ATTEMPTS = 2;

type Usage = { input: number; output: number };

export const context = internalQuery({
  args: { conversationId: v.id("conversations") },
  returns: v.union(
    v.null(),
    v.object({
      lines: v.array(v.object({ author: v.union(v.literal("customer"), v.literal("agent"), v.literal("human")), text: v.string() })),
      lastMessageAt: v.number(),
      model: v.string(),
      categories: v.array(v.string()),
      tokenBudget: v.number(),
    }),
  ),
  handler: async (ctx, { conversationId }) => {
    const conversation = await ctx.db.get("conversations", conversationId);
    if (!conversation) return null;
    const recent = await ctx.db
      .query("messages")
      .withIndex("by_conversation", (q) => q.eq("conversationId", conversationId))
      .order("desc")
      .take(METADATA_TRANSCRIPT_LINES);
    const settings = await loadSettings(ctx);
    const lines = recent.reverse().map((m) => ({ author: m.author, text: m.text || m.attachments.map((a) => `[${a.kind}]`).join(" ") }));
    // An archived conversation keeps its previous summary as its only text.
    if (lines.length === 0 && conversation.metadata) lines.push({ author: "agent", text: `Earlier summary: ${conversation.metadata.summary}` });
    return { lines, lastMessageAt: conversation.lastMessageAt, model: settings.model, categories: settings.metadataCategories, tokenBudget: settings.metadataTokenBudget };
  },
});

export const record = internalMutation({
  args: { conversationId: v.id("conversations"), metadata: vAutoMetadata },
  returns: v.null(),
  handler: async (ctx, { conversationId, metadata }) => {
    const conversation = await ctx.db.get("conversations", conversationId);
    if (conversation) await setMetadata(ctx, conversationId, { metadata });
    return null;
  },
});

type Outcome =
  | { kind: "labelled"; metadata: ConversationMetadata; source: "claude" | "offline"; model?: string; usage: Usage }
  | { kind: "rejected"; error: string; usage: Usage };

/** Labels one transcript with Claude, validating and retrying once; or offline without a key. */
export async function labelTranscript(lines: TranscriptLine[], options: { model: string; categories: string[] }): Promise<Outcome> {
  const apiKey = process.env.ANTHROPIC_API_KEY;
  if (!apiKey) return { kind: "labelled", metadata: offlineMetadata(lines, options.categories), source: "offline", usage: { input: 0, output: 0 } };
  const client = new Anthropic({ apiKey, baseURL: process.env.ANTHROPIC_BASE_URL || undefined, maxRetries: 2, timeout: METADATA_TIMEOUT_MS });
  const tool: Anthropic.Tool = {
    name: METADATA_TOOL_NAME,
    description: "Record the labels of this conversation.",
    input_schema: metadataToolSchema(options.categories) as Anthropic.Tool.InputSchema,
    // The instructions and the tool are the same on every call: cache them.
    cache_control: { type: "ephemeral" },
  };
  const messages: Anthropic.MessageParam[] = [{ role: "user", content: `The conversation, oldest first:\n\n${transcriptText(lines)}` }];
  const usage: Usage = { input: 0, output: 0 };
  let error = "no answer";
  for (let attempt = 0; attempt < METADATA_ATTEMPTS; attempt++) {
    const response = await client.messages.create({
      model: options.model,
      max_tokens: METADATA_MAX_TOKENS,
      system: [{ type: "text", text: METADATA_SYSTEM_PROMPT, cache_control: { type: "ephemeral" } }],
      tools: [tool],
      tool_choice: { type: "tool", name: METADATA_TOOL_NAME },
      messages,
    });
    usage.input += response.usage.input_tokens + (response.usage.cache_read_input_tokens ?? 0) + (response.usage.cache_creation_input_tokens ?? 0);
    usage.output += response.usage.output_tokens;
    const call = response.content.find((block): block is Anthropic.ToolUseBlock => block.type === "tool_use" && block.name === METADATA_TOOL_NAME);
    if (!call) {
      error = `the model did not call ${METADATA_TOOL_NAME}`;
      messages.push({ role: "assistant", content: response.content }, { role: "user", content: `Call ${METADATA_TOOL_NAME} with the labels.` });
      continue;
    }
    const parsed = parseMetadata(call.input, options.categories);
    if (parsed.ok) return { kind: "labelled", metadata: parsed.value, source: "claude", model: response.model, usage };
    error = parsed.error;
    messages.push(
      { role: "assistant", content: response.content },
      { role: "user", content: [{ type: "tool_result", tool_use_id: call.id, is_error: true, content: `Invalid labels: ${error}. Call the tool again with valid values.` }] },
    );
  }
  return { kind: "rejected", error, usage };
}

export const analyzeConversation = internalAction({
  args: { conversationId: v.id("conversations") },
  returns: v.object({ outcome: v.string(), tokens: v.number(), error: v.optional(v.string()) }),
  handler: async (ctx, { conversationId }) => {
    const input = await ctx.runQuery(internal.lifecycle.metadata.context, { conversationId });
    if (!input) return { outcome: "missing", tokens: 0 };
    const result = await labelTranscript(input.lines, { model: input.model, categories: input.categories });
    const tokens = result.usage.input + result.usage.output;
    if (result.kind === "rejected") return { outcome: "rejected", tokens, error: result.error };
    await ctx.runMutation(internal.lifecycle.metadata.record, {
      conversationId,
      metadata: { ...result.metadata, source: result.source, model: result.model, analyzedAt: Date.now(), analyzedThrough: input.lastMessageAt },
    });
    return { outcome: result.source === "offline" ? "offline" : "labelled", tokens };
  },
});

/**
 * One page of the changed-since-last-analysis walk: newest activity first,
 * stopping at conversations older than the previous finished run (those
 * were looked at then).
 */
export const changedPage = internalQuery({
  args: { runId: v.id("maintenanceRuns"), cursor: v.union(v.string(), v.null()) },
  returns: v.object({ ids: v.array(v.id("conversations")), continueCursor: v.string(), isDone: v.boolean() }),
  handler: async (ctx, { runId, cursor }) => {
    const recent = await ctx.db
      .query("maintenanceRuns")
      .withIndex("by_kind", (q) => q.eq("kind", "metadata"))
      .order("desc")
      .take(10);
    const previous = recent.find((run) => run.status === "done" && run._id !== runId);
    const since = previous?.startedAt ?? -1;
    const page = await ctx.db
      .query("conversations")
      .withIndex("by_last_message_at", (q) => q.gt("lastMessageAt", since))
      .order("desc")
      .paginate({ numItems: METADATA_PAGE, cursor });
    const ids = page.page.filter((c) => !c.metadata || c.metadata.analyzedThrough < c.lastMessageAt).map((c) => c._id);
    return { ids, continueCursor: page.continueCursor, isDone: page.isDone };
  },
});

export const addRunCounts = internalMutation({
  args: { runId: v.id("maintenanceRuns"), counts: v.record(v.string(), v.number()), finish: v.optional(v.object({ note: v.optional(v.string()), error: v.optional(v.string()) })), cursor: v.optional(v.string()) },
  returns: v.null(),
  handler: async (ctx, { runId, counts, finish, cursor }) => {
    await addCounts(ctx, runId, counts);
    if (finish) await finishRun(ctx, runId, Date.now(), finish);
    else if (cursor !== undefined) await patchRun(ctx, runId, { cursor });
    return null;
  },
});

/**
 * The weekly run (and "run now"): labels changed conversations page by
 * page until done or until the run's token budget is spent.
 */
export const analyzeChanged = internalAction({
  args: { runId: v.id("maintenanceRuns"), cursor: v.optional(v.union(v.string(), v.null())) },
  returns: v.null(),
  handler: async (ctx, { runId, cursor = null }) => {
    try {
      const page = await ctx.runQuery(internal.lifecycle.metadata.changedPage, { runId, cursor });
      const run = (await ctx.runQuery(internal.lifecycle.metadata.runOf, { runId }))!;
      const budget = (await ctx.runQuery(internal.lifecycle.metadata.budget, {})).tokenBudget;
      let spent = run.counts.tokens ?? 0;
      const counts: Record<string, number> = { labelled: 0, offline: 0, rejected: 0, tokens: 0 };
      for (const conversationId of page.ids) {
        if (spent >= budget) {
          await ctx.runMutation(internal.lifecycle.metadata.addRunCounts, { runId, counts, finish: { note: `Stopped: the token budget of ${budget} is spent` } });
          return null;
        }
        const result = await ctx.runAction(internal.lifecycle.metadata.analyzeConversation, { conversationId });
        counts[result.outcome] = (counts[result.outcome] ?? 0) + 1;
        counts.tokens += result.tokens;
        spent += result.tokens;
      }
      if (page.isDone) {
        await ctx.runMutation(internal.lifecycle.metadata.addRunCounts, { runId, counts, finish: {} });
      } else {
        await ctx.runMutation(internal.lifecycle.metadata.addRunCounts, { runId, counts, cursor: page.continueCursor });
        await ctx.scheduler.runAfter(0, internal.lifecycle.metadata.analyzeChanged, { runId, cursor: page.continueCursor });
      }
    } catch (error) {
      await ctx.runMutation(internal.lifecycle.metadata.addRunCounts, { runId, counts: {}, finish: { error: error instanceof Error ? error.message : String(error) } });
    }
    return null;
  },
});

export const runOf = internalQuery({
  args: { runId: v.id("maintenanceRuns") },
  returns: v.union(v.null(), v.object({ counts: v.record(v.string(), v.number()) })),
  handler: async (ctx, { runId }) => {
    const run = await ctx.db.get("maintenanceRuns", runId);
    return run ? { counts: run.counts } : null;
  },
});

export const budget = internalQuery({
  args: {},
  returns: v.object({ tokenBudget: v.number() }),
  handler: async (ctx) => ({ tokenBudget: (await loadSettings(ctx)).metadataTokenBudget }),
});

/** "Analyze now" on the conversation page. */
export const analyzeNow = operatorMutation({
  args: { conversationId: v.id("conversations") },
  returns: v.null(),
  handler: async (ctx, { conversationId }) => {
    if (!(await ctx.db.get("conversations", conversationId))) throw new ConvexError({ code: "NOT_FOUND", message: `Conversation ${conversationId} not found` });
    await ctx.scheduler.runAfter(0, internal.lifecycle.metadata.analyzeConversation, { conversationId });
    return null;
  },
});

const MAX_TAGS = 20;

/** An operator's edit: the given fields win from now on; `null` clears an edit so the automatic value shows again. */
export const editMetadata = operatorMutation({
  args: {
    conversationId: v.id("conversations"),
    sentiment: v.optional(v.union(vSentiment, v.null())),
    category: v.optional(v.union(v.string(), v.null())),
    tags: v.optional(v.union(v.array(v.string()), v.null())),
    summary: v.optional(v.union(v.string(), v.null())),
    language: v.optional(v.union(v.string(), v.null())),
  },
  returns: v.null(),
  handler: async (ctx, { conversationId, ...edits }) => {
    const conversation = await ctx.db.get("conversations", conversationId);
    if (!conversation) throw new ConvexError({ code: "NOT_FOUND", message: `Conversation ${conversationId} not found` });
    if (edits.tags && (edits.tags.length > MAX_TAGS || edits.tags.some((t) => t.trim().length === 0 || t.length > 40))) {
      throw new ConvexError({ code: "BAD_TAGS", message: `Up to ${MAX_TAGS} tags of 1–40 characters` });
    }
    const manual: Record<string, unknown> = { ...conversation.metadataManual };
    for (const [field, value] of Object.entries(edits)) {
      if (value === undefined) continue;
      if (value === null) delete manual[field];
      else manual[field] = field === "tags" ? (value as string[]).map((t) => t.trim()) : typeof value === "string" ? value.trim() : value;
    }
    manual.editedAt = Date.now();
    manual.editedBy = ctx.operator._id;
    await setMetadata(ctx, conversationId, { metadataManual: manual as Doc<"conversations">["metadataManual"] });
    return null;
  },
});

/** What the conversation page shows: manual edits over the automatic labels, each field saying where it came from. */
export const metadataOf = operatorQuery({
  args: { conversationId: v.id("conversations") },
  returns: v.union(v.null(), v.object({ auto: v.union(v.null(), vAutoMetadata), manual: v.union(v.null(), vManualMetadata) })),
  handler: async (ctx, { conversationId }) => {
    const conversation = await ctx.db.get("conversations", conversationId);
    if (!conversation) return null;
    return { auto: conversation.metadata ?? null, manual: conversation.metadataManual ?? null };
  },
});

// ---- per message, on request ----------------------------------------------

const MAX_CUSTOM_FIELDS = 20;

export type MessageLabelEdit = { category?: string; tags?: string[]; custom?: Record<string, string> };

/** An operator's (or API key's) labels on one message; given fields replace the previous edit's, the model's never overwrite them. */
export async function editMessageLabels(ctx: MutationCtx, messageId: Id<"messages">, { category, tags, custom }: MessageLabelEdit, by: string) {
  const message = await ctx.db.get("messages", messageId);
  if (!message) throw new ConvexError({ code: "NOT_FOUND", message: `Message ${messageId} not found` });
  if (tags && (tags.length > MAX_TAGS || tags.some((t) => t.trim().length === 0 || t.length > 40))) {
    throw new ConvexError({ code: "BAD_TAGS", message: `Up to ${MAX_TAGS} tags of 1–40 characters` });
  }
  if (custom && Object.keys(custom).length > MAX_CUSTOM_FIELDS) {
    throw new ConvexError({ code: "BAD_METADATA", message: `At most ${MAX_CUSTOM_FIELDS} custom fields` });
  }
  const previous = message.labels?.manual;
  const manual = {
    category: category?.trim() || previous?.category,
    tags: tags?.map((t) => t.trim()) ?? previous?.tags,
    custom: custom ? { ...previous?.custom, ...custom } : previous?.custom,
    editedAt: Date.now(),
    editedBy: by,
  };
  await setLabels(ctx, message, { ...message.labels, manual });
}

/** Schedules the labelling of one message: the same labelling as a conversation's, on that message alone. */
export async function requestMessageAnalysis(ctx: MutationCtx, messageId: Id<"messages">) {
  if (!(await ctx.db.get("messages", messageId))) throw new ConvexError({ code: "NOT_FOUND", message: `Message ${messageId} not found` });
  await ctx.scheduler.runAfter(0, internal.lifecycle.metadata.labelMessage, { messageId });
}

export const setMessageLabels = operatorMutation({
  args: {
    messageId: v.id("messages"),
    category: v.optional(v.string()),
    tags: v.optional(v.array(v.string())),
    custom: v.optional(v.record(v.string(), v.string())),
  },
  returns: v.null(),
  handler: async (ctx, { messageId, ...edit }) => {
    await editMessageLabels(ctx, messageId, edit, ctx.operator._id);
    return null;
  },
});

/** One message's labels for the chat's label popover; null for a message that is gone (archived or deleted). */
export const messageLabelsOf = operatorQuery({
  args: { messageId: v.id("messages") },
  returns: v.union(v.null(), v.object({ labels: v.union(v.null(), vMessageLabels) })),
  handler: async (ctx, { messageId }) => {
    const message = await ctx.db.get("messages", messageId);
    return message ? { labels: message.labels ?? null } : null;
  },
});

/** "Analyze" on one message. */
export const analyzeMessage = operatorMutation({
  args: { messageId: v.id("messages") },
  returns: v.null(),
  handler: async (ctx, { messageId }) => {
    await requestMessageAnalysis(ctx, messageId);
    return null;
  },
});

export const messageContext = internalQuery({
  args: { messageId: v.id("messages") },
  returns: v.union(v.null(), v.object({ author: v.union(v.literal("customer"), v.literal("agent"), v.literal("human")), text: v.string(), model: v.string(), categories: v.array(v.string()) })),
  handler: async (ctx, { messageId }) => {
    const message = await ctx.db.get("messages", messageId);
    if (!message) return null;
    const settings = await loadSettings(ctx);
    return { author: message.author, text: message.text, model: settings.model, categories: settings.metadataCategories };
  },
});

export const labelMessage = internalAction({
  args: { messageId: v.id("messages") },
  returns: v.object({ outcome: v.string(), error: v.optional(v.string()) }),
  handler: async (ctx, { messageId }) => {
    const input = await ctx.runQuery(internal.lifecycle.metadata.messageContext, { messageId });
    if (!input) return { outcome: "missing" };
    const result = await labelTranscript([{ author: input.author, text: input.text }], { model: input.model, categories: input.categories });
    if (result.kind === "rejected") return { outcome: "rejected", error: result.error };
    await ctx.runMutation(internal.lifecycle.metadata.recordMessageLabels, {
      messageId,
      auto: { ...result.metadata, source: result.source, analyzedAt: Date.now() },
    });
    return { outcome: result.source === "offline" ? "offline" : "labelled" };
  },
});

export const recordMessageLabels = internalMutation({
  args: { messageId: v.id("messages"), auto: v.object({ sentiment: vSentiment, category: v.string(), tags: v.array(v.string()), summary: v.string(), language: v.string(), source: v.union(v.literal("claude"), v.literal("offline")), analyzedAt: v.number() }) },
  returns: v.null(),
  handler: async (ctx, { messageId, auto }) => {
    const message = await ctx.db.get("messages", messageId);
    if (message) await setLabels(ctx, message, { ...message.labels, auto });
    return null;
  },
});

async function setLabels(ctx: MutationCtx, message: Doc<"messages">, labels: NonNullable<Doc<"messages">["labels"]>) {
  await writeMessageLabels(ctx, message._id, labels);
}
