/**
 * Meeting booking for the agent's tools. Free slots come from the working
 * hours minus what is booked (our `meetings` table, plus Google free/busy
 * when Google Calendar is connected); a booking creates a Zoom meeting and a
 * Google event when those are configured, and always a `meetings` row with
 * reminders 24 h and 1 h before. With nothing configured it is the clearly
 * labelled built-in calendar.
 */
import { omit } from "convex-helpers";
import { v } from "convex/values";
import { internal } from "./_generated/api";
import type { Id } from "./_generated/dataModel";
import { internalMutation, internalQuery, type ActionCtx, type QueryCtx } from "./_generated/server";
import { describeInstant, parseWhen } from "../lib/followups/when";
import { meetingConfigFromEnv } from "../lib/meetings/config";
import { createCalendarEvent, queryFreeBusy } from "../lib/meetings/googleCalendar";
import type { TokenCache } from "../lib/meetings/http";
import { findFreeSlots, isSlotFree } from "../lib/meetings/slots";
import type { Interval } from "../lib/workingHours";
import { createZoomMeeting } from "../lib/meetings/zoom";
import { DAY, HOUR, MINUTE } from "../lib/time";
import { assertCurrentAttempt } from "./model/batches";
import { conversationParty } from "./model/conversations";
import { BOOKINGS_CAP, bookIfFree, bookedFrom } from "./model/meetings";
import { scheduleReminder, type ToolOutcome } from "./model/scheduledActions";
import { loadSettings } from "./model/settings";
import { operatorQuery } from "./functions";
import schema from "./schema";
import { vChannel, vSettings } from "./validators";

/** Slots offered per search: enough to choose from, few enough to read in a chat. */
const SLOTS_OFFERED = 6;
const REMINDERS_BEFORE_MS = [24 * HOUR, 1 * HOUR];
const MAX_UPCOMING_PER_CONVERSATION = 2;

// Access tokens live as long as the action's isolate; a cold start fetches a new one.
const zoomTokens: TokenCache = {};
const googleTokens: TokenCache = {};

/** Working hours, meeting length and busy times from our own bookings. */
export const calendarContext = internalQuery({
  args: { now: v.number(), conversationId: v.id("conversations") },
  returns: v.object({
    hours: vSettings.fields.workingHours,
    meetingMinutes: v.number(),
    horizonDays: v.number(),
    timeZone: v.string(),
    bookings: v.array(v.object({ start: v.number(), end: v.number(), conversationId: v.id("conversations") })),
  }),
  handler: async (ctx, { now, conversationId }) => {
    const settings = await loadSettings(ctx);
    const conversation = await ctx.db.get("conversations", conversationId);
    const contact = conversation ? await ctx.db.get("contacts", conversation.contactId) : null;
    const booked = await bookedFrom(ctx, now - DAY, BOOKINGS_CAP);
    return {
      hours: settings.workingHours,
      meetingMinutes: settings.meetingMinutes,
      horizonDays: settings.meetingHorizonDays,
      timeZone: contact?.timeZone ?? settings.workingHours.timeZone,
      bookings: booked.map((m) => ({ start: m.start, end: m.end, conversationId: m.conversationId })),
    };
  },
});

async function busyTimes(ctx: ActionCtx, conversationId: Id<"conversations">, now: number) {
  const calendar = await ctx.runQuery(internal.meetings.calendarContext, { now, conversationId });
  const hours = calendar.hours;
  const config = meetingConfigFromEnv(process.env);
  let busy: Interval[] = calendar.bookings;
  if (config.google) {
    const to = now + calendar.horizonDays * DAY;
    busy = [...busy, ...(await queryFreeBusy(config.google, googleTokens, { from: now, to }, now))];
  }
  return { calendar, hours, config, busy };
}

export async function findMeetingSlots(
  ctx: ActionCtx,
  conversationId: Id<"conversations">,
  input: { from?: string; days?: number },
): Promise<ToolOutcome> {
  const now = Date.now();
  const { calendar, hours, config, busy } = await busyTimes(ctx, conversationId, now);
  let from = now;
  if (input.from) {
    const parsed = parseWhen(input.from, { now, timeZone: calendar.timeZone, defaultHour: 0, clampPastToNow: true });
    if (!parsed.ok) return { content: parsed.error, isError: true };
    from = parsed.at;
  }
  const slots = findFreeSlots({
    hours,
    bookings: busy,
    now,
    from,
    horizonDays: Math.min(input.days ?? calendar.horizonDays, calendar.horizonDays),
    count: SLOTS_OFFERED,
    slotMinutes: calendar.meetingMinutes,
  });
  if (slots.length === 0) return { content: "No free slots in that period; offer another week.", isError: false };
  const lines = slots.map((s) => `- ${new Date(s.start).toISOString()} (${describeInstant(s.start, calendar.timeZone)})`);
  return {
    content: `Free ${calendar.meetingMinutes}-minute slots (${config.label}):\n${lines.join("\n")}\nBook one with book_meeting using its ISO time.`,
    isError: false,
  };
}

