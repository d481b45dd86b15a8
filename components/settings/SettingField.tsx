"use client";

import { useState } from "react";
import { WEEKDAY_KEYS } from "@/lib/workingHours";
import { ZonePicker } from "../ZonePicker";
import {
  bestUnit,
  DURATION_UNITS,
  fieldText,
  isDuration,
  unitMs,
  weekErrorParts,
  type Draft,
  type DurationUnit,
  type FieldKind,
  type SettingKey,
  type WeekDraft,
} from "./fields";

// Monday first, as a business plans its week.
const WEEK_ORDER = [...WEEKDAY_KEYS.slice(1), WEEKDAY_KEYS[0]];

type Props = {
  name: SettingKey;
  kind: FieldKind;
  draft: Draft;
  defaultDraft: Draft;
  error: string | undefined;
  onChange: (draft: Draft) => void;
};

/** One labelled setting: its input, help, default and error. */
export function SettingField({ name, kind, draft, defaultDraft, error, onChange }: Props) {
  const { label, help } = fieldText(name);
  const inputId = `setting-${name}`;
  const errorId = `${inputId}-error`;
  const common = { id: inputId, "aria-invalid": error !== undefined, "aria-describedby": error ? errorId : undefined };
  return (
    <div className="field" data-invalid={error !== undefined}>
      <label htmlFor={inputId}>{label}</label>
      <div>
        {kind.kind === "number" && isDuration(name) && (
          <DurationInput
            inputProps={common}
            ms={String(draft)}
            onChange={onChange}
          />
        )}
        {kind.kind === "number" && !isDuration(name) && (
          <>
            <input
              {...common}
              type="number"
              min={kind.min ?? undefined}
              max={kind.max ?? undefined}
              value={String(draft)}
              onChange={(e) => onChange(e.target.value)}
            />
          </>
        )}
        {kind.kind === "boolean" && (
          <input {...common} type="checkbox" checked={Boolean(draft)} onChange={(e) => onChange(e.target.checked)} />
        )}
        {kind.kind === "choice" && (
          <select {...common} value={String(draft)} onChange={(e) => onChange(e.target.value)}>
            {kind.options.map((option) => (
              <option key={option}>{option}</option>
            ))}
          </select>
        )}
        {kind.kind === "text" &&
          (kind.multiline ? (
            <textarea {...common} value={String(draft)} onChange={(e) => onChange(e.target.value)} />
          ) : (
            <input {...common} type="text" value={String(draft)} onChange={(e) => onChange(e.target.value)} />
          ))}
        {kind.kind === "json" && (
          <textarea {...common} value={String(draft)} onChange={(e) => onChange(e.target.value)} />
        )}
        {kind.kind === "week" && (
          <WeekInput id={inputId} week={draft as WeekDraft} onChange={onChange} error={error} errorId={errorId} />
        )}
      </div>
      {help && <div className="help">{help}</div>}
      {/* The default is worth a line only for short values, and where the value departs from it. */}
      {isShort(kind) && draft !== defaultDraft && typeof defaultDraft !== "object" && (
        <div className="help">Default: {defaultText(defaultDraft)}</div>
      )}
      {error && (
        <div className="error-text" id={errorId}>
          {error}
        </div>
      )}
    </div>
  );
}

function isShort(kind: FieldKind): boolean {
  return (
    kind.kind === "number" ||
    kind.kind === "boolean" ||
    kind.kind === "choice" ||
    (kind.kind === "text" && !kind.multiline)
  );
}

function defaultText(draft: string | boolean): string {
  if (typeof draft === "boolean") return draft ? "on" : "off";
  return draft || "(empty)";
}

/**
 * A duration typed in seconds, minutes or hours; the draft stays in ms (what
 * the setting stores). The unit starts as the one that shows the value whole.
 */
function DurationInput({
  inputProps,
  ms,
  onChange,
}: {
  inputProps: { id: string; "aria-invalid": boolean; "aria-describedby": string | undefined };
  ms: string;
  onChange: (draft: string) => void;
}) {
  const [unit, setUnit] = useState<DurationUnit>(() => bestUnit(Number(ms)));
  const [typed, setTyped] = useState<string | null>(null);
  const value = Number(ms);
  const shown = typed ?? (ms.trim() !== "" && Number.isFinite(value) ? String(value / unitMs(unit)) : ms);
  const toMs = (text: string, u: DurationUnit) => {
    const n = Number(text.trim());
    return text.trim() === "" || !Number.isFinite(n) ? text : String(Math.round(n * unitMs(u)));
  };
  return (
    <span className="duration">
      <input
        {...inputProps}
        type="number"
        inputMode="decimal"
        min={0}
        step="any"
        value={shown}
        onChange={(e) => {
          setTyped(e.target.value);
          onChange(toMs(e.target.value, unit));
        }}
        onBlur={() => setTyped(null)}
      />
      <select
        aria-label="Unit"
        value={unit}
        onChange={(e) => {
          const next = e.target.value as DurationUnit;
          setUnit(next);
          // The number stays as typed; its meaning follows the unit.
          onChange(toMs(shown, next));
        }}
      >
        {DURATION_UNITS.map(({ unit: u }) => (
          <option key={u} value={u}>
            {u === "s" ? "seconds" : u === "min" ? "minutes" : "hours"}
          </option>
        ))}
      </select>
    </span>
  );
}

function WeekInput({
  id,
  week,
  onChange,
  error,
  errorId,
}: {
  id: string;
  week: WeekDraft;
  onChange: (draft: WeekDraft) => void;
  error: string | undefined;
  errorId: string;
}) {
  const bad = weekErrorParts(error);
  return (
    <>
      <ZonePicker
        id={id}
        label="Time zone"
        value={week.timeZone}
        invalid={error !== undefined && bad.zone}
        describedBy={error !== undefined && bad.zone ? errorId : undefined}
        onChange={(timeZone) => onChange({ ...week, timeZone })}
      />
      <div className="week">
        {WEEK_ORDER.map((day) => (
          <label key={day} className="week-day">
            <span className="muted">{day}</span>
            <input
              id={`${id}-${day}`}
              type="text"
              placeholder="closed"
              aria-invalid={bad.days.has(day)}
              aria-describedby={bad.days.has(day) ? errorId : undefined}
              value={week.days[day]}
              onChange={(e) => onChange({ ...week, days: { ...week.days, [day]: e.target.value } })}
            />
          </label>
        ))}
      </div>
    </>
  );
}
