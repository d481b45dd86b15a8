/**
 * Owner of the web chat's tables: `webChatSessions` (minted sessions, each
 * with its own per-minute window) and `webChatCounters` (three fixed
 * documents holding the current window of the site-wide limits, so the
 * table never grows). The rules that use them are in convex/webchat.ts.
 */
import type { Doc } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import { randomHex } from "../../lib/secret";
import { DAY, MINUTE } from "../../lib/time";
import { callerError } from "./errors";

const SESSION_ID = /^[0-9a-f]{32}$/;

export type Counter = "sessions/minute" | "calls/minute" | "calls/day";
const WINDOW_MS: Record<Counter, number> = { "sessions/minute": MINUTE, "calls/minute": MINUTE, "calls/day": DAY };

/** A session id that was never issued (or is malformed) is unknown, never an error of its own. */
export async function findSession(ctx: QueryCtx, sessionId: string): Promise<Doc<"webChatSessions"> | null> {
  if (!SESSION_ID.test(sessionId)) return null;
  return await ctx.db
    .query("webChatSessions")
    .withIndex("by_session_id", (q) => q.eq("sessionId", sessionId))
    .unique();
}

/** A fresh session: 128 random bits as hex, stored so `send` can tell it was issued. */
export async function insertSession(ctx: MutationCtx, now: number): Promise<string> {
  const sessionId = randomHex(16);
  await ctx.db.insert("webChatSessions", { sessionId, issuedAt: now, windowStart: now, windowCount: 0 });
  return sessionId;
}

export async function readCounter(ctx: QueryCtx, name: Counter) {
  return await ctx.db
    .query("webChatCounters")
    .withIndex("by_name", (q) => q.eq("name", name))
    .unique();
}

/** The counter's value in the window containing `now` (0 once its window has passed). */
export function countNow(counter: Doc<"webChatCounters"> | null, now: number): number {
  if (!counter) return 0;
  return windowStartOf(counter.name as Counter, now) === counter.windowStart ? counter.count : 0;
}

function windowStartOf(name: Counter, now: number): number {
  return now - (now % WINDOW_MS[name]);
}

export async function bump(ctx: MutationCtx, name: Counter, counter: Doc<"webChatCounters"> | null, now: number) {
  const windowStart = windowStartOf(name, now);
  const count = countNow(counter, now) + 1;
  if (counter) await ctx.db.patch("webChatCounters", counter._id, { windowStart, count });
  else await ctx.db.insert("webChatCounters", { name, windowStart, count });
}

/**
 * A visitor writing faster than a person types is refused. The window
 * lives on the session document, so this is the session read already made.
 */
export async function refuseFlooding(ctx: MutationCtx, session: Doc<"webChatSessions">, now: number, perMinute: number) {
  const fresh = now - session.windowStart >= MINUTE;
  const count = fresh ? 0 : session.windowCount;
  if (count >= perMinute) {
    throw callerError("TOO_FAST", "You are sending messages very fast; wait a minute and try again");
  }
  await ctx.db.patch("webChatSessions", session._id, {
    windowStart: fresh ? now : session.windowStart,
    windowCount: count + 1,
  });
}