export async function bookMeeting(
  ctx: ActionCtx,
  where: { conversationId: Id<"conversations">; batchId: Id<"batches">; attempt: number },
  input: { start: string; topic: string; email?: string },
): Promise<ToolOutcome> {
  const now = Date.now();
  const start = Date.parse(input.start);
  if (Number.isNaN(start)) return { content: `“${input.start}” is not an ISO 8601 time.`, isError: true };
  const { calendar, hours, config, busy } = await busyTimes(ctx, where.conversationId, now);
  const when = describeInstant(start, calendar.timeZone);
  // A retried draft books the same slot again: confirm the booking it already made.
  if (calendar.bookings.some((b) => b.start === start && b.conversationId === where.conversationId)) {
    return { content: `Already booked “${input.topic}” for ${when}.`, isError: false };
  }
  // A customer books a meeting or two, not a calendar's worth (the web chat is open to anyone).
  if (calendar.bookings.filter((b) => b.conversationId === where.conversationId && b.start > now).length >= MAX_UPCOMING_PER_CONVERSATION) {
    return { content: "This customer already has upcoming meetings booked; offer to move one instead of booking more.", isError: true };
  }
  const slot = { start, end: start + calendar.meetingMinutes * MINUTE };
  if (!isSlotFree(slot, { hours, bookings: busy, now })) {
    return { content: "That time is not free (taken, past or outside working hours). Call find_meeting_slots and offer those.", isError: true };
  }
  const zoom = config.zoom
    ? await createZoomMeeting(config.zoom, zoomTokens, { topic: input.topic, start, durationMinutes: calendar.meetingMinutes, timeZone: calendar.timeZone }, now)
    : null;
  const event = config.google
    ? await createCalendarEvent(
        config.google,
        googleTokens,
        { summary: input.topic, start, end: slot.end, timeZone: calendar.timeZone, location: zoom?.joinUrl, attendeeEmails: input.email ? [input.email] : undefined },
        now,
      )
    : null;
  const recorded = await ctx.runMutation(internal.meetings.record, {
    ...where,
    ...slot,
    topic: input.topic,
    email: input.email,
    provider: config.mode,
    joinUrl: zoom?.joinUrl,
    zoomMeetingId: zoom?.id,
    googleEventId: event?.id,
    timeZone: calendar.timeZone,
  });
  if (!recorded.ok) return { content: recorded.error, isError: true };
  const join = zoom ? ` Join link: ${zoom.joinUrl}` : " (built-in calendar: no video link; share how you will meet)";
  return { content: `Booked “${input.topic}” for ${when}.${join} Reminders go out 24 h and 1 h before.`, isError: false };
}

/** Stores a booking, refusing a double booking, and schedules its reminders. */
export const record = internalMutation({
  args: {
    ...omit(schema.tables.meetings.validator.fields, ["status", "batchId"]),
    batchId: v.id("batches"),
    attempt: v.number(),
    timeZone: v.string(),
  },
  returns: v.union(v.object({ ok: v.literal(true), meetingId: v.id("meetings") }), v.object({ ok: v.literal(false), error: v.string() })),
  handler: async (ctx, { timeZone, attempt, ...meeting }) => {
    await assertCurrentAttempt(ctx, meeting.batchId, attempt);
    const meetingId = await bookIfFree(ctx, meeting);
    if (meetingId === null) {
      return { ok: false as const, error: "Someone booked that time a moment ago; offer other slots." };
    }
    const now = Date.now();
    const when = describeInstant(meeting.start, timeZone);
    const join = meeting.joinUrl ? ` Join: ${meeting.joinUrl}` : "";
    for (const before of REMINDERS_BEFORE_MS) {
      const at = meeting.start - before;
      if (at <= now) continue;
      await scheduleReminder(ctx, {
        conversationId: meeting.conversationId,
        meetingId,
        batchId: meeting.batchId,
        at,
        text: `Reminder: “${meeting.topic}” starts ${before >= DAY ? "tomorrow" : "in an hour"}, ${when}.${join}`,
      });
    }
    return { ok: true as const, meetingId };
  },
});

/** Meetings listed; each also reads its conversation and contact, so the list stays within 100 reads. */
export const UPCOMING_SHOWN = 30;

/** Booked meetings starting at `now` or later, soonest first, with who they are with. */
export async function upcomingMeetings(ctx: QueryCtx, now: number) {
  const meetings = await bookedFrom(ctx, now, UPCOMING_SHOWN);
  return await Promise.all(
    meetings.map(async (m) => ({
      id: m._id,
      conversationId: m.conversationId,
      start: m.start,
      end: m.end,
      topic: m.topic,
      provider: m.provider,
      joinUrl: m.joinUrl,
      ...(await conversationParty(ctx, m.conversationId)),
    })),
  );
}

/** Upcoming meetings for the dashboard. */
export const upcoming = operatorQuery({
  args: { now: v.number() },
  returns: v.array(
    v.object({
      id: v.id("meetings"),
      conversationId: v.id("conversations"),
      start: v.number(),
      end: v.number(),
      topic: v.string(),
      provider: v.string(),
      joinUrl: v.optional(v.string()),
      channel: vChannel,
      contactName: v.optional(v.string()),
    }),
  ),
  handler: async (ctx, { now }) => await upcomingMeetings(ctx, now),
});
