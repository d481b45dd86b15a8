/**
 * Telegram adapter: replies and "typing…" through the Bot API, plus the
 * callback-query acknowledgement a button press needs. Credentials are read
 * at call time, so the same module serves cloud and the local runtime.
 */
import type { ChannelAdapter, ChannelTarget } from "./adapter";
import { isFailure, logTypingFailure, missingEnv, readEnv, sendInParts, type HttpDeps, type SendFailure } from "../../lib/channels/http";
import { splitText } from "../../lib/channels/split";
import {
  answerTelegramCallback,
  sendTelegramMessage,
  sendTelegramTyping,
  TELEGRAM_DEFAULT_API_BASE_URL,
  TELEGRAM_PART_GAP_MS,
  TELEGRAM_TEXT_LIMIT,
  type TelegramClientConfig,
  type TelegramTarget,
} from "../../lib/channels/telegram";

function telegramConfig(deps: HttpDeps): TelegramClientConfig | SendFailure {
  const token = readEnv("TELEGRAM_BOT_TOKEN");
  if (!token) return missingEnv("TELEGRAM_BOT_TOKEN");
  return { ...deps, token, baseUrl: readEnv("TELEGRAM_API_BASE_URL") ?? TELEGRAM_DEFAULT_API_BASE_URL };
}

function telegramTarget(target: ChannelTarget): TelegramTarget {
  return { chatId: target.chatId, threadId: target.threadId, businessConnectionId: target.businessConnectionId };
}

/** `deps` exists for tests (a recording sleep); production uses `telegramAdapter`. */
export function createTelegramAdapter(deps: HttpDeps = {}): ChannelAdapter {
  return {
    async typing(target) {
      const config = telegramConfig(deps);
      logTypingFailure("telegram", isFailure(config) ? config : await sendTelegramTyping(config, telegramTarget(target)));
    },

    // Telegram has no idempotency key, so `outboundKey` cannot prevent a
    // duplicate; a failed part reports what was already sent instead.
    async send(target, text) {
      const config = telegramConfig(deps);
      if (isFailure(config)) return config;
      const to = telegramTarget(target);
      return sendInParts(splitText(text, TELEGRAM_TEXT_LIMIT), (part) => sendTelegramMessage(config, to, part), {
        gapMs: TELEGRAM_PART_GAP_MS,
        sleep: deps.sleep,
      });
    },
  };
}

export const telegramAdapter: ChannelAdapter = createTelegramAdapter();

/**
 * Stops the spinner on a pressed inline button. Telegram shows it until this
 * is called, so call it once per `callbackQueryId`, soon after ingest;
 * `text` (up to 200 chars) appears as a short toast.
 */
export async function answerCallbackQuery(
  callbackQueryId: string,
  text?: string,
  deps: HttpDeps = {},
): Promise<{ ok: true } | SendFailure> {
  const config = telegramConfig(deps);
  if (isFailure(config)) return config;
  const result = await answerTelegramCallback(config, callbackQueryId, text);
  return result.ok ? { ok: true } : result;
}
