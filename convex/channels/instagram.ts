/**
 * Instagram DM adapter. Two ways in, chosen by which token is configured:
 * Instagram Login (INSTAGRAM_ACCESS_TOKEN, graph.instagram.com, no Page
 * needed) wins; otherwise the linked Facebook Page (META_PAGE_ACCESS_TOKEN,
 * graph.facebook.com). Both speak the Messenger Send API.
 */
import type { ChannelAdapter } from "./adapter";
import { createMetaAdapter } from "./metaAdapter";
import { readEnv, type HttpDeps, type SendFailure } from "../../lib/channels/http";
import {
  graphApiVersion,
  INSTAGRAM_DEFAULT_GRAPH_API_BASE_URL,
  INSTAGRAM_TEXT_LIMIT,
  META_DEFAULT_GRAPH_API_BASE_URL,
  type MetaSendConfig,
} from "../../lib/channels/meta";

function instagramConfig(deps: HttpDeps): MetaSendConfig | SendFailure {
  const common = { ...deps, version: graphApiVersion(), platform: "Instagram" as const };
  const igToken = readEnv("INSTAGRAM_ACCESS_TOKEN");
  if (igToken) {
    return {
      ...common,
      token: igToken,
      baseUrl: readEnv("INSTAGRAM_GRAPH_API_BASE_URL") ?? INSTAGRAM_DEFAULT_GRAPH_API_BASE_URL,
    };
  }
  const pageToken = readEnv("META_PAGE_ACCESS_TOKEN");
  if (pageToken) {
    return { ...common, token: pageToken, baseUrl: readEnv("META_GRAPH_API_BASE_URL") ?? META_DEFAULT_GRAPH_API_BASE_URL };
  }
  return { ok: false, retryable: false, error: "INSTAGRAM_ACCESS_TOKEN is not set (nor META_PAGE_ACCESS_TOKEN for the Page route)" };
}

/**
 * `deps` exists for tests (a recording sleep); production uses `instagramAdapter`.
 * No metadata marker: Instagram documents none on sends and its echoes carry
 * none, so ingest recognises an echo of our reply by its text.
 */
export function createInstagramAdapter(deps: HttpDeps = {}): ChannelAdapter {
  return createMetaAdapter({ name: "instagram", config: instagramConfig, limit: INSTAGRAM_TEXT_LIMIT, markSends: false, deps });
}

export const instagramAdapter: ChannelAdapter = createInstagramAdapter();
