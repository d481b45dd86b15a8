/**
 * Instagram DM adapter. Two ways in, chosen per Instagram account by which
 * token is configured for it (lib/channels/accounts.ts): Instagram Login
 * (INSTAGRAM_ACCESS_TOKENS / INSTAGRAM_ACCESS_TOKEN, graph.instagram.com,
 * no Page needed) wins; otherwise the linked Facebook Page
 * (META_PAGE_ACCESS_TOKENS keyed by the Instagram account id, or
 * META_PAGE_ACCESS_TOKEN; graph.facebook.com). Both speak the Messenger Send API.
 */
import type { ChannelAdapter } from "./adapter";
import { createMetaAdapter } from "./metaAdapter";
import { mapHasAccount, tokenForAccount } from "../../lib/channels/accounts";
import { readEnv, type HttpDeps, type SendFailure } from "../../lib/channels/http";
import {
  graphApiVersion,
  INSTAGRAM_DEFAULT_GRAPH_API_BASE_URL,
  INSTAGRAM_TEXT_LIMIT,
  META_DEFAULT_GRAPH_API_BASE_URL,
  type MetaSendConfig,
} from "../../lib/channels/meta";

function instagramConfig(deps: HttpDeps, accountId: string): MetaSendConfig | SendFailure {
  const common = { ...deps, version: graphApiVersion(), platform: "Instagram" as const };
  const instagramLogin = (token: string) => ({
    ...common,
    token,
    baseUrl: readEnv("INSTAGRAM_GRAPH_API_BASE_URL") ?? INSTAGRAM_DEFAULT_GRAPH_API_BASE_URL,
  });
  const throughPage = (token: string) => ({
    ...common,
    token,
    baseUrl: readEnv("META_GRAPH_API_BASE_URL") ?? META_DEFAULT_GRAPH_API_BASE_URL,
  });
  // An explicit entry for this account decides the route.
  if (mapHasAccount("INSTAGRAM_ACCESS_TOKENS", accountId)) {
    const token = tokenForAccount("INSTAGRAM_ACCESS_TOKENS", "INSTAGRAM_ACCESS_TOKEN", accountId);
    return token.ok ? instagramLogin(token.token) : token;
  }
  if (mapHasAccount("META_PAGE_ACCESS_TOKENS", accountId)) {
    const token = tokenForAccount("META_PAGE_ACCESS_TOKENS", "META_PAGE_ACCESS_TOKEN", accountId);
    return token.ok ? throughPage(token.token) : token;
  }
  // One-account deployments: the single variables, only while no map names other accounts.
  const maps = ["INSTAGRAM_ACCESS_TOKENS", "META_PAGE_ACCESS_TOKENS"].filter((name) => readEnv(name));
  if (maps.length > 0) {
    return { ok: false, retryable: false, error: `${maps.join(" and ")} ${maps.length > 1 ? "have" : "has"} no token for Instagram account ${accountId}` };
  }
  const igToken = readEnv("INSTAGRAM_ACCESS_TOKEN");
  if (igToken) return instagramLogin(igToken);
  const pageToken = readEnv("META_PAGE_ACCESS_TOKEN");
  if (pageToken) return throughPage(pageToken);
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
