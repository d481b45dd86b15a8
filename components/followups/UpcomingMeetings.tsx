"use client";

import { useQuery } from "convex/react";
import Link from "next/link";
import { api } from "@/convex/_generated/api";
import type { MeetingMode } from "@/lib/meetings/config";
import { HOUR } from "@/lib/time";
import { channelLabel } from "../format";
import { RelativeTime, useNow } from "./RelativeTime";

/** Where a booking lives: `meetings.provider` is the meeting mode it was booked in. */
const PROVIDER_LABELS: Record<string, string> = {
  builtin: "Built-in calendar",
  zoom: "Zoom",
  google: "Google Calendar",
  "zoom+google": "Zoom + Google Calendar",
} satisfies Record<MeetingMode, string>;

/**
 * Booked meetings from the top of the current hour on, soonest first, live.
 * The hour (not the minute) is the query's argument so the subscription
 * changes once an hour; meetings already over are left out here.
 */
export function UpcomingMeetings() {
  const now = useNow();
  const meetings = useQuery(api.meetings.upcoming, { now: Math.floor(now / HOUR) * HOUR });
  const shown = meetings?.filter((m) => m.end > now);

  return (
    <section className="card upcoming-meetings" aria-labelledby="upcoming-meetings">
      <h2 id="upcoming-meetings">Upcoming meetings</h2>
      {shown === undefined ? (
        <p className="muted">Loading meetings…</p>
      ) : shown.length === 0 ? (
        <p className="muted">No meetings booked. The agent books them when a customer asks to meet.</p>
      ) : (
        <div className="table-wrap">
          <table className="data" aria-label="Upcoming meetings">
            <thead>
              <tr>
                <th>Starts</th>
                <th>Topic</th>
                <th>Calendar</th>
                <th>Join</th>
                <th>Conversation</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((m) => (
                <tr key={m.id}>
                  <td>
                    <RelativeTime at={m.start} />
                  </td>
                  <td>{m.topic}</td>
                  <td>{PROVIDER_LABELS[m.provider] ?? m.provider}</td>
                  <td>
                    {m.joinUrl ? (
                      <a href={m.joinUrl} target="_blank" rel="noreferrer">
                        Join link
                      </a>
                    ) : (
                      <span className="muted">–</span>
                    )}
                  </td>
                  <td>
                    <Link className="nowrap" href={`/conversations/${m.conversationId}`}>
                      {m.contactName ?? "Unnamed visitor"}
                    </Link>
                    <div className="muted">{channelLabel(m.channel)}</div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
