/**
 * Ingest: every inbound event enters here, in one transaction per webhook
 * POST. Per customer message it reads the settings, the contact and the
 * conversation, writes the message, the conversation and one analytics
 * event, and makes at most one scheduler call (tests/convex/ingest.test.ts
 * pins this). It never touches rollups or counters: hot documents would
 * make concurrent webhooks conflict; the event is insert-only.
 */
import { v } from "convex/values";
import type { Doc, Id } from "./_generated/dataModel";
import { mutation, type MutationCtx } from "./_generated/server";
import { inboxFieldsOnCustomerMessage } from "../lib/inbox";
import { timingSafeEqual } from "../lib/secret";
import type { Settings } from "../lib/settings";
import { INSTAGRAM_TEXT_LIMIT } from "../lib/channels/meta";
import { splitText } from "../lib/channels/split";
import { MINUTE } from "../lib/time";
import { sanitizeInbound } from "../lib/webhooks/limits";
import { recordMessageReceived, recordStatusChange } from "./model/analytics";
import { recordSurveyAnswer } from "./model/surveys";
import { surveyAnswerFor } from "../lib/analytics/survey";
import { upsertContact } from "./model/contacts";
import {
  addToBuffer,
  answerCallbackLater,
  findConversation,
  insertConversation,
  noteInbound,
  noteSurveyAnswer,
  notePreview,
  startTakeover,
} from "./model/conversations";
import { isArchivedMessage } from "./model/archives";
import { callerError } from "./model/errors";
import { addReaction, advanceReceipt, editMessage, findByExternalId, insertMessage, recentMessages } from "./model/messages";
import { confirmByEcho } from "./model/delivery";
import { cancelFollowupsOnReply } from "./model/scheduledActions";
import { loadSettings } from "./model/settings";
import { vInboundEvent, type InboundEvent, type InboundMessage } from "./validators";

const vIngestResult = v.object({ accepted: v.number(), duplicates: v.number(), ignored: v.number() });
type IngestResult = typeof vIngestResult.type;

/**
 * Called by the webhook route handlers over HTTP, so it is public; it
 * refuses any caller that does not hold the server-to-server secret.
 */
export const inbound = mutation({
  args: { secret: v.string(), events: v.array(vInboundEvent) },
  returns: vIngestResult,
  handler: async (ctx, { secret, events }) => {
    const expected = process.env.INGEST_SECRET;
    if (!expected) {
      throw callerError("NOT_CONFIGURED", "INGEST_SECRET is not set on the Convex deployment");
    }
    if (!timingSafeEqual(secret, expected)) {
      throw callerError("UNAUTHORIZED", "Wrong ingest secret");
    }
    return await ingestEvents(ctx, events, Date.now());
  },
});

/** `loaded`: settings the caller already read, so they are not read twice. */
export async function ingestEvents(
  ctx: MutationCtx,
  events: InboundEvent[],
  now: number,
  loaded?: Settings,
): Promise<IngestResult> {
  const result: IngestResult = { accepted: 0, duplicates: 0, ignored: 0 };
  let settings = loaded;
  for (const event of events) {
    settings ??= await loadSettings(ctx);
    const outcome = await ingestEvent(ctx, sanitizeInbound(event, now), now, settings);
    result[outcome] += 1;
  }
  return result;
}

type Outcome = keyof IngestResult;

