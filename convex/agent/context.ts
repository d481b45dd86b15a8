/**
 * What the agent is given to write with: the model settings and the
 * conversation's recent history, shared by burst replies and follow-ups.
 */
import { v } from "convex/values";
import type { Doc, Id } from "../_generated/dataModel";
import type { QueryCtx } from "../_generated/server";
import type { PromptMessage } from "../../lib/prompt";
import type { Settings } from "../../lib/settings";
import { vAttachment } from "../validators";

export const vPromptMessage = v.object({
  author: v.union(v.literal("customer"), v.literal("agent"), v.literal("human")),
  text: v.string(),
  attachments: v.array(vAttachment),
  sentAt: v.number(),
});

export const vModelSettings = v.object({
  model: v.string(),
  systemPrompt: v.string(),
  maxOutputTokens: v.number(),
  llmTimeoutMs: v.number(),
});

export function modelSettingsOf({ model, systemPrompt, maxOutputTokens, llmTimeoutMs }: Settings) {
  return { model, systemPrompt, maxOutputTokens, llmTimeoutMs };
}

export function toPrompt(message: Doc<"messages">): PromptMessage {
  return { author: message.author, text: message.text, attachments: message.attachments, sentAt: message.sentAt };
}

/** Messages still waiting for a batch, or that never reached the customer, are not history. */
function inHistory(message: Doc<"messages">): boolean {
  if (message.direction === "in") return message.status !== "buffered" && message.status !== "batched";
  return message.status !== "blocked" && message.status !== "send_failed" && message.status !== "sending";
}

/** Newer messages that may sit between the burst and "now" (the next burst) and are skipped. */
const NEWER_ALLOWANCE = 10;

/** The conversation's last `limit` messages that count as history, oldest first. */
export async function loadHistory(ctx: QueryCtx, conversationId: Id<"conversations">, limit: number, skip = 0) {
  const recent = await ctx.db
    .query("messages")
    .withIndex("by_conversation", (q) => q.eq("conversationId", conversationId))
    .order("desc")
    .take(limit + skip + NEWER_ALLOWANCE);
  return recent.filter(inHistory).slice(0, limit).reverse().map(toPrompt);
}
