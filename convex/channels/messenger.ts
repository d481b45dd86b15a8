/**
 * Messenger adapter: Send API through the Page access token. Every send
 * carries our metadata marker, so its echo is recognised and ignored.
 */
import type { ChannelAdapter } from "./adapter";
import { createMetaAdapter } from "./metaAdapter";
import { missingEnv, readEnv, type HttpDeps, type SendFailure } from "../../lib/channels/http";
import {
  graphApiVersion,
  META_DEFAULT_GRAPH_API_BASE_URL,
  MESSENGER_TEXT_LIMIT,
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
  return createMetaAdapter({ name: "messenger", config: messengerConfig, limit: MESSENGER_TEXT_LIMIT, markSends: true, deps });
}

export const messengerAdapter: ChannelAdapter = createMessengerAdapter();
