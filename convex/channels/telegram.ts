/**
 * Telegram adapter: replies, "typing…" and the callback-query
 * acknowledgement a button press needs, through the Bot API. Credentials are read
 * at call time, so the same module serves cloud and the local runtime.
 */
import type { ChannelAdapter, ChannelTarget } from "./adapter";
import { isFailure, logTypingFailure, missingEnv, readEnv, sendInParts, type HttpDeps, type SendFailure } from "../../lib/channels/http";
import { splitText } from "../../lib/channels/split";
import {
  answerTelegramCallback,
  inlineKeyboard,
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

    // Telegram has no idempotency key for `outboundKey` to feed; duplicates are
    // avoided by sendInParts never asking for a retry once a part is out.
    async send(target, text, options) {
      const config = telegramConfig(deps);
      if (isFailure(config)) return config;
      const to = telegramTarget(target);
      const parts = splitText(text, TELEGRAM_TEXT_LIMIT);
      // Buttons go under the last part, where the question ends.
      const markup = options?.choices?.length ? inlineKeyboard(options.choices) : undefined;
      return sendInParts(parts, (part, i) => sendTelegramMessage(config, to, part, i === parts.length - 1 ? markup : undefined), {
        gapMs: TELEGRAM_PART_GAP_MS,
        sleep: deps.sleep,
      });
    },

    // Telegram shows a spinner on a pressed button until this is called; the
    // press itself is answered by the batch like any message.
    async answerCallback(callbackQueryId) {
      const config = telegramConfig(deps);
      const result = isFailure(config) ? config : await answerTelegramCallback(config, callbackQueryId);
      if (!result.ok) console.warn(`[telegram] answering callback ${callbackQueryId} failed: ${result.error}`);
    },
  };
}

export const telegramAdapter: ChannelAdapter = createTelegramAdapter();