async function ingestEvent(ctx: MutationCtx, event: InboundEvent, now: number, settings: Settings): Promise<Outcome> {
  switch (event.kind) {
    case "message":
      return await ingestMessage(ctx, event, now, settings);
    case "edit": {
      const message = await findByExternalId(ctx, event);
      if (!message) return "ignored";
      if (message.editedAt !== undefined && message.editedAt >= event.editedAt) return "duplicates";
      // The stored text changes; an answered message does not start a new reply.
      await editMessage(ctx, message, { text: event.text, attachments: event.attachments, editedAt: event.editedAt });
      return "accepted";
    }
    case "reaction": {
      const message = await findByExternalId(ctx, event);
      if (!message) return "ignored";
      const reactions = message.reactions ?? [];
      if (reactions.some((r) => r.emoji === event.emoji && r.at === event.at)) return "duplicates";
      await addReaction(ctx, message, { emoji: event.emoji, at: event.at });
      return "accepted";
    }
    case "status":
      return await applyReceipt(ctx, event);
    case "echo": {
      if (event.ownSendKey !== undefined) return await confirmOwnSend(ctx, event);
      // An id we stored when sending (WhatsApp wamid, Telegram id) is our own reply.
      if (await findByExternalId(ctx, event)) return "duplicates";
      const existing = await findConversation(ctx, event);
      if (existing && event.matchOwnByText) {
        // Instagram: no marker, so a reply whose send answer was lost is recognised by its text.
        if (await confirmByEchoText(ctx, existing._id, event)) return "accepted";
        if (await isOurOwnSend(ctx, existing._id, event.text, now)) return "ignored";
      }
      // A person answering a customer the bot has not met yet: the conversation starts taken over.
      const conversation =
        existing ??
        (await insertConversation(
          ctx,
          { ...event, contactId: (await upsertContact(ctx, { ...event, sender: { externalId: event.chatId } }))._id },
          now,
        ));
      await insertMessage(ctx, {
        conversationId: conversation._id,
        channel: event.channel,
        accountId: event.accountId,
        direction: "out",
        externalId: event.externalId,
        author: "human",
        text: event.text,
        attachments: [],
        status: "sent",
        sentAt: event.sentAt,
        sentAtEstimated: event.sentAtEstimated,
        receivedAt: now,
      });
      await notePreview(ctx, conversation._id, event.text, now, "human");
      await startTakeover(ctx, conversation, `A person replied from the ${event.channel} app`, now);
      return "accepted";
    }
  }
}

async function ingestMessage(ctx: MutationCtx, event: InboundMessage, now: number, settings: Settings): Promise<Outcome> {
  if ((await findByExternalId(ctx, event)) || (await isArchivedMessage(ctx, event))) return "duplicates";
  const contact = await upsertContact(ctx, event);
  const existing = await findConversation(ctx, event);
  const conversation = existing ?? (await insertConversation(ctx, { ...event, contactId: contact._id }, now));

  // A survey's answer (a rating, a button tap) is recorded, never answered as a burst.
  const answer = surveyAnswerFor(conversation.pendingSurvey, event.text, now);
  const answerable =
    answer === null &&
    !conversation.takeover &&
    (event.chatType !== "group" || event.addressedToBot === true || settings.telegramGroupsAnswerAll);
  await insertMessage(ctx, {
    conversationId: conversation._id,
    channel: event.channel,
    accountId: event.accountId,
    direction: "in",
    externalId: event.externalId,
    contactId: contact._id,
    author: "customer",
    text: event.text,
    attachments: event.attachments,
    // "answered": a survey answer needs no reply, so it never counts as waiting.
    status: answer ? "answered" : answerable ? "buffered" : "ignored",
    sentAt: event.sentAt,
    sentAtEstimated: event.sentAtEstimated,
    receivedAt: now,
    callbackQueryId: event.callbackQueryId,
    ...(answer ? { survey: answer.kind } : {}),
  });
  if (event.callbackQueryId) await answerCallbackLater(ctx, conversation._id, event.callbackQueryId);
  if (answer) {
    // Counted as a rating, not as a message in: ingest writes ≤ 4 documents (message, rating, feedback, conversation).
    await recordSurveyAnswer(ctx, conversation, answer, now, settings);
    await noteSurveyAnswer(ctx, conversation, { lastInboundAt: now, lastInboundExternalId: event.externalId, lastMessagePreview: preview(event), lastMessageAt: now });
    return "accepted";
  }
  await recordMessageReceived(ctx, { ...event, conversationId: conversation._id, contactId: contact._id, receivedAt: now }, existing === null, settings);
  if (conversation.status === "resolved") await recordStatusChange(ctx, conversation, "open", "customer", now, settings);
  await cancelFollowupsOnReply(ctx, conversation._id);

  const batching = answerable ? await addToBuffer(ctx, conversation, now, settings) : {};
  await noteInbound(ctx, conversation, {
    ...batching,
    lastInboundAt: now,
    lastInboundExternalId: event.externalId,
    lastMessagePreview: preview(event),
    lastMessageAt: now,
    // Under takeover the message is for the human: they wait all the same.
    ...inboxFieldsOnCustomerMessage(
      conversation,
      { text: event.text, attachmentCount: event.attachments.length },
      answerable || conversation.takeover,
      now,
    ),
    threadId: event.threadId ?? conversation.threadId,
    businessConnectionId: event.businessConnectionId ?? conversation.businessConnectionId,
  });
  return "accepted";
}

