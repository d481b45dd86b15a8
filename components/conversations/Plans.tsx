"use client";

import { useMutation, useQuery } from "convex/react";
import { useState } from "react";
import { sameWallClockIn } from "@/lib/inbox";
import { api } from "@/convex/_generated/api";
import type { Id } from "@/convex/_generated/dataModel";
import { ConfirmButton } from "../ConfirmButton";
import { ErrorText } from "../ErrorText";
import { formatTime, formatTimeIn, operatorTimeZone, zoneLabel } from "../format";
import { useOperatorAction } from "../useOperatorAction";
import { Reschedule } from "../followups/Reschedule";
import { ZonePicker } from "../ZonePicker";

/** The customer's pending follow-ups and reminders, and booked meetings, with what an operator can do about them. */
export function Plans({
  conversationId,
  contactTimeZone,
  businessTimeZone,
}: {
  conversationId: Id<"conversations">;
  contactTimeZone: string | undefined;
  businessTimeZone: string;
}) {
  const plans = useQuery(api.dashboard.plans, { conversationId });
  const sendNow = useMutation(api.followups.sendNow);
  const cancel = useMutation(api.followups.cancel);
  const { busy, error, run } = useOperatorAction<string>();
  const customerZone = contactTimeZone ?? businessTimeZone;
  const mine = operatorTimeZone();

  if (plans === undefined) return <p className="muted">Loading…</p>;
  return (
    <>
      {plans.actions.length === 0 ? (
        <p className="muted">No follow-up or reminder is scheduled.</p>
      ) : (
        <ul className="plans">
          {plans.actions.map((a) => (
            <li key={a.id} className="plan">
              <div>
                <strong>{a.kind === "followup" ? "Follow-up" : "Meeting reminder"}</strong>{" "}
                {formatTime(a.dueAt)} <span className="muted">({zoneLabel(mine)})</span>
                {customerZone !== mine && (
                  <span className="muted"> · {formatTimeIn(a.dueAt, customerZone)} for the customer</span>
                )}
              </div>
              <div className="plan-note">{a.note}</div>
              {contactTimeZone === undefined && a.kind === "followup" && (
                <ZoneFix actionId={a.id} dueAt={a.dueAt} businessTimeZone={businessTimeZone} />
              )}
              {a.lastError && <p className="muted small">{a.lastError}</p>}
              <div className="controls">
                <ConfirmButton
                  label="Send now"
                  question="Send it to the customer now?"
                  confirmLabel="Yes, send now"
                  disabled={busy !== null}
                  onConfirm={() => void run(`send-${a.id}`, () => sendNow({ actionId: a.id }))}
                />
                <ConfirmButton
                  label="Cancel"
                  question="Cancel it? It will not be sent."
                  confirmLabel="Yes, cancel it"
                  tone="danger"
                  disabled={busy !== null}
                  onConfirm={() => void run(`cancel-${a.id}`, () => cancel({ actionId: a.id }))}
                />
                <Reschedule actionId={a.id} dueAt={a.dueAt} label={a.note} />
              </div>
            </li>
          ))}
        </ul>
      )}
      <ErrorText error={error} />
      {plans.meetings.length > 0 && (
        <>
          <h3>Meetings</h3>
          <ul className="plans">
            {plans.meetings.map((m) => (
              <li key={m.id} className="plan">
                <strong>{m.topic}</strong>
                <div>
                  {formatTime(m.start)} <span className="muted">({zoneLabel(mine)})</span>
                  {customerZone !== mine && <span className="muted"> · {formatTimeIn(m.start, customerZone)}</span>}
                </div>
                {m.joinUrl && (
                  <a href={m.joinUrl} target="_blank" rel="noreferrer">
                    Join link
                  </a>
                )}
              </li>
            ))}
          </ul>
        </>
      )}
    </>
  );
}

/**
 * The customer's zone was unknown, so "tomorrow at 10" was read in the
 * business's zone. One click sets their zone and keeps the same wall-clock
 * time in it (10:00 Moscow time instead of 10:00 UTC).
 */
function ZoneFix({
  actionId,
  dueAt,
  businessTimeZone,
}: {
  actionId: Id<"scheduledActions">;
  dueAt: number;
  businessTimeZone: string;
}) {
  const reschedule = useMutation(api.inbox.reschedule);
  const [zone, setZone] = useState("");
  const { busy, error, run } = useOperatorAction();
  const wall = formatTime(dueAt, businessTimeZone);
  const valid = isZone(zone);
  return (
    <div className="notice warn small zone-fix">
      <p>
        Read in {businessTimeZone} (the business&apos;s zone) because the customer&apos;s zone is unknown.
      </p>
      <div className="controls">
        <ZonePicker value={zone} onChange={setZone} label="The customer's time zone" />
        <button
          type="button"
          disabled={!valid || busy !== null}
          onClick={() =>
            void run("run", () =>
              reschedule({
                actionId,
                dueAt: sameWallClockIn(dueAt, businessTimeZone, zone),
                contactTimeZone: zone,
              }),
            )
          }
        >
          Keep {wall} in {valid ? zoneLabel(zone) : "their zone"}
        </button>
      </div>
      <ErrorText error={error} />
    </div>
  );
}

function isZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return zone.includes("/") || zone === "UTC";
  } catch {
    return false;
  }
}
