/**
 * Owner of the `meetings` table. Bookings are made by the agent's
 * book_meeting tool (../meetings.ts decides; this writes); a draft that is
 * not sent cancels what it booked (settleBatch).
 */
import { recordTaskCreated } from "./analytics";
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import { DAY } from "../../lib/time";

/** Bookings considered busy; a small business books far fewer in a horizon. */
export const BOOKINGS_CAP = 500;
/** Meetings one draft can book; the agent books one or two. */
const PER_BATCH_CAP = 20;

/** Booked meetings starting after `from`, soonest first. */
export async function bookedFrom(ctx: QueryCtx, from: number, limit: number) {
  return await ctx.db
    .query("meetings")
    .withIndex("by_status_and_start", (q) => q.eq("status", "booked").gte("start", from))
    .take(limit);
}

/** Stores a booking unless it overlaps one already booked. */
export async function bookIfFree(ctx: MutationCtx, meeting: Omit<Doc<"meetings">, "_id" | "_creationTime" | "status">) {
  const clash = await ctx.db
    .query("meetings")
    .withIndex("by_status_and_start", (q) => q.eq("status", "booked").gt("start", meeting.start - DAY).lt("start", meeting.end))
    .take(BOOKINGS_CAP);
  if (clash.some((m) => m.end > meeting.start)) return null;
  const meetingId = await ctx.db.insert("meetings", { ...meeting, status: "booked" });
  await recordTaskCreated(ctx, meeting.conversationId, "meeting:booked", meetingId, Date.now());
  return meetingId;
}

/**
 * A draft that was not sent cancels what it booked: the customer never saw
 * it confirmed. (Zoom meetings and Google events it created stay on those
 * services; the booking row says so.)
 */
export async function cancelBatchMeetings(ctx: MutationCtx, batchId: Id<"batches">) {
  const meetings = await ctx.db
    .query("meetings")
    .withIndex("by_batch", (q) => q.eq("batchId", batchId))
    .take(PER_BATCH_CAP);
  for (const meeting of meetings) {
    // analytics/lifecycle record here (a meeting cancelled)
    if (meeting.status === "booked") await ctx.db.patch("meetings", meeting._id, { status: "cancelled" });
  }
}

// ---- Lifecycle: archive removal and restore (convex/lifecycle) ----

export async function removeMeeting(ctx: MutationCtx, meetingId: Id<"meetings">) {
  await ctx.db.delete("meetings", meetingId);
}

export async function restoreMeeting(ctx: MutationCtx, fields: Omit<Doc<"meetings">, "_id" | "_creationTime">) {
  return await ctx.db.insert("meetings", fields);
}
