"use client";

import { useMutation } from "convex/react";
import { useState, type FormEvent } from "react";
import { api } from "@/convex/_generated/api";
import type { Id } from "@/convex/_generated/dataModel";
import { ErrorText } from "../ErrorText";
import { useOperatorAction } from "../useOperatorAction";

/** The operator writes to the customer; sending takes the conversation over so the bot stays quiet. */
export function HumanReply({ conversationId, takeover }: { conversationId: Id<"conversations">; takeover: boolean }) {
  const sendAsHuman = useMutation(api.conversations.sendAsHuman);
  const [text, setText] = useState("");
  const { busy, error, run } = useOperatorAction();
  const sending = busy !== null;

  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    if (await run("run", () => sendAsHuman({ conversationId, text }))) setText("");
  }

  return (
    <form className="card reply-form" onSubmit={onSubmit}>
      <h2>Reply as a human</h2>
      <textarea
        aria-label="Reply to the customer"
        placeholder="Write to the customer"
        value={text}
        onChange={(e) => setText(e.target.value)}
      />
      <div className="controls">
        <button type="submit" className="primary" disabled={sending || text.trim() === ""}>
          {sending ? "Sending…" : "Send"}
        </button>
        {!takeover && <span className="muted">Sending takes the conversation over from the bot.</span>}
      </div>
      <ErrorText error={error} />
    </form>
  );
}
