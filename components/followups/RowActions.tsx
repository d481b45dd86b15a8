import { useMutation } from "convex/react";
import { api } from "@/convex/_generated/api";
import type { Id } from "@/convex/_generated/dataModel";
import { ErrorText } from "../ErrorText";
import { useOperatorAction } from "../useOperatorAction";

/**
 * A pending action's two operator levers. Both resolve once the list query
 * has the change, so the row leaves the Pending view (or shows "Sent now")
 * right after its button re-enables.
 */
export function RowActions({ actionId, label }: { actionId: Id<"scheduledActions">; label: string }) {
  const sendNow = useMutation(api.followups.sendNow);
  const cancel = useMutation(api.followups.cancel);
  const { busy, error, run } = useOperatorAction<"send" | "cancel">();

  return (
    <>
      <div className="row-actions">
        <button
          type="button"
          className="primary"
          aria-label={`Send now: ${label}`}
          disabled={busy !== null}
          onClick={() => void run("send", () => sendNow({ actionId }))}
        >
          {busy === "send" ? "Sending…" : "Send now"}
        </button>
        <button
          type="button"
          aria-label={`Cancel: ${label}`}
          disabled={busy !== null}
          onClick={() => void run("cancel", () => cancel({ actionId }))}
        >
          {busy === "cancel" ? "Cancelling…" : "Cancel"}
        </button>
      </div>
      <ErrorText error={error} />
    </>
  );
}
