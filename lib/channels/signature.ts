/**
 * Webhook authenticity. Meta (Messenger, Instagram, WhatsApp) signs each
 * POST with `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(raw body, app
 * secret)>`; Telegram echoes the secret we registered in
 * `X-Telegram-Bot-Api-Secret-Token`. WebCrypto only, so this runs in Node,
 * the Next.js runtimes and Convex alike.
 */
import { timingSafeEqual } from "../secret";

export { timingSafeEqual };

export const META_SIGNATURE_HEADER = "x-hub-signature-256";
export const TELEGRAM_SECRET_HEADER = "x-telegram-bot-api-secret-token";

const SIGNATURE_PREFIX = "sha256=";

/** The header value Meta would send for `rawBody`. Tests sign with it too. */
export async function metaSignature(rawBody: Uint8Array | string, appSecret: string): Promise<string> {
  const encoder = new TextEncoder();
  const key = await crypto.subtle.importKey(
    "raw",
    encoder.encode(appSecret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const bytes = typeof rawBody === "string" ? encoder.encode(rawBody) : rawBody;
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, bytes as Uint8Array<ArrayBuffer>));
  let hex = "";
  for (const byte of mac) hex += byte.toString(16).padStart(2, "0");
  return SIGNATURE_PREFIX + hex;
}

/**
 * Whether `header` is Meta's signature of exactly these bytes. The HMAC must
 * be over the raw body: re-serialising parsed JSON changes the bytes.
 */
export async function verifyMetaSignature(
  rawBody: Uint8Array | string,
  header: string | null,
  appSecret: string,
): Promise<boolean> {
  if (!header) return false;
  const expected = await metaSignature(rawBody, appSecret);
  // Hex is case-insensitive; Meta sends lower case, but a proxy might not.
  return timingSafeEqual(header.trim().toLowerCase(), expected);
}
