"use client";

import { useMutation } from "convex/react";
import { useState, type FormEvent } from "react";
import { api } from "@/convex/_generated/api";
import type { Id } from "@/convex/_generated/dataModel";
import { ErrorText } from "../ErrorText";
import { useOperatorAction } from "../useOperatorAction";

/**
 * The operator writes to the customer, at the bottom of the chat. Enter
 * sends, Shift+Enter starts a new line. Sending pauses the bot, so it does
 * not talk over the human.
 */
export function Composer({
  conversationId,
  takeover,
  disabledReason,
}: {
  conversationId: Id<"conversations">;
  takeover: boolean;
  disabledReason: string | undefined;
}) {
  const sendAsHuman = useMutation(api.conversations.sendAsHuman);
  const [text, setText] = useState("");
  const { busy, error, run } = useOperatorAction();
  const sending = busy !== null;

  async function send(event?: FormEvent) {
    event?.preventDefault();
    if (text.trim() === "" || sending) return;
    if (await run("run", () => sendAsHuman({ conversationId, text }))) setText("");
  }

  return (
    <form className="composer" onSubmit={send} aria-label="Reply">
      <textarea
        aria-label="Reply to the customer"
        placeholder={disabledReason ?? "Write to the customer (Enter sends, Shift+Enter for a new line)"}
        value={text}
        rows={2}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === "Enter" && !e.shiftKey && !e.nativeEvent.isComposing) {
            e.preventDefault();
            void send();
          }
        }}
      />
      <button type="submit" className="primary" disabled={sending || text.trim() === ""}>
        {sending ? "Sending…" : "Send"}
      </button>
      <div className="composer-note">
        {!takeover && <span className="muted">Sending pauses the bot for this conversation.</span>}
        <ErrorText error={error} />
      </div>
    </form>
  );
}
