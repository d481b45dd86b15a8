"use client";

import { useMutation } from "convex/react";
import { useState } from "react";
import { api } from "@/convex/_generated/api";
import type { Id } from "@/convex/_generated/dataModel";
import { ErrorText } from "../ErrorText";
import { useOperatorAction } from "../useOperatorAction";

/** The conversation's tags (the bot sets some too): remove one with its ×, add by typing and Enter. */
export function TagsEditor({ conversationId, tags }: { conversationId: Id<"conversations">; tags: string[] }) {
  const setTags = useMutation(api.inbox.setTags);
  const [draft, setDraft] = useState("");
  const { busy, error, run } = useOperatorAction();

  return (
    <div className="tags-editor">
      <ul className="tag-list" aria-label="Tags">
        {tags.length === 0 && <li className="muted">No tags yet.</li>}
        {tags.map((tag) => (
          <li key={tag} className="tag">
            {tag}{" "}
            <button
              type="button"
              className="tag-remove"
              aria-label={`Remove tag ${tag}`}
              disabled={busy !== null}
              onClick={() => void run("run", () => setTags({ conversationId, tags: tags.filter((t) => t !== tag) }))}
            >
              ×
            </button>
          </li>
        ))}
      </ul>
      <form
        className="controls"
        onSubmit={async (e) => {
          e.preventDefault();
          if (draft.trim() === "") return;
          if (await run("run", () => setTags({ conversationId, tags: [...tags, draft] }))) setDraft("");
        }}
      >
        <input aria-label="New tag" placeholder="Add a tag" value={draft} onChange={(e) => setDraft(e.target.value)} />
        <button type="submit" disabled={busy !== null || draft.trim() === ""}>
          Add
        </button>
      </form>
      <ErrorText error={error} />
    </div>
  );
}
