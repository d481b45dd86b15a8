"use client";

import { useMutation, useQuery } from "convex/react";
import { useEffect, useRef, useState, type FormEvent } from "react";
import { api } from "@/convex/_generated/api";
import type { Settings } from "@/lib/settings";
import { errorMessage } from "../format";
import { checkEdits, errorTargetId, fieldKind, fieldText, sections, toDraft, type Draft, type SettingKey } from "./fields";
import { SettingField } from "./SettingField";

type Status = { tone: "ok" | "danger" | "info"; text: string } | null;
const STATUS_CLASS = { ok: "ok-text", danger: "error-text", info: "muted" } as const;

/**
 * The settings form. Inputs show the live stored value until the operator
 * edits them, so a change made elsewhere (another tab, the Convex
 * dashboard) appears here unless it would overwrite an edit in progress.
 */
export function SettingsForm() {
  const current = useQuery(api.settings.get, {});
  const update = useMutation(api.settings.update);
  const viewer = useQuery(api.users.viewer, {});
  // Operators read the settings; only the owner changes them (the server refuses them too).
  const readOnly = viewer?.role !== "owner";
  const [edits, setEdits] = useState<Partial<Record<SettingKey, Draft>>>({});
  const [errors, setErrors] = useState<Partial<Record<SettingKey, string>>>({});
  const [status, setStatus] = useState<Status>(null);
  const [saving, setSaving] = useState(false);
  // Bumped on each failed save so the summary takes focus even when the errors are the same.
  const [failedSaves, setFailedSaves] = useState(0);
  const summaryRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (failedSaves > 0) summaryRef.current?.focus();
  }, [failedSaves]);

  if (current === undefined) return <p className="muted">Loading settings…</p>;
  const settings: Settings = current.settings;

  function edit(key: SettingKey, draft: Draft) {
    setEdits((e) => ({ ...e, [key]: draft }));
    setStatus(null);
  }

  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    const check = checkEdits(settings, edits);
    if (!check.ok) {
      setErrors(check.errors);
      setStatus({ tone: "danger", text: "Some values are not valid; nothing was saved." });
      setFailedSaves((n) => n + 1);
      return;
    }
    setErrors({});
    if (Object.keys(check.patch).length === 0) {
      setEdits({});
      setStatus({ tone: "info", text: "Nothing changed." });
      return;
    }
    setSaving(true);
    try {
      await update({ patch: check.patch });
      setEdits({});
      setStatus({
        tone: "ok",
        text: `Saved: ${(Object.keys(check.patch) as SettingKey[]).map((k) => fieldText(k).label).join(", ")}. It applies from the next message.`,
      });
    } catch (e) {
      setStatus({ tone: "danger", text: `The server refused the change: ${errorMessage(e)}` });
    } finally {
      setSaving(false);
    }
  }

  const dirty = Object.keys(edits).length > 0;
  const errorList = Object.entries(errors) as [SettingKey, string][];
  return (
    <form className="settings-form" onSubmit={onSubmit} noValidate>
      {viewer && readOnly && (
        <p className="notice info" role="note">
          Only the owner changes settings; you can read them here.
        </p>
      )}
      <fieldset className="plain" disabled={readOnly}>
        {errorList.length > 0 && (
          <div className="notice danger error-summary" role="alert" tabIndex={-1} ref={summaryRef}>
            <strong>
              {errorList.length === 1 ? "One value needs fixing" : `${errorList.length} values need fixing`}; nothing was
              saved.
            </strong>
            <ul>
              {errorList.map(([key, message]) => (
                <li key={key}>
                  <a href={`#${errorTargetId(key, message)}`} onClick={(e) => focusField(e, errorTargetId(key, message))}>
                    {fieldText(key).label}: {message}
                  </a>
                </li>
              ))}
            </ul>
          </div>
        )}
        {current.problems.length > 0 && (
          <div className="notice warn" role="alert">
            <strong>The stored settings have problems; these fields use their defaults:</strong>
            <ul>
              {current.problems.map((problem) => (
                <li key={problem}>{problem}</li>
              ))}
            </ul>
          </div>
        )}
        {sections().map((section) => {
          const fields = section.keys.map((key) => {
              const kind = fieldKind(key);
              return (
                <SettingField
                  key={key}
                  name={key}
                  kind={kind}
                  draft={edits[key] ?? toDraft(kind, settings[key])}
                  defaultDraft={toDraft(kind, current.defaults[key])}
                  error={errors[key]}
                  onChange={(draft) => edit(key, draft)}
                />
              );
            });
          // Model and other rarely touched options stay folded until asked for.
          return section.advanced ? (
            <details key={section.title} className="card field-group" aria-label={section.title}>
              <summary>{section.title}</summary>
              {fields}
            </details>
          ) : (
            <section key={section.title} className="card field-group" aria-label={section.title}>
              <h2>{section.title}</h2>
              {fields}
            </section>
          );
        })}
        <div className="form-actions">
          <button type="submit" className="primary" disabled={saving || !dirty}>
            {saving ? "Saving…" : "Save changes"}
          </button>
          <button
            type="button"
            disabled={saving || !dirty}
            onClick={() => {
              setEdits({});
              setErrors({});
              setStatus(null);
            }}
          >
            Discard
          </button>
          {status && (
            <span className={STATUS_CLASS[status.tone]} role="status">
              {status.text}
            </span>
          )}
        </div>
      </fieldset>
    </form>
  );
}

/** A summary link: unfold the section holding the field, then move focus into it. */
function focusField(event: React.MouseEvent, id: string) {
  event.preventDefault();
  const field = document.getElementById(id);
  const details = field?.closest("details");
  if (details) details.open = true;
  field?.focus();
  field?.scrollIntoView({ block: "center" });
}
