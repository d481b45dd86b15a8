/**
 * The built-in web chat: the one channel that needs no account, used by the
 * playground and the browser tests. A visitor holds an unguessable session
 * id; whoever holds it can write to and read that one conversation.
 */
import { ConvexError, v } from "convex/values";
import { mutation, query, type QueryCtx } from "./_generated/server";
import { MINUTE } from "../lib/time";
import { ingestEvents } from "./ingest";
import { loadSettings } from "./settings";

export const WEB_ACCOUNT = "web";
const SESSION_ID = /^[0-9a-f]{32}$/;
const MAX_TEXT = 4000; // a chat message, not a document

function assertSession(sessionId: string) {
  if (!SESSION_ID.test(sessionId)) {
    throw new ConvexError({ code: "BAD_SESSION", message: "Unknown chat session; reload the page to start a new one" });
  }
}

/** A fresh session id: 128 random bits as hex. */
export const startSession = mutation({
  args: {},
  returns: v.string(),
  handler: async () => {
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  },
});

/** The visitor sends a message. `clientMessageId` makes a double submit harmless. */
export const send = mutation({
  args: { sessionId: v.string(), clientMessageId: v.string(), text: v.string(), name: v.optional(v.string()) },
  returns: v.null(),
  handler: async (ctx, { sessionId, clientMessageId, text, name }) => {
    assertSession(sessionId);
    const trimmed = text.trim();
    if (trimmed.length === 0) throw new ConvexError({ code: "EMPTY", message: "Write something first" });
    if (trimmed.length > MAX_TEXT) {
      throw new ConvexError({ code: "TOO_LONG", message: `Messages are limited to ${MAX_TEXT} characters` });
    }
    const now = Date.now();
    const settings = await loadSettings(ctx);
    if (!settings.webChatEnabled) {
      throw new ConvexError({ code: "WEB_CHAT_OFF", message: "The web chat is turned off" });
    }
    await refuseFlooding(ctx, sessionId, now, settings.webChatMessagesPerMinute);
    await ingestEvents(
      ctx,
      [
        {
          kind: "message",
          channel: "web",
          accountId: WEB_ACCOUNT,
          chatId: sessionId,
          externalId: `${sessionId}:${clientMessageId}`,
          sender: { externalId: sessionId, displayName: name },
          text: trimmed,
          attachments: [],
          sentAt: now,
          chatType: "private",
        },
      ],
      now,
      settings,
    );
    return null;
  },
});

/**
 * The web chat is open to anyone with the URL, and every burst costs a model
 * call: a visitor writing faster than a person types is refused.
 */
async function refuseFlooding(ctx: QueryCtx, sessionId: string, now: number, perMinute: number) {
  const conversation = await findWebConversation(ctx, sessionId);
  if (!conversation) return;
  const recent = await ctx.db
    .query("messages")
    .withIndex("by_conversation", (q) => q.eq("conversationId", conversation._id))
    .order("desc")
    .take(perMinute * 2); // replies interleave with the visitor's messages
  const lastMinute = recent.filter((m) => m.direction === "in" && now - m.receivedAt < MINUTE);
  if (lastMinute.length >= perMinute) {
    throw new ConvexError({ code: "TOO_FAST", message: "You are sending messages very fast; wait a minute and try again" });
  }
}

async function findWebConversation(ctx: QueryCtx, sessionId: string) {
  return await ctx.db
    .query("conversations")
    .withIndex("by_channel_and_account_and_chat", (q) =>
      q.eq("channel", "web").eq("accountId", WEB_ACCOUNT).eq("chatId", sessionId),
    )
    .unique();
}

/** Messages shown in the widget; older ones are in the dashboard. */
const THREAD_LIMIT = 100;

export const thread = query({
  args: { sessionId: v.string() },
  returns: v.object({
    conversationId: v.union(v.null(), v.id("conversations")),
    typing: v.boolean(),
    messages: v.array(
      v.object({
        id: v.id("messages"),
        author: v.union(v.literal("customer"), v.literal("agent"), v.literal("human")),
        text: v.string(),
        status: v.string(),
        at: v.number(),
      }),
    ),
  }),
  handler: async (ctx, { sessionId }) => {
    assertSession(sessionId);
    const conversation = await findWebConversation(ctx, sessionId);
    if (!conversation) return { conversationId: null, typing: false, messages: [] };
    const recent = await ctx.db
      .query("messages")
      .withIndex("by_conversation", (q) => q.eq("conversationId", conversation._id))
      .order("desc")
      .take(THREAD_LIMIT);
    return {
      conversationId: conversation._id,
      // "typing…" while the burst is buffering and while the model writes.
      typing: conversation.state.kind !== "idle" && !conversation.takeover,
      messages: recent.reverse().map((m) => ({
        id: m._id,
        author: m.author,
        text: m.text,
        status: m.status,
        at: m.sentAt,
      })),
    };
  },
});
