/**
 * The shape every webhook POST follows: prove the request came from the
 * platform (headers first where the platform allows, before a byte of the
 * body is read), read the body up to a cap, parse and normalize, hand the
 * events to Convex in bounded chunks, answer at once. No model call and no
 * outbound request here: the platforms wait on this answer (Telegram holds
 * the chat's next message).
 *
 * The answer is 200 unless authentication fails (401), the body is too big
 * (413) or not JSON (400), or our side failed (5xx: 503 when Convex is
 * unreachable or failing, so the platform redelivers). A body or event we
 * cannot read, or one Convex refuses as input, is acknowledged and logged
 * with its reason and its content: answering 4xx or 5xx makes Meta
 * redeliver it (and its well-formed siblings) and eventually disable the
 * webhook, and no redelivery would ever get it in.
 */
import type { Channel, InboundEvent } from "../../convex/validators";
import { deadLetterOf, type DeadLetter } from "./deadLetters";
import { ConvexUnavailableError, IngestRejectedError, ingestEvents, invalidEventReason, keepDeadLetters, type IngestResult } from "./ingest";
import { sanitizeInbound } from "./limits";
import { parseJson, WebhookParseError, type Normalized } from "./normalize";
import { errorResponse, jsonResponse, WebhookConfigError } from "./respond";

export type WebhookSpec = {
  channel: Channel;
  /** The largest body this platform sends, with headroom; anything bigger is refused while reading. */
  maxBodyBytes: number;
  /**
   * A check on headers alone, run before the body is read (Telegram's secret
   * header); returns the response to send instead, or null.
   */
  authenticateHeaders?(req: Request): Promise<Response | null>;
  /**
   * Checks the platform's signature over the exact bytes received;
   * returns the response to send instead (401), or null when authentic.
   */
  authenticate(req: Request, rawBody: Uint8Array): Promise<Response | null>;
  /** Throws `WebhookParseError` for bodies it cannot read at all. */
  normalize(body: unknown, receivedAt: number): Normalized;
};

/**
 * Events per `ingest.inbound` call. Each message reads a handful of index
 * ranges; Convex allows 4096 per mutation, so a 1,000-event Meta POST in one
 * call fails every retry. 50 keeps a chunk far inside every limit.
 */
export const INGEST_CHUNK_EVENTS = 50;
/** Arguments stay far below Convex's per-call size limit too. */
export const INGEST_CHUNK_BYTES = 512 * 1024;

export class BodyTooLargeError extends Error {
  name = "BodyTooLargeError";
}

/** Reads the body, refusing it as soon as it passes `limit` bytes (a declared length is checked first). */
export async function readBodyCapped(req: Request, limit: number): Promise<Uint8Array> {
  const declared = Number(req.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > limit) {
    throw new BodyTooLargeError(`body of ${declared} bytes is over the ${limit}-byte limit`);
  }
  if (!req.body) return new Uint8Array(0);
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => {});
      throw new BodyTooLargeError(`body is over the ${limit}-byte limit`);
    }
    chunks.push(value);
  }
  const body = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

