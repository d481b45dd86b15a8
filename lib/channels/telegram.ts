/**
 * Telegram Bot API: webhook updates → `InboundEvent`s, and the few methods
 * we call. Pure apart from `fetch`; the bot identity, time and credentials
 * are passed in.
 */
import { z } from "zod";
import type { Attachment, InboundEvent, InboundMessage } from "../../convex/validators";
import { describeAttachments, parseOrThrow, type Normalized } from "../webhooks/normalize";
import { callPlatform, unexpectedResponse, type HttpDeps, type PartResult, type PlatformResult } from "./http";
import type { TextLimit } from "./split";
import { SECOND } from "../time";

export const TELEGRAM_DEFAULT_API_BASE_URL = "https://api.telegram.org";
/** sendMessage: "1-4096 characters after entities parsing"; we send plain text. */
export const TELEGRAM_TEXT_LIMIT: TextLimit = { max: 4096, unit: "chars" };
/** Bot FAQ: "avoid sending more than one message per second" to a chat. */
export const TELEGRAM_PART_GAP_MS = 1 * SECOND;
/**
 * What setWebhook subscribes to. Listed explicitly because an empty list
 * silently excludes message_reaction, and omitting it keeps whatever an
 * earlier deployment set.
 */
export const TELEGRAM_ALLOWED_UPDATES = [
  "message",
  "edited_message",
  "callback_query",
  "business_message",
  "edited_business_message",
  "message_reaction",
] as const;

/** The bot's numeric id: the part of the token before the colon. */
export function telegramBotIdFromToken(token: string): string | undefined {
  return /^(\d+):[\w-]+$/.exec(token.trim())?.[1];
}

// ---------------------------------------------------------------------------
// Update shapes: only the fields we read. Ids are numbers with up to 52
// significant bits, exact in a JS number.

const zUser = z.object({
  id: z.number(),
  is_bot: z.boolean().optional(),
  first_name: z.string().optional(),
  last_name: z.string().optional(),
  username: z.string().optional(),
  language_code: z.string().optional(),
});
type TelegramUser = z.infer<typeof zUser>;

const zChat = z.object({
  id: z.number(),
  /** Always sent by Telegram, but some relays and older libraries drop it; inferred from the id then. */
  type: z.string().optional(),
  title: z.string().optional(),
  first_name: z.string().optional(),
  last_name: z.string().optional(),
  username: z.string().optional(),
  is_forum: z.boolean().optional(),
});
type TelegramChat = z.infer<typeof zChat>;

const zEntity = z.object({ type: z.string(), offset: z.number(), length: z.number(), user: zUser.optional() });
const zFile = z.object({
  file_id: z.string(),
  file_name: z.string().optional(),
  mime_type: z.string().optional(),
});
const zLocation = z.object({ latitude: z.number(), longitude: z.number() });

const zMessage = z.object({
  message_id: z.number(),
  date: z.number(),
  edit_date: z.number().optional(),
  chat: zChat,
  from: zUser.optional(),
  message_thread_id: z.number().optional(),
  is_topic_message: z.boolean().optional(),
  business_connection_id: z.string().optional(),
  /** Set on business messages a bot sent on the owner's behalf. */
  sender_business_bot: zUser.optional(),
  reply_to_message: z
    .object({
      message_id: z.number(),
      from: zUser.optional(),
      /** Every message in a forum topic "replies" to the topic's creation; that is no reply to us. */
      forum_topic_created: z.unknown().optional(),
    })
    .optional(),
  text: z.string().optional(),
  entities: z.array(zEntity).optional(),
  caption: z.string().optional(),
  caption_entities: z.array(zEntity).optional(),
  photo: z.array(z.object({ file_id: z.string(), width: z.number(), height: z.number() })).optional(),
  voice: zFile.optional(),
  audio: zFile.extend({ performer: z.string().optional(), title: z.string().optional() }).optional(),
  video: zFile.optional(),
  video_note: z.object({ file_id: z.string() }).optional(),
  animation: zFile.optional(),
  sticker: z.object({ file_id: z.string(), emoji: z.string().optional() }).optional(),
  document: zFile.optional(),
  location: zLocation.optional(),
  venue: z.object({ location: zLocation, title: z.string(), address: z.string() }).optional(),
  contact: z.object({
    phone_number: z.string(),
    first_name: z.string(),
    last_name: z.string().optional(),
  }).optional(),
});
type TelegramMessage = z.infer<typeof zMessage>;

