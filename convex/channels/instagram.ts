/**
 * Instagram DM adapter. Two ways in, chosen by which token is configured:
 * Instagram Login (INSTAGRAM_ACCESS_TOKEN, graph.instagram.com, no Page
 * needed) wins; otherwise the linked Facebook Page (META_PAGE_ACCESS_TOKEN,
 * graph.facebook.com). Both speak the Messenger Send API.
 */
import type { ChannelAdapter } from "./adapter";
import { isFailure, logTypingFailure, readEnv, sendInParts, type HttpDeps, type SendFailure } from "../../lib/channels/http";
import { splitText } from "../../lib/channels/split";
import {
  graphApiVersion,
  INSTAGRAM_DEFAULT_GRAPH_API_BASE_URL,
  INSTAGRAM_TEXT_LIMIT,
  META_DEFAULT_GRAPH_API_BASE_URL,
  META_PART_GAP_MS,
  sendMetaSenderAction,
  sendMetaText,
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

/** `deps` exists for tests (a recording sleep); production uses `instagramAdapter`. */
export function createInstagramAdapter(deps: HttpDeps = {}): ChannelAdapter {
  return {
    async typing(target) {
      const config = instagramConfig(deps);
      logTypingFailure("instagram", isFailure(config) ? config : await sendMetaSenderAction(config, target.chatId, "typing_on"));
    },

    // No metadata marker here: Instagram documents none on sends and its echoes
    // do not carry one, so an echo of our reply is told apart by its mid
    // (the externalIds returned here), not by a marker.
    async send(target, text, options) {
      const config = instagramConfig(deps);
      if (isFailure(config)) return config;
      return sendInParts(
        splitText(text, INSTAGRAM_TEXT_LIMIT),
        (part) => sendMetaText(config, target.chatId, part, { fromHuman: options.fromHuman }),
        { gapMs: META_PART_GAP_MS, sleep: deps.sleep },
      );
    },
  };
}

export const instagramAdapter: ChannelAdapter = createInstagramAdapter();
