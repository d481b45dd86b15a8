"use client";

import { useId } from "react";

let zones: string[] | null = null;
/** Every IANA zone this browser knows, for a searchable list. */
function allZones(): string[] {
  zones ??= typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
  return zones;
}

/**
 * A time zone input that suggests IANA names as the operator types
 * ("mosc" offers Europe/Moscow). The value stays free text so a zone the
 * browser does not list can still be entered; the server validates it.
 */
export function ZonePicker({
  id,
  value,
  onChange,
  placeholder,
  invalid,
  describedBy,
  label,
}: {
  id?: string;
  value: string;
  onChange: (zone: string) => void;
  placeholder?: string;
  invalid?: boolean;
  describedBy?: string;
  label?: string;
}) {
  const listId = useId();
  return (
    <>
      <input
        id={id}
        type="text"
        list={listId}
        aria-label={label}
        aria-invalid={invalid}
        aria-describedby={describedBy}
        autoComplete="off"
        spellCheck={false}
        placeholder={placeholder ?? "Search a zone, e.g. Moscow"}
        value={value}
        onChange={(e) => onChange(e.target.value)}
      />
      <datalist id={listId}>
        {allZones().map((zone) => (
          <option key={zone} value={zone} />
        ))}
      </datalist>
    </>
  );
}
