/**
 * Messenger adapter: Send API through the access token of the Page the
 * conversation belongs to. Every send carries our metadata marker, so its
 * echo is recognised and ignored.
 */
import type { ChannelAdapter } from "./adapter";
import { createMetaAdapter } from "./metaAdapter";
import { tokenForAccount } from "../../lib/channels/accounts";
import { readEnv, type HttpDeps, type SendFailure } from "../../lib/channels/http";
import {
  graphApiVersion,
  META_DEFAULT_GRAPH_API_BASE_URL,
  MESSENGER_TEXT_LIMIT,
  type MetaSendConfig,
} from "../../lib/channels/meta";

function messengerConfig(deps: HttpDeps, pageId: string): MetaSendConfig | SendFailure {
  const token = tokenForAccount("META_PAGE_ACCESS_TOKENS", "META_PAGE_ACCESS_TOKEN", pageId);
  if (!token.ok) return token;
  return {
    ...deps,
    token: token.token,
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