const zCallbackQuery = z.object({
  id: z.string(),
  from: zUser,
  /** Absent for buttons under inline-mode messages; then only the presser is known. */
  message: z
    .object({
      message_id: z.number(),
      chat: zChat,
      message_thread_id: z.number().optional(),
      is_topic_message: z.boolean().optional(),
    })
    .optional(),
  data: z.string().optional(),
  game_short_name: z.string().optional(),
});

const zReactionType = z.object({ type: z.string(), emoji: z.string().optional() });
const zMessageReaction = z.object({
  chat: zChat,
  message_id: z.number(),
  user: zUser.optional(),
  /** Anonymous group admins react as the chat. */
  actor_chat: zChat.optional(),
  date: z.number(),
  new_reaction: z.array(zReactionType),
});

/**
 * "At most one of the optional fields can be present in any given update."
 * Kinds not listed here (channel posts, inline queries, membership…) pass
 * through unvalidated and are ignored.
 */
const zUpdate = z.object({
  update_id: z.number(),
  message: zMessage.optional(),
  edited_message: zMessage.optional(),
  business_message: zMessage.optional(),
  edited_business_message: zMessage.optional(),
  callback_query: zCallbackQuery.optional(),
  message_reaction: zMessageReaction.optional(),
});

// ---------------------------------------------------------------------------
// Normalization

export type TelegramBot = {
  /** Numeric bot id (`telegramBotIdFromToken`): the accountId of every event. */
  botId: string;
  /** Without it, "@bot" mentions in groups cannot be recognised (replies and commands still are). */
  botUsername?: string;
};

const NOTHING: Normalized = { events: [], ignored: 1, skipped: [] };

/**
 * One webhook POST carries one Update. `receivedAt` (ms) stamps button
 * presses, which carry no time of their own.
 */
export function normalizeTelegramUpdate(body: unknown, bot: TelegramBot, receivedAt: number): Normalized {
  const update = parseOrThrow(zUpdate, body, "Telegram update");
  let event: InboundEvent | null = null;
  if (update.message) event = messageEvent(update.message, bot);
  else if (update.business_message) event = businessMessageEvent(update.business_message, bot);
  else if (update.edited_message) event = editEvent(update.edited_message, bot);
  else if (update.edited_business_message) event = editEvent(update.edited_business_message, bot);
  else if (update.callback_query) event = callbackEvent(update.callback_query, bot, receivedAt);
  else if (update.message_reaction) event = reactionEvent(update.message_reaction, bot);
  return event ? { events: [event], ignored: 0, skipped: [] } : NOTHING;
}

/** Telegram's id for a message is only unique within its chat. */
export function telegramExternalId(chatId: number | string, messageId: number): string {
  return `${chatId}:${messageId}`;
}

function chatTypeOf(chat: TelegramChat): "private" | "group" | null {
  // Users have positive ids, groups and channels negative ones.
  const type = chat.type ?? (chat.id > 0 ? "private" : "group");
  if (type === "private") return "private";
  if (type === "group" || type === "supergroup") return "group";
  return null; // channels: the bot is a publisher there, not a support agent
}

function senderOf(user: TelegramUser): InboundMessage["sender"] {
  const name = [user.first_name, user.last_name].filter(Boolean).join(" ");
  return {
    externalId: String(user.id),
    displayName: name || undefined,
    username: user.username,
    languageCode: user.language_code,
  };
}

/**
 * A forum topic id, which replies must carry to land in the same topic. Only
 * for real topics: in plain supergroups `message_thread_id` names a reply
 * thread, and sending with it fails.
 */
