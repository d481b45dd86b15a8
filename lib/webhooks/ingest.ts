/**
 * The webhook's single hop into Convex: all of a request's events in one
 * `ingest.inbound` mutation call, guarded by the server-to-server secret.
 *
 * What a failure means decides what the platform is told: Convex down,
 * slow or overloaded is worth a retry (503, the platform redelivers and
 * dedupe makes that safe); Convex refusing the events themselves is not
 * (the same bytes fail the same way forever, and Meta disables a webhook
 * that keeps failing), so the caller skips them with the reason.
 */
import { fetchMutation } from "convex/nextjs";
import { makeFunctionReference } from "convex/server";
import { ConvexError } from "convex/values";
import type { Channel, InboundEvent } from "../../convex/validators";
import { deadLetterCalls, type DeadLetter } from "./deadLetters";
// Lives beside the dead letters (Convex retries them with it); re-exported for the route.
export { invalidEventReason } from "./deadLetters";
import { readEnv } from "../channels/http";
import { SECOND } from "../time";
import { WebhookConfigError } from "./respond";

export type IngestResult = { accepted: number; duplicates: number; ignored: number };

/**
 * Referenced by name rather than through `api.ingest.inbound`, so the
 * webhooks build whatever state convex/_generated is in.
 */
export const ingestInbound = makeFunctionReference<
  "mutation",
  { secret: string; events: InboundEvent[] },
  IngestResult
>("ingest:inbound");

/**
 * Past this, answer 503 and let the platform redeliver (dedupe makes that
 * safe) rather than hold the request: Meta gives up on a webhook after 20 s,
 * and Telegram holds the chat's next message until we answer.
 */
export const CONVEX_CALL_TIMEOUT_MS = 10 * SECOND;

/** Convex could not take the events now (down, timed out, overloaded, a bug on its side): retry later. */
export class ConvexUnavailableError extends Error {
  name = "ConvexUnavailableError";
}

/**
 * Convex refused the events as input (its argument validator, or a
 * `ConvexError` with an input code): redelivering them can never succeed.
 */
export class IngestRejectedError extends Error {
  name = "IngestRejectedError";
  constructor(readonly reason: string) {
    super(`Convex refused the events: ${reason}`);
  }
}

/** `ConvexError` codes `ingest.inbound` throws for a misconfigured server, not bad input. */
const CONFIG_CODES = new Set(["NOT_CONFIGURED", "UNAUTHORIZED"]);
/** `ConvexError` codes that say the events themselves are unacceptable. */
const INPUT_CODES = new Set(["INVALID_EVENT", "BAD_REQUEST", "INVALID_ARGUMENT"]);

/**
 * Argument-validator rejections as Convex cloud words them
 * ("ArgumentValidationError: Value does not match validator") and as
 * convex-test / the local runtime do ("Validator error: Expected …"), and
 * the client's own refusal to encode a value Convex cannot hold.
 */
const VALIDATOR_REJECTION = /ArgumentValidationError|Validator error|does not match validator|is not a valid Convex value/i;

export type IngestFailure = "config" | "rejected" | "transient";

/**
 * Sorts a failed `ingest.inbound` call. Anything not positively known to be
 * about the input counts as transient: answering 503 for a permanent fault
 * costs redeliveries, but acknowledging a transient one loses messages.
 */
export function classifyIngestFailure(error: unknown): IngestFailure {
  if (error instanceof ConvexError) {
    const code = (error.data as { code?: unknown } | undefined)?.code;
    if (typeof code === "string" && CONFIG_CODES.has(code)) return "config";
    if (typeof code === "string" && INPUT_CODES.has(code)) return "rejected";
    return "transient";
  }
  if (error instanceof Error && VALIDATOR_REJECTION.test(error.message)) return "rejected";
  return "transient";
}

/**
 * Hands the events to Convex; throws `WebhookConfigError`,
 * `IngestRejectedError` or `ConvexUnavailableError`.
 */
export async function ingestEvents(events: InboundEvent[]): Promise<IngestResult> {
  // The server's value if it has one, else the build's: Next.js inlines
  // NEXT_PUBLIC_* only for a literal `process.env.NEXT_PUBLIC_…` read, and on
  // Vercel `npx convex deploy --cmd` sets the URL for the build alone.
  const url = readEnv("NEXT_PUBLIC_CONVEX_URL") ?? (process.env.NEXT_PUBLIC_CONVEX_URL?.trim() || undefined);
  if (!url) throw new WebhookConfigError("NEXT_PUBLIC_CONVEX_URL is not set");
  const secret = readEnv("INGEST_SECRET");
  if (!secret) throw new WebhookConfigError("INGEST_SECRET is not set");

  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer within ${CONVEX_CALL_TIMEOUT_MS} ms`)),
      CONVEX_CALL_TIMEOUT_MS,
    );
  });
  try {
    return await Promise.race([fetchMutation(ingestInbound, { secret, events }, { url }), timeout]);
  } catch (error) {
    const message = errorText(error);
    switch (classifyIngestFailure(error)) {
      case "config":
        throw new WebhookConfigError(`Convex refused the ingest call: ${message}`);
      case "rejected":
        throw new IngestRejectedError(message);
      case "transient":
        throw new ConvexUnavailableError(`Convex did not take the events: ${message}`);
    }
  } finally {
    clearTimeout(timer);
  }
}

export const recordDeadLetters = makeFunctionReference<"mutation", { secret: string; letters: DeadLetter[] }, { kept: number }>("deadLetters:record");

/**
 * Keeps a POST's refused events in Convex (deadLetters:record). Never
 * throws: the events are already in the log and the answer stays 200.
 */
export async function keepDeadLetters(channel: Channel, letters: DeadLetter[]): Promise<void> {
  const url = readEnv("NEXT_PUBLIC_CONVEX_URL") ?? (process.env.NEXT_PUBLIC_CONVEX_URL?.trim() || undefined);
  const secret = readEnv("INGEST_SECRET");
  if (!url || !secret) return;
  for (const call of deadLetterCalls(letters)) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${CONVEX_CALL_TIMEOUT_MS} ms`)), CONVEX_CALL_TIMEOUT_MS);
    });
    try {
      await Promise.race([fetchMutation(recordDeadLetters, { secret, letters: call }, { url }), timeout]);
    } catch (error) {
      console.error(`[webhook:${channel}] could not keep ${call.length} refused event(s) as dead letters: ${errorText(error)}`);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** A ConvexError's words are in its data; anything else's in its message. */
function errorText(error: unknown): string {
  if (error instanceof ConvexError) {
    const data = error.data as { message?: unknown } | undefined;
    if (typeof data?.message === "string") return data.message;
  }
  return error instanceof Error ? error.message : String(error);
}
