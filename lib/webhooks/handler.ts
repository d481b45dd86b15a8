/**
 * The shape every webhook POST follows: read the raw bytes, prove they came
 * from the platform, parse and normalize, hand everything to Convex in one
 * call, answer at once. No model call and no outbound request here: the
 * platforms wait on this answer (Telegram holds the chat's next message).
 */
import type { Channel } from "../../convex/validators";
import { ConvexUnavailableError, ingestEvents } from "./ingest";
import { parseJson, WebhookParseError, type Normalized } from "./normalize";
import { errorResponse, jsonResponse, WebhookConfigError } from "./respond";

export type WebhookSpec = {
  channel: Channel;
  /**
   * Checks the platform's signature or secret over the exact bytes received;
   * returns the response to send instead (401), or null when authentic.
   */
  authenticate(req: Request, rawBody: Uint8Array): Promise<Response | null>;
  /** Throws `WebhookParseError` for bodies it cannot read. */
  normalize(body: unknown, receivedAt: number): Normalized;
};

export function webhookPost(spec: WebhookSpec): (req: Request) => Promise<Response> {
  return async (req) => {
    const receivedAt = Date.now();
    try {
      // Bytes, not text: the signature covers exactly what was sent.
      const rawBody = new Uint8Array(await req.arrayBuffer());
      const denied = await spec.authenticate(req, rawBody);
      if (denied) return denied;

      const { events, ignored } = spec.normalize(parseJson(new TextDecoder().decode(rawBody)), receivedAt);
      if (events.length === 0) return jsonResponse(200, { ok: true, accepted: 0, duplicates: 0, ignored });

      const result = await ingestEvents(events);
      return jsonResponse(200, { ok: true, ...result, ignored: result.ignored + ignored });
    } catch (error) {
      return failure(spec.channel, error);
    }
  };
}

/**
 * 400 tells the platform the body is bad; 5xx asks it to retry later, which
 * is what we want whenever the fault is on our side.
 */
function failure(channel: Channel, error: unknown): Response {
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
