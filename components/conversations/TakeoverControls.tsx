"use client";

import { useMutation } from "convex/react";
import { api } from "@/convex/_generated/api";
import type { Id } from "@/convex/_generated/dataModel";
import { ErrorText } from "../ErrorText";
import { humanDuration } from "../format";
import { useOperatorAction } from "../useOperatorAction";

/** The operator's levers: pause the bot, hand the conversation back, or answer the waiting burst now. */
export function TakeoverControls({
  conversationId,
  takeover,
  needsHuman,
  buffering,
  pendingCount,
  takeoverIdleResumeMs,
}: {
  conversationId: Id<"conversations">;
  takeover: boolean;
  needsHuman: boolean;
  buffering: boolean;
  pendingCount: number;
  takeoverIdleResumeMs: number;
}) {
  const setTakeover = useMutation(api.conversations.setTakeover);
  const flushNow = useMutation(api.conversations.flushNow);
  const { busy, error, run } = useOperatorAction<"pause" | "resume" | "answer">();

  return (
    <div className="takeover">
      <div className="controls">
        {takeover ? (
          <button
            type="button"
            // While a human is needed, answering is the main thing; handing back is not.
            className={needsHuman ? undefined : "primary"}
            disabled={busy !== null}
            onClick={() => void run("resume", () => setTakeover({ conversationId, takeover: false }))}
          >
            {busy === "resume" ? "Handing back…" : "Hand back to the bot"}
          </button>
        ) : (
          <button
            type="button"
            disabled={busy !== null}
            onClick={() => void run("pause", () => setTakeover({ conversationId, takeover: true }))}
          >
            {busy === "pause" ? "Pausing…" : "Pause the bot"}
          </button>
        )}
        {buffering && !takeover && (
          <button
            type="button"
            className="primary"
            disabled={busy !== null}
            onClick={() => void run("answer", () => flushNow({ conversationId }))}
          >
            Answer now ({pendingCount} waiting)
          </button>
        )}
      </div>
      <p className="muted small" role="status">
        {takeover
          ? needsHuman
            ? "The bot is paused and stays paused until you hand back: this conversation needs a human."
            : takeoverIdleResumeMs > 0
              ? `The bot is paused; it resumes by itself after ${humanDuration(takeoverIdleResumeMs)} of quiet.`
              : "The bot is paused until you hand back."
          : "The bot answers this conversation."}
      </p>
      <ErrorText error={error} />
    </div>
  );
}
