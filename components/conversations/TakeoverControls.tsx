"use client";

import { useMutation } from "convex/react";
import { useState } from "react";
import { api } from "@/convex/_generated/api";
import type { Id } from "@/convex/_generated/dataModel";
import { ErrorText } from "../ErrorText";
import { useOperatorAction } from "../useOperatorAction";

/** The operator's two levers: take the conversation from the bot, or answer the waiting burst now. */
export function TakeoverControls({
  conversationId,
  takeover,
  takeoverReason,
  buffering,
  pendingCount,
}: {
  conversationId: Id<"conversations">;
  takeover: boolean;
  takeoverReason: string | undefined;
  buffering: boolean;
  pendingCount: number;
}) {
  const setTakeover = useMutation(api.conversations.setTakeover);
  const flushNow = useMutation(api.conversations.flushNow);
  const action = useOperatorAction();
  const { error } = action;
  const busy = action.busy !== null;
  // The switch shows the operator's choice at once; Convex resolves the
  // mutation only after the conversation query reflects it.
  const [requested, setRequested] = useState<boolean | null>(null);

  async function run(mutation: () => Promise<unknown>) {
    await action.run("run", mutation);
    setRequested(null);
  }

  return (
    <div className="card">
      <div className="controls">
        <label className="switch">
          <input
            type="checkbox"
            checked={requested ?? takeover}
            disabled={busy}
            onChange={(e) => {
              const value = e.target.checked;
              setRequested(value);
              void run(() => setTakeover({ conversationId, takeover: value }));
            }}
          />
          Human takeover
        </label>
        <span className="muted">
          {takeover
            ? `${takeoverReason ?? "Taken over"}: the bot is paused here.`
            : "The bot answers this conversation."}
        </span>
        {buffering && !takeover && (
          <button
            type="button"
            className="primary"
            disabled={busy}
            onClick={() => void run(() => flushNow({ conversationId }))}
          >
            Answer now ({pendingCount} waiting)
          </button>
        )}
      </div>
      <ErrorText error={error} />
    </div>
  );
}
