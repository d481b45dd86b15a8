/**
 * Points the Telegram bot at this deployment's webhook and shows what
 * Telegram now has on file.
 *
 *   npx tsx --env-file=.env scripts/telegram-webhook.ts https://shop.example.com
 *
 * Needs TELEGRAM_BOT_TOKEN and TELEGRAM_WEBHOOK_SECRET (TELEGRAM_API_BASE_URL
 * optional). Safe to re-run: setWebhook replaces the previous registration.
 */
import { readEnv } from "../lib/channels/http";
import {
  getTelegramMe,
  getTelegramWebhookInfo,
  setTelegramWebhook,
  TELEGRAM_ALLOWED_UPDATES,
  TELEGRAM_DEFAULT_API_BASE_URL,
  type TelegramClientConfig,
} from "../lib/channels/telegram";

const WEBHOOK_PATH = "/api/webhooks/telegram";
// Telegram's rule for secret_token: 1-256 of A-Z, a-z, 0-9, _ and -.
const SECRET_TOKEN_PATTERN = /^[A-Za-z0-9_-]{1,256}$/;

async function main(args: string[]): Promise<number> {
  const [publicUrl] = args;
  if (!publicUrl || !URL.canParse(publicUrl)) {
    console.error("usage: npx tsx scripts/telegram-webhook.ts <public-url>   e.g. https://shop.example.com");
    return 2;
  }
  const token = readEnv("TELEGRAM_BOT_TOKEN");
  const secret = readEnv("TELEGRAM_WEBHOOK_SECRET");
  if (!token) return fail("TELEGRAM_BOT_TOKEN is not set");
  if (!secret) return fail("TELEGRAM_WEBHOOK_SECRET is not set (the route refuses every update without it)");
  if (!SECRET_TOKEN_PATTERN.test(secret)) {
    return fail("TELEGRAM_WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ and -");
  }

  const config: TelegramClientConfig = {
    token,
    baseUrl: readEnv("TELEGRAM_API_BASE_URL") ?? TELEGRAM_DEFAULT_API_BASE_URL,
  };
  const url = new URL(WEBHOOK_PATH, publicUrl).toString();
  const set = await setTelegramWebhook(config, { url, secretToken: secret, allowedUpdates: TELEGRAM_ALLOWED_UPDATES });
  if (!set.ok) return fail(`setWebhook failed: ${set.error}`);
  console.log(`Webhook set to ${url} for ${TELEGRAM_ALLOWED_UPDATES.join(", ")}.`);

  const info = await getTelegramWebhookInfo(config);
  if (!info.ok) return fail(`getWebhookInfo failed: ${info.error}`);
  console.log("getWebhookInfo:", JSON.stringify(info.body, null, 2));

  // Group @mentions are recognised only when the route knows the bot's username.
  const me = await getTelegramMe(config);
  const username = me.ok ? (me.body as { username?: string }).username : undefined;
  if (username && readEnv("TELEGRAM_BOT_USERNAME") !== username) {
    console.log(`Set TELEGRAM_BOT_USERNAME=${username} so the bot notices "@${username}" in groups.`);
  }
  return 0;
}

function fail(message: string): number {
  console.error(message);
  return 1;
}

process.exitCode = await main(process.argv.slice(2));