function preview(event: InboundMessage): string {
  const text = event.text || event.attachments.map((a) => `[${a.kind}]`).join(" ");
  return text.length > 140 ? `${text.slice(0, 139)}…` : text;
}

/**
 * The echo of our own send (Messenger's metadata marker names the outbound
 * message). Usually the send already answered and this is noise; when the
 * send's answer was lost it proves delivery, so no human is asked.
 */
async function confirmOwnSend(ctx: MutationCtx, event: Extract<InboundEvent, { kind: "echo" }>): Promise<Outcome> {
  const id = ctx.db.normalizeId("messages", event.ownSendKey!);
  return id && (await confirmByEcho(ctx, id, event.externalId)) ? "accepted" : "ignored";
}

/**
 * An Instagram echo of a reply still waiting for its echo (the send's
 * answer was lost): the echo of its first part (no later part is sent
 * after an unknown first one) proves it was delivered.
 */
async function confirmByEchoText(ctx: MutationCtx, conversationId: Id<"conversations">, event: Extract<InboundEvent, { kind: "echo" }>) {
  const body = event.text.trim();
  if (body.length === 0) return false;
  const recent = await recentMessages(ctx, conversationId, OWN_ECHO_LOOKBACK);
  const waiting = recent.find(
    (m) => m.direction === "out" && m.status === "sending" && m.awaitingEcho === true && splitText(m.text, INSTAGRAM_TEXT_LIMIT)[0]?.trim() === body,
  );
  return waiting ? await confirmByEcho(ctx, waiting._id, event.externalId) : false;
}

/**
 * Delivery and read receipts move our outbound messages forward, never back.
 * A receipt carrying our marker (WhatsApp `biz_opaque_callback_data`) first
 * confirms a send whose answer was lost, as an echo does on Messenger.
 */
async function applyReceipt(ctx: MutationCtx, event: Extract<InboundEvent, { kind: "status" }>): Promise<Outcome> {
  let confirmed = false;
  if (event.ownSendKey !== undefined && event.externalId !== undefined && event.status !== "failed") {
    const id = ctx.db.normalizeId("messages", event.ownSendKey);
    confirmed = id !== null && (await confirmByEcho(ctx, id, event.externalId));
  }
  if (event.status === "sent") return confirmed ? "accepted" : "ignored";
  const advance = (message: Doc<"messages">) => advanceReceipt(ctx, message, event);
  if (event.externalId !== undefined) {
    const message = await findByExternalId(ctx, event);
    if (!message || message.direction !== "out") return confirmed ? "accepted" : "ignored";
    return (await advance(message)) || confirmed ? "accepted" : "duplicates";
  }
  if (event.watermark === undefined) return "ignored";
  // Messenger read receipts: everything we sent up to the watermark was read.
  const conversation = await findConversation(ctx, event);
  if (!conversation) return "ignored";
  const recent = await recentMessages(ctx, conversation._id, RECEIPT_LOOKBACK);
  let changed = false;
  for (const message of recent) {
    if (message.direction === "out" && message.sentAt <= event.watermark) changed = (await advance(message)) || changed;
  }
  return changed ? "accepted" : "duplicates";
}

/** A read watermark covers recent sends; older ones were marked long ago. */
const RECEIPT_LOOKBACK = 20;

/** Our sends echo back within seconds; a generous bound still excludes a human's later reply. */
const OWN_ECHO_WINDOW_MS = 10 * MINUTE;
const OWN_ECHO_LOOKBACK = 10;

/**
 * Instagram echoes carry no metadata to mark our own sends, and a split
 * reply echoes once per part with only the first part's id recorded. An
 * echo whose text is part of something we sent just now is ours, not a
 * human replying from the app.
 */
async function isOurOwnSend(ctx: MutationCtx, conversationId: Id<"conversations">, text: string, now: number) {
  const body = text.trim();
  if (body.length === 0) return false;
  const recent = await recentMessages(ctx, conversationId, OWN_ECHO_LOOKBACK);
  return recent.some(
    (m) => m.direction === "out" && m.author !== "human" && now - m.sentAt <= OWN_ECHO_WINDOW_MS && m.text.includes(body),
  );
}
