"use client";

import { useMutation } from "convex/react";
import { useState } from "react";
import { api } from "@/convex/_generated/api";
import type { Id } from "@/convex/_generated/dataModel";
import { ErrorText } from "../ErrorText";
import { operatorTimeZone, zoneLabel } from "../format";
import { useOperatorAction } from "../useOperatorAction";

/** "2026-12-01T10:00" for a datetime-local input, in the browser's (the operator's) zone. */
function localInputValue(at: number): string {
  const d = new Date(at);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** Move a pending follow-up or reminder to another time, picked in the operator's zone. */
export function Reschedule({ actionId, dueAt, label }: { actionId: Id<"scheduledActions">; dueAt: number; label: string }) {
  const reschedule = useMutation(api.inbox.reschedule);
  const [editing, setEditing] = useState(false);
  const [value, setValue] = useState(() => localInputValue(dueAt));
  const { busy, error, run } = useOperatorAction();

  if (!editing) {
    return (
      <button
        type="button"
        aria-label={`Reschedule: ${label}`}
        onClick={() => {
          setValue(localInputValue(dueAt));
          setEditing(true);
        }}
      >
        Reschedule
      </button>
    );
  }
  return (
    <form
      className="reschedule"
      onSubmit={async (e) => {
        e.preventDefault();
        if (await run("run", () => reschedule({ actionId, dueAt: new Date(value).getTime() }))) setEditing(false);
      }}
    >
      <label>
        New time ({zoneLabel(operatorTimeZone())})
        <input type="datetime-local" value={value} onChange={(e) => setValue(e.target.value)} required />
      </label>
      <button type="submit" className="primary" disabled={busy !== null || value === ""}>
        Move it
      </button>
      <button type="button" onClick={() => setEditing(false)}>
        Keep the time
      </button>
      <ErrorText error={error} />
    </form>
  );
}
