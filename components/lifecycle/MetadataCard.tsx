"use client";

import { useMutation, useQuery } from "convex/react";
import { useState } from "react";
import { api } from "@/convex/_generated/api";
import type { Id } from "@/convex/_generated/dataModel";
import { ErrorText } from "../ErrorText";
import { formatTime } from "../format";
import { useOperatorAction } from "../useOperatorAction";

const SENTIMENTS = ["positive", "neutral", "negative", "mixed"] as const;
const SENTIMENT_TONE: Record<(typeof SENTIMENTS)[number], string> = { positive: "ok", neutral: "", negative: "danger", mixed: "warn" };

/** A sentiment as a coloured badge (the conversation's panel and a message's labels). */
export function SentimentBadge({ sentiment }: { sentiment?: (typeof SENTIMENTS)[number] }) {
  return sentiment ? <span className={`badge ${SENTIMENT_TONE[sentiment]}`}>{sentiment}</span> : <>—</>;
}

/** Labels as a row of tags, or a dash. */
export function LabelTags({ tags }: { tags: string[] }) {
  if (tags.length === 0) return <>—</>;
  return (
    <span className="tag-row">
      {tags.map((t) => (
        <span key={t} className="tag label">
          {t}
        </span>
      ))}
    </span>
  );
}

/**
 * The side panel's summary: Claude's (or the offline heuristic's) summary,
 * category, sentiment, labels and language. Operator edits win over the
 * automatic labels; offline labels say so.
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
    <section className="panel-section" aria-label="Summary">
      <h3>Summary</h3>
      {auto || manual ? (
        <>
          <p className="summary-text">{value.summary ?? <span className="muted">No summary.</span>}</p>
          <dl className="facts">
            <dt>Category</dt>
            <dd>{value.category ?? "—"}</dd>
            <dt>Sentiment</dt>
            <dd>
              <SentimentBadge sentiment={value.sentiment} />
            </dd>
            <dt>Labels</dt>
            <dd>
              <LabelTags tags={value.tags} />
            </dd>
            <dt>Language</dt>
            <dd>{value.language ?? "—"}</dd>
          </dl>
        </>
      ) : (
        <p className="muted">Not labelled yet: the weekly run (Sunday 04:00) or Analyze now writes a summary.</p>
      )}
      {auto && (
        <p className="muted small">
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
