/**
 * Dead letters: webhook events Convex refused as input, kept (table
 * `deadLetters`) so an owner can see, retry or dismiss them instead of
 * finding them in a log. Pure helpers shared by the route (which sends
 * them) and convex/deadLetters.ts (which stores and retries them).
 */
import { validate } from "convex-helpers/validators";
import { vInboundEvent, type Channel, type InboundEvent } from "../../convex/validators";

/**
 * The most of one event's JSON kept: well below Convex's 1 MiB document
 * limit, with room for the other fields. Longer events are cut and marked.
 */
export const DEAD_LETTER_MAX_BYTES = 512 * 1024;
/** A refusal reason is a sentence, not the whole validator dump. */
export const DEAD_LETTER_REASON_CHARS = 1000;

export type DeadLetter = {
  channel: Channel;
  reason: string;
  eventJson: string;
  truncated: boolean;
  bytes: number;
  key: string;
  receivedAt: number;
};

/** The event as stored: its JSON, cut to `maxBytes` of UTF-8 (never mid-character) with a marker. */
export function capEventJson(json: string, maxBytes = DEAD_LETTER_MAX_BYTES): { eventJson: string; truncated: boolean; bytes: number } {
  const encoded = new TextEncoder().encode(json);
  if (encoded.length <= maxBytes) return { eventJson: json, truncated: false, bytes: encoded.length };
  let end = maxBytes;
  // Back up to a character boundary: UTF-8 continuation bytes are 10xxxxxx.
  while (end > 0 && (encoded[end]! & 0xc0) === 0x80) end--;
  return { eventJson: new TextDecoder().decode(encoded.subarray(0, end)), truncated: true, bytes: encoded.length };
}

/** A short stable hash (FNV-1a, 32 bit, hex) for events without an id. */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, "0");
}

/** One refused event as the route sends it to Convex. */
export function deadLetterOf(channel: Channel, event: unknown, reason: string, receivedAt: number): DeadLetter {
  const json = JSON.stringify(event) ?? "null";
  const { kind, externalId } = (event ?? {}) as { kind?: unknown; externalId?: unknown };
  const id = typeof externalId === "string" && externalId.length > 0 ? externalId.slice(0, 200) : `#${fnv1a(json)}`;
  return {
    channel,
    reason: reason.replace(/\s+/g, " ").slice(0, DEAD_LETTER_REASON_CHARS),
    ...capEventJson(json),
    key: `${channel}:${typeof kind === "string" ? kind.slice(0, 40) : "?"}:${id}`,
    receivedAt,
  };
}

/** Letters per `deadLetters:record` call: well inside Convex's argument and write limits. */
const CALL_BYTES = 2 * 1024 * 1024;

export function deadLetterCalls(letters: DeadLetter[]): DeadLetter[][] {
  const calls: DeadLetter[][] = [];
  let current: DeadLetter[] = [];
  let bytes = 0;
  for (const letter of letters) {
    const size = letter.eventJson.length * 3 + letter.reason.length + 200;
    if (current.length > 0 && bytes + size > CALL_BYTES) {
      calls.push(current);
      current = [];
      bytes = 0;
    }
    current.push(letter);
    bytes += size;
  }
  if (current.length > 0) calls.push(current);
  return calls;
}

/**
 * Why Convex's argument validator would refuse this event, or null when it
 * would take it. Checked before the call, with the very validator
 * `ingest.inbound` declares, so a bad event is skipped on its own even where
 * a deployment hides the validator's message.
 */
export function invalidEventReason(event: InboundEvent | unknown): string | null {
  // Checked against the member of its own kind: a union's error names only its last member.
  const kind: unknown = (event as { kind?: unknown } | null)?.kind;
  const validator = vInboundEvent.members.find((member) => member.fields.kind.value === kind) ?? vInboundEvent;
  try {
    validate(validator, event, { throw: true });
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}

