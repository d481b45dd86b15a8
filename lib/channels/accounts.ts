/**
 * Which credentials send for which business account. A deployment may run
 * several Pages, Instagram accounts or WhatsApp numbers; a reply must leave
 * through the account the conversation belongs to, never "the configured
 * one". Each channel takes an optional JSON map from account id to token
 * beside its single-token variable:
 *
 *   META_PAGE_ACCESS_TOKENS   {"<page id>": "<page token>", …}
 *   INSTAGRAM_ACCESS_TOKENS   {"<instagram account id>": "<Instagram Login token>", …}
 *   WHATSAPP_ACCESS_TOKENS    {"<phone number id>": "<token>", …}
 *
 * With a map set, an account missing from it is refused by name (sending
 * through another account's token would answer from the wrong Page). The
 * single variable (META_PAGE_ACCESS_TOKEN, …) serves every account only
 * when no map is set, as a one-account deployment always has.
 */
import { readEnv, type SendFailure } from "./http";

export type TokenLookup = { ok: true; token: string } | SendFailure;

/** Parses a `{account id: token}` map variable; a malformed one is a configuration error naming it. */
export function parseTokenMap(name: string, raw: string): Record<string, string> | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return `${name} is not JSON (expected {"<account id>": "<token>", …})`;
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    return `${name} must be a JSON object {"<account id>": "<token>", …}`;
  }
  const map: Record<string, string> = {};
  for (const [account, token] of Object.entries(parsed)) {
    if (typeof token !== "string" || token === "") return `${name}["${account}"] must be a non-empty string`;
    map[account] = token;
  }
  return map;
}

/** The token for `accountId`: from the map variable when set, else the single variable. */
export function tokenForAccount(mapVar: string, singleVar: string, accountId: string): TokenLookup {
  const raw = readEnv(mapVar);
  if (raw) {
    const map = parseTokenMap(mapVar, raw);
    if (typeof map === "string") return { ok: false, retryable: false, error: map };
    const token = map[accountId];
    if (token) return { ok: true, token };
    return { ok: false, retryable: false, error: `${mapVar} has no token for account ${accountId}` };
  }
  const single = readEnv(singleVar);
  if (single) return { ok: true, token: single };
  return { ok: false, retryable: false, error: `${singleVar} is not set (nor ${mapVar})` };
}

/** Whether a map variable names this account (used to choose between two ways of sending). */
export function mapHasAccount(mapVar: string, accountId: string): boolean {
  const raw = readEnv(mapVar);
  if (!raw) return false;
  const map = parseTokenMap(mapVar, raw);
  return typeof map !== "string" && map[accountId] !== undefined;
}
