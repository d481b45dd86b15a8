"use client";

import { useMutation, useQuery } from "convex/react";
import { useState } from "react";
import { api } from "@/convex/_generated/api";
import type { Id } from "@/convex/_generated/dataModel";
import { ErrorText } from "../ErrorText";
import { formatTime } from "../format";
import { useOperatorAction } from "../useOperatorAction";

const SENTIMENTS = ["positive", "neutral", "negative", "mixed"] as const;

/**
 * Sentiment, category, tags, summary and language. Operator edits win over
 * the automatic labels; offline labels say so.
 */
export function MetadataCard({ conversationId }: { conversationId: Id<"conversations"> }) {
  const data = useQuery(api.lifecycle.metadata.metadataOf, { conversationId });
  const analyze = useMutation(api.lifecycle.metadata.analyzeNow);
  const edit = useMutation(api.lifecycle.metadata.editMetadata);
  const action = useOperatorAction<"analyze" | "save">();
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState({ sentiment: "", category: "", tags: "", summary: "" });

  if (!data) return null;
  const { auto, manual } = data;
  const value = {
    sentiment: manual?.sentiment ?? auto?.sentiment,
    category: manual?.category ?? auto?.category,
    tags: manual?.tags ?? auto?.tags ?? [],
    summary: manual?.summary ?? auto?.summary,
    language: manual?.language ?? auto?.language,
  };

  return (
    <section className="card" aria-label="Metadata">
      <h2>Labels</h2>
      {auto || manual ? (
        <dl>
          <dt>Sentiment</dt>
          <dd>{value.sentiment ?? "—"}</dd>
          <dt>Category</dt>
          <dd>{value.category ?? "—"}</dd>
          <dt>Tags</dt>
          <dd>{value.tags.length ? value.tags.join(", ") : "—"}</dd>
          <dt>Summary</dt>
          <dd>{value.summary ?? "—"}</dd>
          <dt>Language</dt>
          <dd>{value.language ?? "—"}</dd>
        </dl>
      ) : (
        <p className="muted">Not labelled yet.</p>
      )}
      {auto && (
        <p className="muted">
          {auto.source === "offline" ? "Offline labels (keyword heuristic, no API key)" : `By ${auto.model ?? "Claude"}`} · {formatTime(auto.analyzedAt)}
          {manual && " · your edits override"}
        </p>
      )}
      {editing ? (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void action
              .run("save", () =>
                edit({
                  conversationId,
                  sentiment: draft.sentiment ? (draft.sentiment as (typeof SENTIMENTS)[number]) : undefined,
                  category: draft.category.trim() || undefined,
                  tags: draft.tags.trim() ? draft.tags.split(",").map((t) => t.trim()).filter(Boolean) : undefined,
                  summary: draft.summary.trim() || undefined,
                }),
              )
              .then((ok) => ok && setEditing(false));
          }}
        >
          <label className="field">
            Sentiment
            <select value={draft.sentiment} onChange={(e) => setDraft({ ...draft, sentiment: e.target.value })}>
              <option value="">(keep)</option>
              {SENTIMENTS.map((s) => (
                <option key={s}>{s}</option>
              ))}
            </select>
          </label>
          <label className="field">
            Category
            <input value={draft.category} onChange={(e) => setDraft({ ...draft, category: e.target.value })} />
          </label>
          <label className="field">
            Tags (comma-separated)
            <input value={draft.tags} onChange={(e) => setDraft({ ...draft, tags: e.target.value })} />
          </label>
          <label className="field">
            Summary
            <textarea value={draft.summary} onChange={(e) => setDraft({ ...draft, summary: e.target.value })} />
          </label>
          <div className="controls">
            <button type="submit" disabled={action.busy !== null}>
              Save
            </button>
            <button type="button" onClick={() => setEditing(false)}>
              Cancel
            </button>
          </div>
        </form>
      ) : (
        <div className="controls">
          <button type="button" disabled={action.busy !== null} onClick={() => void action.run("analyze", () => analyze({ conversationId }))}>
            {action.busy === "analyze" ? "Asking…" : "Analyze now"}
          </button>
          <button
            type="button"
            onClick={() => {
              setDraft({ sentiment: "", category: value.category ?? "", tags: value.tags.join(", "), summary: value.summary ?? "" });
              setEditing(true);
            }}
          >
            Edit
          </button>
        </div>
      )}
      <ErrorText error={action.error} />
    </section>
  );
}
