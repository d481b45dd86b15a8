// Telegram Bot API webhook (registered by scripts/telegram-webhook.ts).
// The pipeline lives in lib/webhooks; this file only mounts it.
import { telegramWebhook } from "@/lib/webhooks/channels";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export const POST = telegramWebhook.POST;
