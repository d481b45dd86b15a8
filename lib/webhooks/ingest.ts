/**
 * The webhook's single hop into Convex: all of a request's events in one
 * `ingest.inbound` mutation call, guarded by the server-to-server secret.
 */
import { fetchMutation } from "convex/nextjs";
import { makeFunctionReference } from "convex/server";
import type { InboundEvent } from "../../convex/validators";
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

export class ConvexUnavailableError extends Error {
  name = "ConvexUnavailableError";
}

/** Hands the events to Convex; throws `WebhookConfigError` or `ConvexUnavailableError`. */
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
    // Whatever went wrong (down, timed out, rejected), the platform must retry.
    throw new ConvexUnavailableError(`Convex did not take the events: ${(error as Error).message}`);
  } finally {
    clearTimeout(timer);
  }
}
