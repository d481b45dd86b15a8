/**
 * What the agent knows of a conversation whose history is archived: the
 * stored summary, added to its instructions, since the archived messages
 * are not in the hot table its history is read from.
 */
import type { Id } from "../_generated/dataModel";
import type { QueryCtx } from "../_generated/server";

/** Two reads: the conversation and its newest archive. Null when nothing of its history is archived. */
export async function archivedHistoryNote(ctx: QueryCtx, conversationId: Id<"conversations">): Promise<string | null> {
  const conversation = await ctx.db.get("conversations", conversationId);
  const summary = conversation?.metadataManual?.summary ?? conversation?.metadata?.summary;
  if (!summary) return null;
  const archive = await ctx.db
    .query("archives")
    .withIndex("by_conversation", (q) => q.eq("conversationId", conversationId))
    .order("desc")
    .first();
  if (archive?.status !== "archived" && archive?.status !== "removing") return null;
  return `Earlier messages of this conversation are archived and not shown below. Their summary: ${summary}`;
}

export function withHistoryNote<T extends { systemPrompt: string }>(settings: T, note: string | null): T {
  return note ? { ...settings, systemPrompt: `${settings.systemPrompt}\n\n${note}` } : settings;
}
