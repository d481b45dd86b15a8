/**
 * Shared validators: the single source of the shapes that cross module
 * boundaries (route handlers → ingest, schema fields, function returns).
 * TypeScript types are inferred from these, never written twice.
 */
import { v, type Infer } from "convex/values";
import { zodToConvexFields } from "convex-helpers/server/zod4";
import { settingsPatchSchema, settingsSchema } from "../lib/settings";

export const vChannel = v.union(
  v.literal("telegram"),
  v.literal("messenger"),
  v.literal("instagram"),
  v.literal("whatsapp"),
  v.literal("web"),
);
export type Channel = Infer<typeof vChannel>;

/** What the model sees of a non-text part, e.g. "[photo: red shoes]". */
export const vAttachment = v.object({
  kind: v.union(
    v.literal("photo"),
    v.literal("voice"),
    v.literal("audio"),
    v.literal("video"),
    v.literal("sticker"),
    v.literal("document"),
    v.literal("location"),
    v.literal("contact"),
    v.literal("other"),
  ),
  /** Caption, sticker emoji, file name or similar short description. */
  caption: v.optional(v.string()),
  /** Platform file reference (Telegram file_id, Meta attachment URL). */
  ref: v.optional(v.string()),
  mimeType: v.optional(v.string()),
});
export type Attachment = Infer<typeof vAttachment>;

/** Who wrote an inbound message, as the platform identifies them. */
export const vSender = v.object({
  externalId: v.string(),
  displayName: v.optional(v.string()),
  username: v.optional(v.string()),
  languageCode: v.optional(v.string()),
});

/** Fields every normalized inbound event carries. */
const where = {
  channel: vChannel,
  /** The business side: Telegram bot id, Page id, IG account id, WA phone number id, "web". */
  accountId: v.string(),
  /** The conversation on the platform: chat id, PSID/IGSID, wa_id, web session id. */
  chatId: v.string(),
};

/**
 * A normalized inbound event, produced by the route handlers (lib/channels)
 * and consumed by `ingest.inbound`. `externalId` is the platform message id
 * and the dedupe key together with (channel, accountId): Telegram
 * "<chat_id>:<message_id>" (or "cb:<callback id>"), Meta `mid`, WhatsApp `wamid`.
 */
export const vInboundMessage = v.object({
  kind: v.literal("message"),
  ...where,
  externalId: v.string(),
  sender: vSender,
  text: v.string(),
  attachments: v.array(vAttachment),
  /** Platform send time in ms (Telegram/WhatsApp seconds are converted). */
  sentAt: v.number(),
  /** The platform's time was missing or absurd; `sentAt` is the receive time (lib/webhooks/limits.ts). */
  sentAtEstimated: v.optional(v.boolean()),
  /** Telegram forum topic; replies go back to the same thread. */
  threadId: v.optional(v.string()),
  /** Group chats: whether the bot was addressed (mention, reply, command). */
  chatType: v.optional(v.union(v.literal("private"), v.literal("group"))),
  addressedToBot: v.optional(v.boolean()),
  /** Telegram callback query id to acknowledge (button press). */
  callbackQueryId: v.optional(v.string()),
  /** Telegram Business connection the message came through. */
  businessConnectionId: v.optional(v.string()),
});

/** The customer edited a message we already stored. */
export const vInboundEdit = v.object({
  kind: v.literal("edit"),
  ...where,
  externalId: v.string(),
  text: v.string(),
  attachments: v.array(vAttachment),
  editedAt: v.number(),
});

/** Delivery / read / failure receipt for a message we sent. */
export const vInboundStatus = v.object({
  kind: v.literal("status"),
  ...where,
  /** Platform id of our outbound message; Messenger read receipts carry a watermark instead. */
  externalId: v.optional(v.string()),
  watermark: v.optional(v.number()),
  /** "sent": only for our own marked sends (WhatsApp), to confirm one whose answer was lost. */
  status: v.union(v.literal("sent"), v.literal("delivered"), v.literal("read"), v.literal("failed")),
  at: v.number(),
  error: v.optional(v.string()),
  /** Our marker on the send (WhatsApp `biz_opaque_callback_data`): the outbound message it reports on. */
  ownSendKey: v.optional(v.string()),
});

/**
 * A message sent from the business side that we did not send ourselves
 * (Meta `is_echo` without our app metadata): a human answered from the
 * native app, so the bot pauses for that conversation.
 */
export const vInboundEcho = v.object({
  kind: v.literal("echo"),
  ...where,
  externalId: v.string(),
  text: v.string(),
  sentAt: v.number(),
  sentAtEstimated: v.optional(v.boolean()),
  /**
   * Instagram only: echoes carry no marker of our sends, so an echo whose
   * text is part of a reply we just sent is taken as ours. Elsewhere markers
   * and ids decide, and short human replies ("OK") are never mistaken.
   */
  matchOwnByText: v.optional(v.boolean()),
  /**
   * Messenger: the echo of our own send, carrying the outbound message id
   * from our metadata marker. Ingest uses it to confirm a reply whose send
   * timed out (delivered after all) instead of asking a human.
   */
  ownSendKey: v.optional(v.string()),
});

/** A reaction to a message (recorded, never answered). */
export const vInboundReaction = v.object({
  kind: v.literal("reaction"),
  ...where,
  externalId: v.string(),
  emoji: v.string(),
  sender: vSender,
  at: v.number(),
});

export const vInboundEvent = v.union(
  vInboundMessage,
  vInboundEdit,
  vInboundStatus,
  vInboundEcho,
  vInboundReaction,
);
export type InboundEvent = Infer<typeof vInboundEvent>;
export type InboundMessage = Infer<typeof vInboundMessage>;

/** Where a reply or typing action goes (see channels/adapter.ts). */
export const vChannelTarget = v.object({
  channel: vChannel,
  accountId: v.string(),
  chatId: v.string(),
  threadId: v.optional(v.string()),
  businessConnectionId: v.optional(v.string()),
  /** Platform id of the customer's latest message (WhatsApp typing marks it read). */
  lastInboundExternalId: v.optional(v.string()),
});
export type ChannelTarget = Infer<typeof vChannelTarget>;

export const vFlushReason = v.union(
  v.literal("timeout"),
  v.literal("max_messages"),
  v.literal("max_wait"),
  v.literal("manual"),
  v.literal("shutdown"),
);
export type FlushReason = Infer<typeof vFlushReason>;

/**
 * The settings document's fields, all optional, derived from the zod schema
 * in lib/settings.ts so limits and defaults live in one place.
 */
export const vSettingsFields = zodToConvexFields(settingsPatchSchema.shape);

/** The effective settings, every field present. */
export const vSettings = v.object(zodToConvexFields(settingsSchema.shape));

/** Who wrote a batch's reply: Claude, the offline responder, or the after-hours notice. */
export const vResponder = v.union(v.literal("claude"), v.literal("offline"), v.literal("notice"));

/** One tool the agent ran while writing a reply. The single declaration: agent/claude.ts's `ToolCall` is inferred from it. */
export const vToolCall = v.object({
  name: v.string(),
  input: v.any(),
  result: v.string(),
  isError: v.boolean(),
});
export type ToolCall = Infer<typeof vToolCall>;

/** Tokens one reply used, summed over its tool rounds. agent/claude.ts's `TokenUsage` is inferred from it. */
export const vTokenUsage = v.object({
  inputTokens: v.number(),
  outputTokens: v.number(),
  cacheReadInputTokens: v.number(),
  cacheCreationInputTokens: v.number(),
});
export type TokenUsage = Infer<typeof vTokenUsage>;