function threadIdOf(m: { message_thread_id?: number; is_topic_message?: boolean; chat: TelegramChat }) {
  if (m.message_thread_id === undefined) return undefined;
  return m.is_topic_message || m.chat.is_forum ? String(m.message_thread_id) : undefined;
}

function messageEvent(m: TelegramMessage, bot: TelegramBot): InboundMessage | null {
  const chatType = chatTypeOf(m.chat);
  if (!chatType || !m.from || String(m.from.id) === bot.botId) return null;
  const text = m.text ?? m.caption ?? "";
  const attachments = attachmentsOf(m);
  // Service messages (joins, pins, topic edits) have neither: nothing to answer.
  if (text === "" && attachments.length === 0) return null;
  return {
    kind: "message",
    channel: "telegram",
    accountId: bot.botId,
    chatId: String(m.chat.id),
    externalId: telegramExternalId(m.chat.id, m.message_id),
    sender: senderOf(m.from),
    text,
    attachments,
    sentAt: m.date * SECOND,
    threadId: threadIdOf(m),
    chatType,
    addressedToBot: chatType === "private" || isAddressedToBot(m, bot),
    businessConnectionId: m.business_connection_id,
  };
}

/**
 * Business chats deliver both sides: the customer's messages and the
 * owner's own replies (sent from their Telegram app, or by a bot on their
 * behalf). In a business chat the chat id is the customer's user id, so a
 * message from anyone else came from the business side.
 */
function businessMessageEvent(m: TelegramMessage, bot: TelegramBot): InboundEvent | null {
  if (!m.from || m.from.id === m.chat.id) return messageEvent(m, bot);
  if (m.sender_business_bot && String(m.sender_business_bot.id) === bot.botId) return null; // our own send
  return {
    kind: "echo",
    channel: "telegram",
    accountId: bot.botId,
    chatId: String(m.chat.id),
    externalId: telegramExternalId(m.chat.id, m.message_id),
    text: m.text ?? m.caption ?? describeAttachments(attachmentsOf(m)),
    sentAt: m.date * SECOND,
  };
}

function editEvent(m: TelegramMessage, bot: TelegramBot): InboundEvent | null {
  if (!chatTypeOf(m.chat) || (m.from && String(m.from.id) === bot.botId)) return null;
  return {
    kind: "edit",
    channel: "telegram",
    accountId: bot.botId,
    chatId: String(m.chat.id),
    externalId: telegramExternalId(m.chat.id, m.message_id),
    text: m.text ?? m.caption ?? "",
    attachments: attachmentsOf(m),
    editedAt: (m.edit_date ?? m.date) * SECOND,
  };
}

/** A button press reads as a message whose text is the button's data. */
function callbackEvent(
  query: z.infer<typeof zCallbackQuery>,
  bot: TelegramBot,
  receivedAt: number,
): InboundMessage | null {
  const chat = query.message?.chat;
  const chatType = chat ? chatTypeOf(chat) : "private";
  if (!chatType) return null;
  return {
    kind: "message",
    channel: "telegram",
    accountId: bot.botId,
    // Inline-mode buttons have no chat; the presser's private chat is the best target.
    chatId: String(chat?.id ?? query.from.id),
    externalId: `cb:${query.id}`,
    sender: senderOf(query.from),
    text: query.data ?? query.game_short_name ?? "",
    attachments: [],
    sentAt: receivedAt,
    threadId: query.message ? threadIdOf(query.message) : undefined,
    chatType,
    addressedToBot: true, // the button sits under the bot's own message
    callbackQueryId: query.id,
  };
}

function reactionEvent(r: z.infer<typeof zMessageReaction>, bot: TelegramBot): InboundEvent | null {
  if (!chatTypeOf(r.chat)) return null;
  const actor = r.user
    ? senderOf(r.user)
    : r.actor_chat
      ? { externalId: String(r.actor_chat.id), displayName: r.actor_chat.title }
      : null;
  if (!actor) return null;
  return {
    kind: "reaction",
    channel: "telegram",
    accountId: bot.botId,
    chatId: String(r.chat.id),
    externalId: telegramExternalId(r.chat.id, r.message_id),
    // Empty when the reaction was taken back.
    emoji: r.new_reaction.map(reactionLabel).join(""),
    sender: actor,
    at: r.date * SECOND,
  };
}

