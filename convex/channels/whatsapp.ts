/**
 * WhatsApp adapter: Cloud API text messages and the typing indicator, from
 * the business number WHATSAPP_PHONE_NUMBER_ID.
 */
import type { ChannelAdapter } from "./adapter";
import { isFailure, logTypingFailure, missingEnv, readEnv, sendInParts, type HttpDeps, type SendFailure } from "../../lib/channels/http";
import { splitText } from "../../lib/channels/split";
import { graphApiVersion, META_DEFAULT_GRAPH_API_BASE_URL } from "../../lib/channels/meta";
import {
  sendWhatsAppText,
  sendWhatsAppTyping,
  WHATSAPP_PART_GAP_MS,
  WHATSAPP_TEXT_LIMIT,
  type WhatsAppConfig,
} from "../../lib/channels/whatsapp";

function whatsappConfig(deps: HttpDeps): WhatsAppConfig | SendFailure {
  const token = readEnv("WHATSAPP_ACCESS_TOKEN");
  if (!token) return missingEnv("WHATSAPP_ACCESS_TOKEN");
  const phoneNumberId = readEnv("WHATSAPP_PHONE_NUMBER_ID");
  if (!phoneNumberId) return missingEnv("WHATSAPP_PHONE_NUMBER_ID");
  return {
    ...deps,
    token,
    phoneNumberId,
    baseUrl: readEnv("META_GRAPH_API_BASE_URL") ?? META_DEFAULT_GRAPH_API_BASE_URL,
    version: graphApiVersion(),
  };
}

/** `deps` exists for tests (a recording sleep); production uses `whatsappAdapter`. */
export function createWhatsAppAdapter(deps: HttpDeps = {}): ChannelAdapter {
  return {
    // The indicator hangs off the customer's latest message (and marks it
    // read); with no message to point at there is nothing to show.
    async typing(target) {
      if (!target.lastInboundExternalId) return;
      const config = whatsappConfig(deps);
      logTypingFailure(
        "whatsapp",
        isFailure(config) ? config : await sendWhatsAppTyping(config, target.lastInboundExternalId),
      );
    },

    async send(target, text) {
      const config = whatsappConfig(deps);
      if (isFailure(config)) return config;
      return sendInParts(
        splitText(text, WHATSAPP_TEXT_LIMIT),
        (part) => sendWhatsAppText(config, target.chatId, part),
        { gapMs: WHATSAPP_PART_GAP_MS, sleep: deps.sleep },
      );
    },
  };
}

export const whatsappAdapter: ChannelAdapter = createWhatsAppAdapter();
