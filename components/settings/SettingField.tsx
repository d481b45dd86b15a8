import { WEEKDAY_KEYS } from "@/lib/workingHours";
import { formatDuration } from "../format";
import { fieldText, type Draft, type FieldKind, type SettingKey, type WeekDraft } from "./fields";

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
        {kind.kind === "number" && (
          <>
            <input
              {...common}
              type="number"
              min={kind.min ?? undefined}
              max={kind.max ?? undefined}
              value={String(draft)}
              onChange={(e) => onChange(e.target.value)}
            />{" "}
            {name.endsWith("Ms") && Number.isFinite(Number(draft)) && (
              <span className="muted">= {formatDuration(Number(draft))}</span>
            )}
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
        {kind.kind === "week" && <WeekInput id={inputId} week={draft as WeekDraft} onChange={onChange} />}
      </div>
      {help && <div className="help">{help}</div>}
      {/* The default is worth a line only for short values, and where the value departs from it. */}
      {isShort(kind) && draft !== defaultDraft && typeof defaultDraft !== "object" && (
        <div className="help">Default: {defaultText(defaultDraft)}</div>
      )}
      {error && (
        <div className="error-text" id={errorId} role="alert">
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

function WeekInput({ id, week, onChange }: { id: string; week: WeekDraft; onChange: (draft: WeekDraft) => void }) {
  return (
    <>
      <input
        id={id}
        type="text"
        aria-label="Time zone"
        value={week.timeZone}
        onChange={(e) => onChange({ ...week, timeZone: e.target.value })}
      />
      <div className="week">
        {WEEK_ORDER.map((day) => (
          <label key={day} className="week-day">
            <span className="muted">{day}</span>
            <input
              type="text"
              placeholder="closed"
              value={week.days[day]}
              onChange={(e) => onChange({ ...week, days: { ...week.days, [day]: e.target.value } })}
            />
          </label>
        ))}
      </div>
    </>
  );
}