/** Splits events into calls that each stay inside Convex's per-mutation limits, in order. */
export function chunkEvents(events: InboundEvent[]): InboundEvent[][] {
  const chunks: InboundEvent[][] = [];
  let current: InboundEvent[] = [];
  let bytes = 0;
  for (const event of events) {
    const size = JSON.stringify(event).length;
    if (current.length > 0 && (current.length >= INGEST_CHUNK_EVENTS || bytes + size > INGEST_CHUNK_BYTES)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(event);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

export function webhookPost(spec: WebhookSpec): (req: Request) => Promise<Response> {
  return async (req) => {
    const receivedAt = Date.now();
    try {
      const early = await spec.authenticateHeaders?.(req);
      if (early) return early;
      // Bytes, not text: the signature covers exactly what was sent.
      const rawBody = await readBodyCapped(req, spec.maxBodyBytes);
      const denied = await spec.authenticate(req, rawBody);
      if (denied) return denied;

      const body = parseJson(new TextDecoder().decode(rawBody));
      let normalized: Normalized;
      try {
        normalized = spec.normalize(body, receivedAt);
      } catch (error) {
        if (!(error instanceof WebhookParseError)) throw error;
        normalized = { events: [], ignored: 0, skipped: [error.reason] };
      }
      const { ignored } = normalized;
      const skipped = [...normalized.skipped];
      const events: InboundEvent[] = [];
      const refused: Refused = { reasons: skipped, letters: [], receivedAt };
      for (const event of normalized.events.map((e) => sanitizeInbound(e, receivedAt))) {
        const invalid = invalidEventReason(event);
        if (invalid) refuse(spec.channel, refused, event, invalid);
        else events.push(event);
      }
      for (const reason of normalized.skipped) console.warn(`[webhook:${spec.channel}] skipped: ${reason}`);

      const total: IngestResult = { accepted: 0, duplicates: 0, ignored };
      // In order, one chunk after another: a customer's burst keeps its order. If a
      // later chunk fails the platform redelivers the POST and dedupe drops the stored part.
      for (const chunk of chunkEvents(events)) {
        const result = await ingestChunk(spec.channel, chunk, refused);
        total.accepted += result.accepted;
        total.duplicates += result.duplicates;
        total.ignored += result.ignored;
      }
      // Kept for the owner to retry or dismiss (Maintenance page); losing them costs only that, not the 200.
      if (refused.letters.length > 0) await keepDeadLetters(spec.channel, refused.letters);
      return jsonResponse(200, { ok: true, ...total, skipped: skipped.length, ...(skipped.length ? { reasons: skipped.slice(0, 5) } : {}) });
    } catch (error) {
      return failure(spec.channel, error);
    }
  };
}

/**
 * One chunk into Convex. When Convex refuses it as input, halves it until
 * the events it refuses stand alone, so their siblings are still stored
 * (in order) and only the refused ones are skipped, each with its reason.
 * Anything else (Convex down, misconfigured) is thrown for `failure`.
 */
async function ingestChunk(channel: Channel, chunk: InboundEvent[], refused: Refused): Promise<IngestResult> {
  try {
    return await ingestEvents(chunk);
  } catch (error) {
    if (!(error instanceof IngestRejectedError)) throw error;
    if (chunk.length === 1) {
      refuse(channel, refused, chunk[0]!, `refused by Convex: ${error.reason}`);
      return { accepted: 0, duplicates: 0, ignored: 0 };
    }
    const half = Math.ceil(chunk.length / 2);
    const first = await ingestChunk(channel, chunk.slice(0, half), refused);
    const second = await ingestChunk(channel, chunk.slice(half), refused);
    return {
      accepted: first.accepted + second.accepted,
      duplicates: first.duplicates + second.duplicates,
      ignored: first.ignored + second.ignored,
    };
  }
}

/** The most of a refused event the log keeps: enough to replay it by hand. */
const REFUSED_EVENT_LOG_CHARS = 4096;

/** A POST's refused events: reasons for the answer, letters for the dead-letter table. */
type Refused = { reasons: string[]; letters: DeadLetter[]; receivedAt: number };

function refuse(channel: Channel, refused: Refused, event: InboundEvent, why: string) {
  refused.reasons.push(refusal(channel, event, why));
  refused.letters.push(deadLetterOf(channel, event, why, refused.receivedAt));
}

/**
 * An event that can never be stored: the reason for the platform's answer,
 * and a log line with the event itself, so an operator can see what was
 * refused and replay it once the cause is fixed (it is also kept as a
 * dead letter: the Maintenance page lists it with Retry).
 */
function refusal(channel: Channel, event: InboundEvent, why: string): string {
  const reason = `${event.kind} ${event.externalId ?? "(no id)"}: ${why.replace(/\s+/g, " ").slice(0, 300)}`;
  const content = JSON.stringify(event);
  console.warn(
    `[webhook:${channel}] refused event ${reason}\n  event: ${content.length > REFUSED_EVENT_LOG_CHARS ? `${content.slice(0, REFUSED_EVENT_LOG_CHARS)}… (${content.length} chars)` : content}`,
  );
  return reason;
}

/**
 * 4xx tells the platform the request is bad; 5xx asks it to retry later,
 * which is what we want whenever the fault is on our side.
 */
function failure(channel: Channel, error: unknown): Response {
  if (error instanceof BodyTooLargeError) {
    console.warn(`[webhook:${channel}] refused: ${error.message}`);
    return errorResponse(413, "too_large", error.message);
  }
  if (error instanceof WebhookParseError) {
    console.warn(`[webhook:${channel}] rejected body: ${error.reason}`);
    return errorResponse(400, "bad_request", error.reason);
  }
  if (error instanceof WebhookConfigError) {
    console.error(`[webhook:${channel}] misconfigured: ${error.message}`);
    return errorResponse(500, "misconfigured", error.message);
  }
  if (error instanceof ConvexUnavailableError) {
    console.error(`[webhook:${channel}] ${error.message}`);
    return errorResponse(503, "convex_unavailable", error.message);
  }
  console.error(`[webhook:${channel}] unexpected failure`, error);
  return errorResponse(500, "internal", "unexpected server error");
}
