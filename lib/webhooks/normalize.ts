/**
 * Plumbing shared by the channel normalizers (lib/channels/*): turning an
 * untrusted webhook body into typed data, and the few text conventions all
 * channels follow. A body without the shape a normalizer needs raises
 * `WebhookParseError`, whose `reason` is written for the operator reading
 * the 400 in the platform's webhook log, e.g.
 * "entry[0].messaging[0].timestamp: expected number".
 */
import { z } from "zod";
import type { Attachment, InboundEvent } from "../../convex/validators";

export class WebhookParseError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = "WebhookParseError";
  }
}

// Enough to locate the problem; a wholly wrong body would list every field.
const MAX_ISSUES_IN_REASON = 3;

/** Parses `data` with `schema` or throws `WebhookParseError` naming the paths at fault. */
export function parseOrThrow<T extends z.ZodType>(
  schema: T,
  data: unknown,
  what: string,
  /** Where `data` sits in the whole body, so the reason points into the body the platform sent. */
  at: readonly PropertyKey[] = [],
): z.infer<T> {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const issues = result.error.issues.slice(0, MAX_ISSUES_IN_REASON).map((issue) => {
    const path = formatPath([...at, ...issue.path]);
    return path ? `${path}: ${issue.message}` : issue.message;
  });
  throw new WebhookParseError(`not a ${what}: ${issues.join("; ")}`);
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    out += typeof key === "number" ? `[${key}]` : out ? `.${String(key)}` : String(key);
  }
  return out;
}

/** JSON.parse that reports a syntax error as a parse error rather than a crash. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new WebhookParseError(`body is not JSON: ${(error as Error).message}`);
  }
}

/**
 * What a normalizer returns: the events to ingest, and how many items of
 * the body it deliberately skipped (our own echoes, sent receipts, update
 * kinds we do not handle), which the route reports back for debugging.
 */
export type Normalized = {
  events: InboundEvent[];
  ignored: number;
  /**
   * Items that could not be read, each with its reason ("entry[0].messaging[2]: …").
   * They are acknowledged with the rest: one malformed event must not make
   * the platform redeliver (or drop) its well-formed siblings.
   */
  skipped: string[];
};

/**
 * Runs `read` for one item of a body; a `WebhookParseError` becomes a
 * skipped entry instead of failing the whole POST. Any other error is a bug
 * and propagates.
 */
export function tolerant<T>(skipped: string[], read: () => T[]): T[] {
  try {
    return read();
  } catch (error) {
    if (!(error instanceof WebhookParseError)) throw error;
    skipped.push(error.reason);
    return [];
  }
}

/**
 * A platform time as sent: a number, or (Meta's dashboard "Test" button,
 * WhatsApp) a string of digits.
 */
export const zTimeValue = z.union([z.number(), z.string().regex(/^\d+(\.\d+)?$/, "expected a number").transform(Number)]);

/**
 * Seconds or milliseconds? Meta documents milliseconds but its dashboard
 * samples send seconds; no real message time in ms is below 1e11 (1973).
 */
export function toMillis(value: number): number {
  return value < 1e11 ? value * 1000 : value;
}

/** A text stand-in for a text-less message, e.g. "[photo] [sticker: 👍]". */
export function describeAttachments(attachments: readonly Attachment[]): string {
  return attachments.map((a) => `[${a.kind}${a.caption ? `: ${a.caption}` : ""}]`).join(" ");
}

/** A button press as text: what the customer saw, plus the developer payload when it says more. */
export function buttonText(title: string | undefined, payload: string | undefined): string {
  if (title && payload && title !== payload) return `${title} (${payload})`;
  return title || payload || "";
}
