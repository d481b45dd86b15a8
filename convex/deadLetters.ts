/**
 * Webhook events Convex refused as input (the `deadLetters` table, owned
 * by ./model/deadLetters.ts): the route keeps them here (record, guarded
 * by the ingest secret like ingest itself), the Maintenance page lists
 * them, the owner retries (through ingest, as if the platform had sent
 * the event again) or dismisses them, and the cleanup run purges them
 * after `deadLetterRetentionDays`.
 */
import { ConvexError, v } from "convex/values";
import { internal } from "./_generated/api";
import { internalMutation, mutation } from "./_generated/server";
import { timingSafeEqual } from "../lib/secret";
import { DAY } from "../lib/time";
import { DEAD_LETTER_REASON_CHARS, invalidEventReason } from "../lib/webhooks/deadLetters";
import { operatorQuery, ownerAction, ownerMutation } from "./functions";
import { ingestEvents } from "./ingest";
import { callerError, notFound } from "./model/errors";
import { keepDeadLetter, newestDeadLetters, noteRetryRefused, purgeDeadLetters, removeDeadLetter } from "./model/deadLetters";
import { loadSettings } from "./model/settings";
import { vChannel, type InboundEvent } from "./validators";

const vLetter = v.object({
  channel: vChannel,
  reason: v.string(),
  eventJson: v.string(),
  truncated: v.boolean(),
  bytes: v.number(),
  key: v.string(),
  receivedAt: v.number(),
});

/** Letters one call may carry; the route sends them in calls of about 2 MB. */
const MAX_LETTERS_PER_CALL = 200;

/** Called by the webhook route; refuses any caller without the server-to-server secret. */
export const record = mutation({
  args: { secret: v.string(), letters: v.array(vLetter) },
  returns: v.object({ kept: v.number() }),
  handler: async (ctx, { secret, letters }) => {
    const expected = process.env.INGEST_SECRET;
    if (!expected) throw callerError("NOT_CONFIGURED", "INGEST_SECRET is not set on the Convex deployment");
    if (!timingSafeEqual(secret, expected)) throw callerError("UNAUTHORIZED", "Wrong ingest secret");
    if (letters.length > MAX_LETTERS_PER_CALL) throw callerError("BAD_REQUEST", `At most ${MAX_LETTERS_PER_CALL} letters per call`);
    let kept = 0;
    for (const letter of letters) if (await keepDeadLetter(ctx, letter)) kept += 1;
    return { kept };
  },
});

/** Letters the page counts; past it, it says "100+". */
const COUNT_LIMIT = 100;
const LATEST = 5;
/** Of each event, the page shows its start. */
const PREVIEW_CHARS = 300;

export const overview = operatorQuery({
  args: {},
  returns: v.object({
    count: v.number(),
    more: v.boolean(),
    latest: v.array(
      v.object({
        _id: v.id("deadLetters"),
        channel: vChannel,
        reason: v.string(),
        receivedAt: v.number(),
        truncated: v.boolean(),
        bytes: v.number(),
        preview: v.string(),
        retries: v.number(),
      }),
    ),
  }),
  handler: async (ctx) => {
    const newest = await newestDeadLetters(ctx, COUNT_LIMIT + 1);
    return {
      count: Math.min(newest.length, COUNT_LIMIT),
      more: newest.length > COUNT_LIMIT,
      latest: newest.slice(0, LATEST).map((letter) => ({
        _id: letter._id,
        channel: letter.channel,
        reason: letter.reason,
        receivedAt: letter.receivedAt,
        truncated: letter.truncated,
        bytes: letter.bytes,
        preview: letter.eventJson.slice(0, PREVIEW_CHARS),
        retries: letter.retries ?? 0,
      })),
    };
  },
});

const vRetryResult = v.union(v.object({ stored: v.literal(true) }), v.object({ stored: v.literal(false), reason: v.string() }));

/**
 * Re-submits the event through ingest. Stored: the letter goes. Refused
 * again: it stays, with the new reason. An action, so a refusal thrown
 * inside ingest rolls its transaction back before the reason is noted.
 */
export const retry = ownerAction({
  args: { id: v.id("deadLetters") },
  returns: vRetryResult,
  handler: async (ctx, { id }): Promise<typeof vRetryResult.type> => {
    try {
      return await ctx.runMutation(internal.deadLetters.resubmit, { id });
    } catch (error) {
      if (error instanceof ConvexError && (error.data as { code?: string }).code === "NOT_FOUND") throw error;
      const reason = `refused by Convex: ${error instanceof Error ? error.message : String(error)}`.slice(0, DEAD_LETTER_REASON_CHARS);
      await ctx.runMutation(internal.deadLetters.refusedAgain, { id, reason });
      return { stored: false, reason };
    }
  },
});

export const resubmit = internalMutation({
  args: { id: v.id("deadLetters") },
  returns: vRetryResult,
  handler: async (ctx, { id }): Promise<typeof vRetryResult.type> => {
    const letter = await ctx.db.get("deadLetters", id);
    if (!letter) throw notFound("dead letter", id);
    const now = Date.now();
    const refuse = async (reason: string) => {
      const cut = reason.replace(/\s+/g, " ").slice(0, DEAD_LETTER_REASON_CHARS);
      await noteRetryRefused(ctx, letter, cut, now);
      return { stored: false as const, reason: cut };
    };
    if (letter.truncated) return await refuse(`the event was cut to be kept (${letter.bytes} bytes); it cannot be re-submitted`);
    let event: unknown;
    try {
      event = JSON.parse(letter.eventJson);
    } catch (error) {
      return await refuse(`the kept JSON does not parse: ${(error as Error).message}`);
    }
    const invalid = invalidEventReason(event);
    if (invalid) return await refuse(`refused by Convex: ${invalid}`);
    await ingestEvents(ctx, [event as InboundEvent], now);
    await removeDeadLetter(ctx, id);
    return { stored: true as const };
  },
});

export const refusedAgain = internalMutation({
  args: { id: v.id("deadLetters"), reason: v.string() },
  returns: v.null(),
  handler: async (ctx, { id, reason }) => {
    const letter = await ctx.db.get("deadLetters", id);
    if (letter) await noteRetryRefused(ctx, letter, reason, Date.now());
    return null;
  },
});

export const dismiss = ownerMutation({
  args: { id: v.id("deadLetters") },
  returns: v.null(),
  handler: async (ctx, { id }) => {
    const letter = await ctx.db.get("deadLetters", id);
    if (!letter) throw notFound("dead letter", id);
    await removeDeadLetter(ctx, id);
    return null;
  },
});

/** Letters deleted per transaction; the rest follow in the next one. */
const PURGE_PAGE = 200;

/** Retention: letters older than `deadLetterRetentionDays`, a page at a time (started by the cleanup run). */
export const purge = internalMutation({
  args: {},
  returns: v.number(),
  handler: async (ctx) => {
    const { deadLetterRetentionDays } = await loadSettings(ctx);
    const { deleted, more } = await purgeDeadLetters(ctx, Date.now() - deadLetterRetentionDays * DAY, PURGE_PAGE);
    if (more) await ctx.scheduler.runAfter(0, internal.deadLetters.purge, {});
    return deleted;
  },
});
