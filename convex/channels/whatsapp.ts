/**
 * WhatsApp adapter: Cloud API text messages (interactive buttons or a list
 * when the message offers choices) and the typing indicator, from
 * the business number the conversation belongs to (its account id is the
 * phone number id the customer wrote to), with that number's token.
 */
import type { ChannelAdapter } from "./adapter";
import { tokenForAccount } from "../../lib/channels/accounts";
import { isFailure, logTypingFailure, readEnv, sendInParts, type HttpDeps, type SendFailure } from "../../lib/channels/http";
import { splitText } from "../../lib/channels/split";
import { graphApiVersion, META_DEFAULT_GRAPH_API_BASE_URL, sendMetadata } from "../../lib/channels/meta";
import {
  sendWhatsAppInteractive,
  sendWhatsAppText,
  sendWhatsAppTyping,
  WHATSAPP_INTERACTIVE_BODY_LIMIT,
  WHATSAPP_PART_GAP_MS,
  WHATSAPP_TEXT_LIMIT,
  type WhatsAppConfig,
} from "../../lib/channels/whatsapp";

function whatsappConfig(deps: HttpDeps, phoneNumberId: string): WhatsAppConfig | SendFailure {
  const token = tokenForAccount("WHATSAPP_ACCESS_TOKENS", "WHATSAPP_ACCESS_TOKEN", phoneNumberId);
  if (!token.ok) return token;
  return {
    ...deps,
    token: token.token,
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
      const config = whatsappConfig(deps, target.accountId);
      logTypingFailure(
        "whatsapp",
        isFailure(config) ? config : await sendWhatsAppTyping(config, target.lastInboundExternalId),
      );
    },

    // With choices (a survey's ratings) the text goes in parts an interactive
    // body can hold, and the last part, where the question ends, carries them.
    // Every part carries our marker: it comes back in the statuses webhooks.
    async send(target, text, { outboundKey, choices }) {
      const config = whatsappConfig(deps, target.accountId);
      if (isFailure(config)) return config;
      const withChoices = choices?.length ? choices : undefined;
      const parts = splitText(text, withChoices ? WHATSAPP_INTERACTIVE_BODY_LIMIT : WHATSAPP_TEXT_LIMIT);
      const marker = sendMetadata(outboundKey);
      const result = await sendInParts(
        parts,
        (part, i) =>
          withChoices && i === parts.length - 1
            ? sendWhatsAppInteractive(config, target.chatId, part, withChoices, marker)
            : sendWhatsAppText(config, target.chatId, part, marker),
        { gapMs: WHATSAPP_PART_GAP_MS, sleep: deps.sleep },
      );
      // A lost answer is confirmed by the marked "sent" status before a human is asked.
      return !result.ok && result.unknownOutcome ? { ...result, awaitEcho: true } : result;
    },
  };
}

export const whatsappAdapter: ChannelAdapter = createWhatsAppAdapter();
