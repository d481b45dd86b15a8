/**
 * The Convex side of the HTTP API (app/api): one function per endpoint,
 * each behind an API key (convex/apiKeys.ts). Shapes match lib/api's zod
 * schemas, which the route handlers check again on the way out.
 */
import { v } from "convex/values";
import { apiKeyQuery } from "./apiKeys";
import { vChannel } from "./validators";

/** Most conversations one call returns. */
export const API_PAGE_LIMIT = 100;
const MAX_QUERY = 200;

/**
 * GET /api/conversations: newest first, optionally one channel and a
 * contact-name search. The search filters each page it reads, so a page
 * may hold fewer than `limit` items; the end is `nextCursor: null`.
 */
export const conversations = apiKeyQuery({
  args: {
    channel: v.optional(vChannel),
    q: v.optional(v.string()),
    cursor: v.optional(v.union(v.string(), v.null())),
    limit: v.number(),
  },
  returns: v.object({
    items: v.array(
      v.object({
        id: v.string(),
        channel: vChannel,
        accountId: v.string(),
        externalChatId: v.string(),
        contact: v.object({ name: v.union(v.string(), v.null()) }),
        lastMessageAt: v.number(),
        needsHuman: v.boolean(),
        takeover: v.boolean(),
      }),
    ),
    nextCursor: v.union(v.string(), v.null()),
  }),
  handler: async (ctx, { channel, q, cursor, limit }) => {
    const numItems = Math.max(1, Math.min(Math.floor(limit), API_PAGE_LIMIT));
    const table = ctx.db.query("conversations");
    const source =
      channel !== undefined
        ? table.withIndex("by_channel_and_last_message_at", (i) => i.eq("channel", channel)).order("desc")
        : table.withIndex("by_last_message_at").order("desc");
    const result = await source.paginate({ numItems, cursor: cursor ?? null });
    const needle = q?.trim().slice(0, MAX_QUERY).toLowerCase() || null;
    const items = [];
    for (const c of result.page) {
      const contact = await ctx.db.get("contacts", c.contactId);
      const name = contact?.displayName ?? contact?.username ?? null;
      if (needle !== null && !(name ?? "").toLowerCase().includes(needle)) continue;
      items.push({
        id: c._id as string,
        channel: c.channel,
        accountId: c.accountId,
        // A web chat's chatId is its session document's id, never the visitor's secret.
        externalChatId: c.chatId,
        contact: { name },
        lastMessageAt: c.lastMessageAt,
        needsHuman: c.needsHuman !== undefined,
        takeover: c.takeover,
      });
    }
    return { items, nextCursor: result.isDone ? null : result.continueCursor };
  },
});
