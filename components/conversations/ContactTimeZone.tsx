"use client";

import { useMutation } from "convex/react";
import { useState } from "react";
import { api } from "@/convex/_generated/api";
import type { Id } from "@/convex/_generated/dataModel";
import { ErrorText } from "../ErrorText";
import { useOperatorAction } from "../useOperatorAction";
import { ZonePicker } from "../ZonePicker";

export const CONTACT_ZONE_INPUT_ID = "contact-time-zone";

/** Which zone "tomorrow at 10" means for this customer; empty falls back to the business's. */
export function ContactTimeZone({
  conversationId,
  contactTimeZone,
  businessTimeZone,
}: {
  conversationId: Id<"conversations">;
  contactTimeZone: string | undefined;
  businessTimeZone: string;
}) {
  const save = useMutation(api.conversations.setContactTimeZone);
  const [value, setValue] = useState(contactTimeZone ?? "");
  const { busy, error, run } = useOperatorAction();
  const changed = value.trim() !== (contactTimeZone ?? "");

  return (
    <form
      className="zone-form"
      aria-label="Customer time zone"
      onSubmit={(e) => {
        e.preventDefault();
        void run("run", () => save({ conversationId, timeZone: value.trim() || undefined }));
      }}
    >
      <label htmlFor={CONTACT_ZONE_INPUT_ID}>Customer&apos;s time zone</label>
      <div className="controls">
        <ZonePicker id={CONTACT_ZONE_INPUT_ID} value={value} onChange={setValue} placeholder={`unknown: ${businessTimeZone} is used`} />
        <button type="submit" disabled={busy !== null || !changed}>
          Save
        </button>
      </div>
      <p className="muted small">
        Times the customer gives (&quot;tomorrow at 10&quot;) are read in{" "}
        <strong>{contactTimeZone ?? `${businessTimeZone}, the business's zone, since theirs is unknown`}</strong>.
      </p>
      <ErrorText error={error} />
    </form>
  );
}
