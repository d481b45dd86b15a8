/**
 * Per-channel wiring of the webhook pipeline: which proof of origin each
 * platform gives, and which normalizer reads its bodies. Credentials are
 * read per request, so a changed env takes effect without a restart.
 */
import { readEnv } from "../channels/http";
import { normalizeMetaWebhook } from "../channels/meta";
import {
  META_SIGNATURE_HEADER,
  TELEGRAM_SECRET_HEADER,
  timingSafeEqual,
  verifyMetaSignature,
} from "../channels/signature";
import { normalizeTelegramUpdate, telegramBotIdFromToken } from "../channels/telegram";
import { normalizeWhatsAppWebhook } from "../channels/whatsapp";
import { webhookPost, type WebhookSpec } from "./handler";
import { errorResponse, requireEnv, WebhookConfigError } from "./respond";

/** Telegram proves itself with a header, so a forged POST is refused before its body is read. */
async function telegramAuthenticate(req: Request): Promise<Response | null> {
  const secret = requireEnv("TELEGRAM_WEBHOOK_SECRET");
  const given = req.headers.get(TELEGRAM_SECRET_HEADER);
  if (given === null) return errorResponse(401, "unauthorized", "missing X-Telegram-Bot-Api-Secret-Token");
  if (!timingSafeEqual(given, secret)) return errorResponse(401, "unauthorized", "secret token mismatch");
  return null;
}

/** Messenger, Instagram and WhatsApp all sign with the app secret. */
async function metaAuthenticate(req: Request, rawBody: Uint8Array): Promise<Response | null> {
  const secret = requireEnv("META_APP_SECRET");
  const header = req.headers.get(META_SIGNATURE_HEADER);
  if (header === null) return errorResponse(401, "unauthorized", "missing X-Hub-Signature-256");
  if (!(await verifyMetaSignature(rawBody, header, secret))) {
    return errorResponse(401, "unauthorized", "X-Hub-Signature-256 does not match the body");
  }
  return null;
}

/**
 * One Telegram update is small (a 4096-character text, a few entities);
 * 1 MiB is far above any real one.
 */
const TELEGRAM_MAX_BODY_BYTES = 1024 * 1024;
/**
 * Meta batches up to 1,000 events per POST, each up to a few KB (2,000
 * characters of text, attachment URLs): 16 MiB leaves room, and stops a
 * 300 MB forgery long before it fills memory (the signature needs the body).
 */
const META_MAX_BODY_BYTES = 16 * 1024 * 1024;

const telegram: WebhookSpec = {
  channel: "telegram",
  maxBodyBytes: TELEGRAM_MAX_BODY_BYTES,
  authenticateHeaders: telegramAuthenticate,
  authenticate: async () => null,
  normalize(body, receivedAt) {
    const botId = telegramBotIdFromToken(requireEnv("TELEGRAM_BOT_TOKEN"));
    if (!botId) throw new WebhookConfigError("TELEGRAM_BOT_TOKEN is not a bot token (<bot id>:<secret>)");
    // Optional: without it "@bot" mentions in groups go unnoticed (replies and commands still count).
    return normalizeTelegramUpdate(body, { botId, botUsername: readEnv("TELEGRAM_BOT_USERNAME") }, receivedAt);
  },
};

function metaSpec(channel: "messenger" | "instagram"): WebhookSpec {
  return {
    channel,
    maxBodyBytes: META_MAX_BODY_BYTES,
    authenticate: metaAuthenticate,
    normalize: (body, receivedAt) => normalizeMetaWebhook(body, { channel, ownAppId: readEnv("META_APP_ID"), receivedAt }),
  };
}

const whatsapp: WebhookSpec = {
  channel: "whatsapp",
  maxBodyBytes: META_MAX_BODY_BYTES,
  authenticate: metaAuthenticate,
  normalize: (body) => normalizeWhatsAppWebhook(body),
};

/**
 * Meta's subscription check: GET ?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…,
 * answered with the bare challenge when the token is ours.
 */
export async function metaVerificationGet(req: Request): Promise<Response> {
  const expected = readEnv("META_VERIFY_TOKEN");
  if (!expected) return errorResponse(500, "misconfigured", "META_VERIFY_TOKEN is not set");
  const params = new URL(req.url).searchParams;
  const token = params.get("hub.verify_token");
  const challenge = params.get("hub.challenge");
  if (params.get("hub.mode") !== "subscribe" || token === null || !timingSafeEqual(token, expected)) {
    return errorResponse(403, "forbidden", "hub.mode or hub.verify_token does not match");
  }
  if (!challenge) return errorResponse(400, "bad_request", "missing hub.challenge");
  return new Response(challenge, {
    status: 200,
    headers: { "content-type": "text/plain; charset=utf-8", "x-content-type-options": "nosniff" },
  });
}

export const telegramWebhook = { POST: webhookPost(telegram) };
export const messengerWebhook = { GET: metaVerificationGet, POST: webhookPost(metaSpec("messenger")) };
export const instagramWebhook = { GET: metaVerificationGet, POST: webhookPost(metaSpec("instagram")) };
export const whatsappWebhook = { GET: metaVerificationGet, POST: webhookPost(whatsapp) };
