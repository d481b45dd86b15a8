"use client";

import { useEffect, useRef, useState } from "react";

/**
 * A button for an action that cannot be taken back (send now, cancel): the
 * first press asks, in words, and offers the way out; only the second acts.
 */
export function ConfirmButton({
  label,
  question,
  confirmLabel,
  keepLabel = "Keep it",
  disabled,
  onConfirm,
  tone,
  ariaLabel,
}: {
  label: string;
  /** The first button's accessible name when `label` alone is ambiguous in a list ("Send now: check the parcel"). */
  ariaLabel?: string;
  question: string;
  confirmLabel: string;
  keepLabel?: string;
  disabled?: boolean;
  onConfirm: () => void;
  tone?: "danger";
}) {
  const [asking, setAsking] = useState(false);
  const confirmRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (asking) confirmRef.current?.focus();
  }, [asking]);
  if (!asking) {
    return (
      <button type="button" aria-label={ariaLabel} disabled={disabled} onClick={() => setAsking(true)}>
        {label}
      </button>
    );
  }
  return (
    <span className="confirm" role="group" aria-label={question}>
      <span>{question}</span>{" "}
      <button
        type="button"
        ref={confirmRef}
        className={tone === "danger" ? "danger" : "primary"}
        disabled={disabled}
        onClick={() => {
          setAsking(false);
          onConfirm();
        }}
      >
        {confirmLabel}
      </button>{" "}
      <button type="button" onClick={() => setAsking(false)}>
        {keepLabel}
      </button>
    </span>
  );
}