function reactionLabel(reaction: z.infer<typeof zReactionType>): string {
  if (reaction.type === "emoji" && reaction.emoji) return reaction.emoji;
  if (reaction.type === "paid") return "⭐";
  return "❔"; // custom emoji: only its id is known, not what it looks like
}

/**
 * In groups the bot answers only when spoken to: a reply to one of its
 * messages, an @mention, or a /command. Privacy mode (the default) delivers
 * little else, but with it off every group message arrives here.
 */
function isAddressedToBot(m: TelegramMessage, bot: TelegramBot): boolean {
  const repliedTo = m.reply_to_message;
  if (repliedTo?.from && String(repliedTo.from.id) === bot.botId && repliedTo.forum_topic_created === undefined) {
    return true;
  }
  const text = m.text ?? m.caption ?? "";
  const username = bot.botUsername?.replace(/^@/, "").toLowerCase();
  for (const entity of m.entities ?? m.caption_entities ?? []) {
    // Offsets are UTF-16 units, exactly what String.slice counts.
    const slice = text.slice(entity.offset, entity.offset + entity.length);
    if (entity.type === "mention" && username && slice.toLowerCase() === `@${username}`) return true;
    if (entity.type === "text_mention" && entity.user && String(entity.user.id) === bot.botId) return true;
    if (entity.type === "bot_command" && entity.offset === 0) {
      const target = slice.split("@")[1];
      // "/help" is for every bot in the group; "/help@other_bot" is not ours.
      // Without our username we cannot tell, and privacy mode only delivers ours.
      if (target === undefined || !username || target.toLowerCase() === username) return true;
    }
  }
  return false;
}

function attachmentsOf(m: TelegramMessage): Attachment[] {
  const out: Attachment[] = [];
  if (m.photo && m.photo.length > 0) {
    // Sizes come small to large; pick by area rather than trust the order.
    const largest = m.photo.reduce((a, b) => (b.width * b.height > a.width * a.height ? b : a));
    out.push({ kind: "photo", ref: largest.file_id });
  }
  if (m.voice) out.push({ kind: "voice", ref: m.voice.file_id, mimeType: m.voice.mime_type });
  if (m.audio) {
    const title = [m.audio.performer, m.audio.title].filter(Boolean).join(" – ") || m.audio.file_name;
    out.push({ kind: "audio", caption: title, ref: m.audio.file_id, mimeType: m.audio.mime_type });
  }
  if (m.video) out.push({ kind: "video", caption: m.video.file_name, ref: m.video.file_id, mimeType: m.video.mime_type });
  if (m.video_note) out.push({ kind: "video", caption: "round video message", ref: m.video_note.file_id });
  // A GIF arrives as both `animation` and `document`; it is one attachment.
  if (m.animation) out.push({ kind: "video", caption: "GIF", ref: m.animation.file_id, mimeType: m.animation.mime_type });
  else if (m.document) {
    out.push({ kind: "document", caption: m.document.file_name, ref: m.document.file_id, mimeType: m.document.mime_type });
  }
  if (m.sticker) out.push({ kind: "sticker", caption: m.sticker.emoji, ref: m.sticker.file_id });
  if (m.venue) {
    const { latitude, longitude } = m.venue.location;
    out.push({ kind: "location", caption: `${m.venue.title}, ${m.venue.address} (${latitude}, ${longitude})` });
  } else if (m.location) {
    out.push({ kind: "location", caption: `${m.location.latitude}, ${m.location.longitude}` });
  }
  if (m.contact) {
    const name = [m.contact.first_name, m.contact.last_name].filter(Boolean).join(" ");
    out.push({ kind: "contact", caption: `${name} ${m.contact.phone_number}` });
  }
  return out;
}

// ---------------------------------------------------------------------------
// Bot API client

export type TelegramClientConfig = HttpDeps & {
  /** TELEGRAM_API_BASE_URL, or the public API. */
  baseUrl: string;
  token: string;
};

