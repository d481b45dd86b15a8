/**
 * Messenger adapter: Send API through the Page access token. Every send
 * carries our metadata marker, so its echo is recognised and ignored.
 */
import type { ChannelAdapter } from "./adapter";
import { isFailure, logTypingFailure, missingEnv, readEnv, sendInParts, type HttpDeps, type SendFailure } from "../../lib/channels/http";
import { splitText } from "../../lib/channels/split";
import {
  graphApiVersion,
  META_DEFAULT_GRAPH_API_BASE_URL,
  META_PART_GAP_MS,
  MESSENGER_TEXT_LIMIT,
  sendMetadata,
  sendMetaSenderAction,
  sendMetaText,
  type MetaSendConfig,
} from "../../lib/channels/meta";

function messengerConfig(deps: HttpDeps): MetaSendConfig | SendFailure {
  const token = readEnv("META_PAGE_ACCESS_TOKEN");
  if (!token) return missingEnv("META_PAGE_ACCESS_TOKEN");
  return {
    ...deps,
    token,
    baseUrl: readEnv("META_GRAPH_API_BASE_URL") ?? META_DEFAULT_GRAPH_API_BASE_URL,
    version: graphApiVersion(),
    platform: "Messenger",
  };
}

/** `deps` exists for tests (a recording sleep); production uses `messengerAdapter`. */
export function createMessengerAdapter(deps: HttpDeps = {}): ChannelAdapter {
  return {
    async typing(target) {
      const config = messengerConfig(deps);
      logTypingFailure("messenger", isFailure(config) ? config : await sendMetaSenderAction(config, target.chatId, "typing_on"));
    },

    async send(target, text, options) {
      const config = messengerConfig(deps);
      if (isFailure(config)) return config;
      const metadata = sendMetadata(options.outboundKey);
      return sendInParts(
        splitText(text, MESSENGER_TEXT_LIMIT),
        (part) => sendMetaText(config, target.chatId, part, { fromHuman: options.fromHuman, metadata }),
        { gapMs: META_PART_GAP_MS, sleep: deps.sleep },
      );
    },
  };
}

export const messengerAdapter: ChannelAdapter = createMessengerAdapter();
