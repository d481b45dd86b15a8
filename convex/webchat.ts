/**
 * The built-in web chat: the one channel that needs no account, used by the
 * playground and the browser tests. The server mints each session (a
 * stored document); whoever holds its unguessable id can write to and read
 * that one conversation, and nobody else, operators included, ever sees
 * the id: the conversation is keyed by the session document's `_id`.
 *
 * Strangers reach this, so everything is bounded: issuing sessions is rate
 * limited site-wide, each session has its own per-minute limit, names and
 * ids have lengths, and a global budget caps the model calls web chat
 * bursts cost per minute and per day. Every check is one document read.
 */
import { surveyChoices } from "../lib/analytics/survey";
import { ConvexError, v } from "convex/values";
import type { Doc } from "./_generated/dataModel";
import { mutation, query, type MutationCtx, type QueryCtx } from "./_generated/server";
import type { Settings } from "../lib/settings";
import { operatorQuery } from "./functions";
import { ingestEvents } from "./ingest";
import { callerError } from "./model/errors";
import { recentMessages } from "./model/messages";
import { loadSettings } from "./model/settings";
import { bump, countNow, findSession, insertSession, readCounter, refuseFlooding } from "./model/webChat";

export const WEB_ACCOUNT = "web";
const MAX_TEXT = 4000; // a chat message, not a document
const MAX_NAME = 100; // a person's name
const MAX_CLIENT_ID = 64; // the widget sends a short random id

function unknownSession() {
  return callerError("BAD_SESSION", "Unknown chat session; reload the page to start a new one");
}

/** A fresh session: 128 random bits as hex, stored so `send` can tell it was issued. */
export const startSession = mutation({
  args: {},
  returns: v.string(),
  handler: async (ctx) => {
    const now = Date.now();
    const settings = await loadSettings(ctx);
    const issued = await readCounter(ctx, "sessions/minute");
    if (countNow(issued, now) >= settings.webChatSessionsPerMinute) {
      throw new ConvexError({ code: "BUSY", message: "The chat is very busy right now; please try again in a minute" });
    }
    await bump(ctx, "sessions/minute", issued, now);
    return await insertSession(ctx, now);
  },
});

const vSendArgs = { sessionId: v.string(), clientMessageId: v.string(), text: v.string(), name: v.optional(v.string()) };

/** The visitor sends a message. `clientMessageId` makes a double submit harmless. */
export const send = mutation({
  args: vSendArgs,
  returns: v.null(),
  handler: async (ctx, args) => {
    await sendMessage(ctx, args);
    return null;
  },
});

export async function sendMessage(
  ctx: MutationCtx,
  { sessionId, clientMessageId, text, name }: { sessionId: string; clientMessageId: string; text: string; name?: string },
): Promise<void> {
  if (clientMessageId.length === 0 || clientMessageId.length > MAX_CLIENT_ID) {
    throw new ConvexError({ code: "BAD_REQUEST", message: `clientMessageId must be 1–${MAX_CLIENT_ID} characters` });
  }
  const displayName = name?.trim() || undefined;
  if (displayName !== undefined && displayName.length > MAX_NAME) {
    throw new ConvexError({ code: "TOO_LONG", message: `Names are limited to ${MAX_NAME} characters` });
  }
  const trimmed = text.trim();
  if (trimmed.length === 0) throw new ConvexError({ code: "EMPTY", message: "Write something first" });
  if (trimmed.length > MAX_TEXT) {
    throw new ConvexError({ code: "TOO_LONG", message: `Messages are limited to ${MAX_TEXT} characters` });
  }
  const session = await findSession(ctx, sessionId);
  if (!session) throw unknownSession();
  const now = Date.now();
  const settings = await loadSettings(ctx);
  if (!settings.webChatEnabled) {
    throw new ConvexError({ code: "WEB_CHAT_OFF", message: "The web chat is turned off" });
  }
  await refuseFlooding(ctx, session, now, settings.webChatMessagesPerMinute);
  const chatId = session._id as string;
  const conversation = await findWebConversation(ctx, chatId);
  if (opensBurst(conversation)) await spendModelCall(ctx, now, settings);
  await ingestEvents(
    ctx,
    [
      {
        kind: "message",
        channel: "web",
        accountId: WEB_ACCOUNT,
        chatId,
        externalId: `${chatId}:${clientMessageId}`,
        sender: { externalId: chatId, displayName },
        text: trimmed,
        attachments: [],
        sentAt: now,
        chatType: "private",
      },
    ],
    now,
    settings,
  );
}

/**
 * A message that finds no burst buffering (and none waiting behind the one
 * the model is writing) starts one: that is a model call to come. One that
 * joins a burst costs nothing more.
 */
function opensBurst(conversation: Doc<"conversations"> | null): boolean {
  if (!conversation || conversation.takeover) return conversation === null;
  const state = conversation.state;
  if (state.kind === "idle") return true;
  if (state.kind === "processing") return state.pendingCount === 0;
  return false;
}

/**
 * The global budget: web chat bursts answered by the model, site-wide.
 * Reached, the visitor is asked to come back later (their message is not
 * stored, so nothing waits unanswered) and the dashboard shows a notice.
 */
async function spendModelCall(ctx: MutationCtx, now: number, settings: Settings) {
  const minute = await readCounter(ctx, "calls/minute");
  const day = await readCounter(ctx, "calls/day");
  if (countNow(minute, now) >= settings.webChatModelCallsPerMinute || countNow(day, now) >= settings.webChatModelCallsPerDay) {
    throw new ConvexError({
      code: "BUSY",
      message: "We are getting more messages than we can answer right now. Please try again a little later.",
    });
  }
  await bump(ctx, "calls/minute", minute, now);
  await bump(ctx, "calls/day", day, now);
}

async function findWebConversation(ctx: QueryCtx, chatId: string) {
  return await ctx.db
    .query("conversations")
    .withIndex("by_channel_and_account_and_chat", (q) =>
      q.eq("channel", "web").eq("accountId", WEB_ACCOUNT).eq("chatId", chatId),
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
        /** Buttons under a survey question that still waits for its answer; a tap sends the label. */
        choices: v.optional(v.array(v.object({ label: v.string(), payload: v.string() }))),
      }),
    ),
  }),
  handler: async (ctx, { sessionId }) => {
    const session = await findSession(ctx, sessionId);
    if (!session) throw unknownSession();
    const conversation = await findWebConversation(ctx, session._id);
    if (!conversation) return { conversationId: null, typing: false, messages: [] };
    const recent = await recentMessages(ctx, conversation._id, THREAD_LIMIT);
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
        ...(m.survey && m.direction === "out" && conversation.pendingSurvey?.messageId === m._id ? { choices: surveyChoices(m.survey) } : {}),
      })),
    };
  },
});

/**
 * The dashboard's notice: how much of the web chat model budget is spent.
 * `now` comes from the client, rounded to the minute, so the query stays cached.
 */
export const budget = operatorQuery({
  args: { now: v.number() },
  returns: v.object({
    minute: v.object({ used: v.number(), limit: v.number() }),
    day: v.object({ used: v.number(), limit: v.number() }),
    reached: v.boolean(),
  }),
  handler: async (ctx, { now }) => {
    const settings = await loadSettings(ctx);
    const minute = { used: countNow(await readCounter(ctx, "calls/minute"), now), limit: settings.webChatModelCallsPerMinute };
    const day = { used: countNow(await readCounter(ctx, "calls/day"), now), limit: settings.webChatModelCallsPerDay };
    return { minute, day, reached: minute.used >= minute.limit || day.used >= day.limit };
  },
});