export type TelegramTarget = { chatId: string; threadId?: string; businessConnectionId?: string };

/** POST /bot<token>/<method>; the `result` of `{ok: true, result}` on success. */
export async function callTelegram(
  config: TelegramClientConfig,
  method: string,
  params: Record<string, unknown>,
): Promise<PlatformResult> {
  const url = `${config.baseUrl.replace(/\/+$/, "")}/bot${config.token}/${method}`;
  const result = await callPlatform(url, { body: params, platform: "Telegram" }, config);
  if (!result.ok) return result;
  const envelope = result.body as { ok?: boolean; result?: unknown };
  if (envelope?.ok !== true) return unexpectedResponse("Telegram", result.body);
  return { ok: true, status: result.status, body: envelope.result };
}

/** Numeric chat ids go as numbers; "@channel" usernames stay strings. */
function chatIdParam(chatId: string): number | string {
  return /^-?\d+$/.test(chatId) ? Number(chatId) : chatId;
}

function targetParams(target: TelegramTarget): Record<string, unknown> {
  return {
    chat_id: chatIdParam(target.chatId),
    ...(target.threadId !== undefined && { message_thread_id: Number(target.threadId) }),
    ...(target.businessConnectionId !== undefined && { business_connection_id: target.businessConnectionId }),
  };
}

/** Plain text: model output is not valid MarkdownV2 and escaping it would show backslashes. */
export async function sendTelegramMessage(
  config: TelegramClientConfig,
  target: TelegramTarget,
  text: string,
  replyMarkup?: InlineKeyboard,
): Promise<PartResult> {
  const result = await callTelegram(config, "sendMessage", { ...targetParams(target), text, ...(replyMarkup ? { reply_markup: replyMarkup } : {}) });
  if (!result.ok) return result;
  const messageId = (result.body as { message_id?: unknown })?.message_id;
  if (typeof messageId !== "number") return unexpectedResponse("Telegram", result.body);
  return { ok: true, externalId: telegramExternalId(target.chatId, messageId) };
}

export type InlineKeyboard = { inline_keyboard: { text: string; callback_data: string }[][] };

/** Buttons under a message, up to 6 per row (a 0–10 scale takes two rows); a tap comes back as a callback query whose data is the payload. */
export function inlineKeyboard(choices: { label: string; payload: string }[], perRow = 6): InlineKeyboard {
  const rows: { text: string; callback_data: string }[][] = [];
  for (let i = 0; i < choices.length; i += perRow) {
    rows.push(choices.slice(i, i + perRow).map((c) => ({ text: c.label, callback_data: c.payload.slice(0, 64) })));
  }
  return { inline_keyboard: rows };
}

/** "typing…" for up to 5 s, or until the bot's next message arrives. */
export function sendTelegramTyping(config: TelegramClientConfig, target: TelegramTarget): Promise<PlatformResult> {
  return callTelegram(config, "sendChatAction", { ...targetParams(target), action: "typing" });
}

/** Stops the button's progress spinner; `text` (0-200 chars) shows as a toast. */
export function answerTelegramCallback(
  config: TelegramClientConfig,
  callbackQueryId: string,
  text?: string,
): Promise<PlatformResult> {
  return callTelegram(config, "answerCallbackQuery", {
    callback_query_id: callbackQueryId,
    ...(text !== undefined && { text: text.slice(0, 200) }),
  });
}

export function setTelegramWebhook(
  config: TelegramClientConfig,
  params: { url: string; secretToken: string; allowedUpdates?: readonly string[] },
): Promise<PlatformResult> {
  return callTelegram(config, "setWebhook", {
    url: params.url,
    secret_token: params.secretToken,
    allowed_updates: params.allowedUpdates ?? TELEGRAM_ALLOWED_UPDATES,
  });
}

export function getTelegramWebhookInfo(config: TelegramClientConfig): Promise<PlatformResult> {
  return callTelegram(config, "getWebhookInfo", {});
}

export function getTelegramMe(config: TelegramClientConfig): Promise<PlatformResult> {
  return callTelegram(config, "getMe", {});
}
