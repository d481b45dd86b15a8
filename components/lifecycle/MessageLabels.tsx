"use client";

import { useMutation, useQuery } from "convex/react";
import { useEffect, useState } from "react";
import { api } from "@/convex/_generated/api";
import type { Id } from "@/convex/_generated/dataModel";
import { ErrorText } from "../ErrorText";
import { LabelTags, SentimentBadge } from "./MetadataCard";
import { useOperatorAction } from "../useOperatorAction";

/**
 * Labels of one message, on request: a small "Labels" toggle in the
 * bubble's meta line opens this under the text. It shows what the model
 * (or the offline heuristic, said so) found and the operator's own
 * category and tags, which win; Analyze asks for labels of this message
 * alone (lifecycle/metadata:analyzeMessage), Edit sets the operator's own.
 * Nothing is read until it is opened.
 */
const ANALYZE_PATIENCE_MS = 60_000;

export function MessageLabelsToggle({ open, onToggle, messageId }: { open: boolean; onToggle: () => void; messageId: Id<"messages"> }) {
  return (
    <>
      {" · "}
      <button type="button" className="link-button message-labels-toggle" aria-expanded={open} aria-controls={`labels-${messageId}`} onClick={onToggle}>
        {open ? "Hide labels" : "Labels"}
      </button>
    </>
  );
}

export function MessageLabels({ messageId }: { messageId: Id<"messages"> }) {
  const data = useQuery(api.lifecycle.metadata.messageLabelsOf, { messageId });
  const analyze = useMutation(api.lifecycle.metadata.analyzeMessage);
  const save = useMutation(api.lifecycle.metadata.setMessageLabels);
  const action = useOperatorAction<"analyze" | "save">();
  const [asked, setAsked] = useState<number | null>(null);
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState({ category: "", tags: "" });

  const labels = data?.labels ?? null;
  const auto = labels?.auto;
  const manual = labels?.manual;
  const category = manual?.category ?? auto?.category;
  const tags = manual?.tags ?? auto?.tags ?? [];
  // Analyze was pressed and no newer answer has arrived yet (`asked` is the analysis time seen then, -1 for none).
  const waiting = asked !== null && (auto?.analyzedAt ?? -1) <= asked;
  // A rejected answer writes nothing: stop showing "Analyzing…" after a while.
  useEffect(() => {
    if (!waiting) return;
    const timer = setTimeout(() => setAsked(null), ANALYZE_PATIENCE_MS);
    return () => clearTimeout(timer);
  }, [waiting]);

  return (
    <div className="message-labels" id={`labels-${messageId}`} role="region" aria-label="Message labels">
      {data === undefined ? (
        <p className="muted small">Loading labels…</p>
      ) : data === null ? (
        <p className="muted small">This message is no longer in the hot tables.</p>
      ) : (
        <>
          {auto || manual ? (
            <dl className="facts small">
              <dt>Category</dt>
              <dd>{category ?? "—"}</dd>
              {auto && (
                <>
                  <dt>Sentiment</dt>
                  <dd>
                    <SentimentBadge sentiment={auto.sentiment} />
                  </dd>
                </>
              )}
              <dt>Labels</dt>
              <dd>
                <LabelTags tags={tags} />
              </dd>
              {auto?.summary && (
                <>
                  <dt>Summary</dt>
                  <dd>{auto.summary}</dd>
                </>
              )}
            </dl>
          ) : (
            <p className="muted small">No labels yet.</p>
          )}
          {auto && (
            <p className="muted small">
              {auto.source === "offline" ? "Offline labels (keyword heuristic, no API key)" : "By Claude"}
              {manual && " · your edits override"}
            </p>
          )}
          {editing ? (
            <form
              className="message-labels-form"
              onSubmit={(e) => {
                e.preventDefault();
                void action
                  .run("save", () =>
                    save({
                      messageId,
                      category: draft.category.trim() || undefined,
                      tags: draft.tags.split(",").map((t) => t.trim()).filter(Boolean),
                    }),
                  )
                  .then((ok) => ok && setEditing(false));
              }}
            >
              <label className="field">
                Category
                <input value={draft.category} onChange={(e) => setDraft({ ...draft, category: e.target.value })} />
              </label>
              <label className="field">
                Tags (comma-separated)
                <input value={draft.tags} onChange={(e) => setDraft({ ...draft, tags: e.target.value })} />
              </label>
              <div className="controls">
                <button type="submit" disabled={action.busy !== null}>
                  {action.busy === "save" ? "Saving…" : "Save labels"}
                </button>
                <button type="button" onClick={() => setEditing(false)}>
                  Cancel
                </button>
              </div>
            </form>
          ) : (
            <div className="controls">
              <button
                type="button"
                disabled={action.busy !== null || waiting}
                onClick={() => {
                  const seen = auto?.analyzedAt ?? -1;
                  void action.run("analyze", () => analyze({ messageId })).then((ok) => ok && setAsked(seen));
                }}
              >
                {action.busy === "analyze" || waiting ? "Analyzing…" : auto ? "Analyze again" : "Analyze"}
              </button>
              <button
                type="button"
                onClick={() => {
                  setDraft({ category: category ?? "", tags: tags.join(", ") });
                  setEditing(true);
                }}
              >
                Edit labels
              </button>
            </div>
          )}
          <ErrorText error={action.error} />
        </>
      )}
    </div>
  );
}
