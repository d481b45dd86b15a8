"use client";

import { useMutation } from "convex/react";
import { useState } from "react";
import { api } from "@/convex/_generated/api";
import type { Id } from "@/convex/_generated/dataModel";
import { ErrorText } from "../ErrorText";
import { useOperatorAction } from "../useOperatorAction";

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
      className="card"
      aria-label="Customer time zone"
      onSubmit={(e) => {
        e.preventDefault();
        void run("run", () => save({ conversationId, timeZone: value.trim() || undefined }));
      }}
    >
      <h2>Customer time zone</h2>
      <p className="muted">
        Follow-up times the customer gives are read in{" "}
        <strong>{contactTimeZone ?? `${businessTimeZone} (the business's)`}</strong>.
      </p>
      <div className="controls">
        <input
          aria-label="IANA time zone"
          placeholder={businessTimeZone}
          value={value}
          onChange={(e) => setValue(e.target.value)}
        />
        <button type="submit" disabled={busy !== null || !changed}>
          Save
        </button>
      </div>
      <ErrorText error={error} />
    </form>
  );
}
