import { useMutation } from "convex/react";
import { api } from "@/convex/_generated/api";
import type { Id } from "@/convex/_generated/dataModel";
import { ConfirmButton } from "../ConfirmButton";
import { ErrorText } from "../ErrorText";
import { Reschedule } from "./Reschedule";
import { useOperatorAction } from "../useOperatorAction";

/**
 * A pending action's two operator levers, each asking before it acts (a
 * message cannot be unsent). Both resolve once the list query
 * has the change, so the row leaves the Pending view (or shows "Sent now")
 * right after its button re-enables.
 */
export function RowActions({
  actionId,
  label,
  dueAt,
}: {
  actionId: Id<"scheduledActions">;
  label: string;
  dueAt: number;
}) {
  const sendNow = useMutation(api.followups.sendNow);
  const cancel = useMutation(api.followups.cancel);
  const { busy, error, run } = useOperatorAction<"send" | "cancel">();

  return (
    <>
      <div className="row-actions">
        <ConfirmButton
          label={busy === "send" ? "Sending…" : "Send now"}
          ariaLabel={`Send now: ${label}`}
          question="Send it to the customer now?"
          confirmLabel="Yes, send now"
          disabled={busy !== null}
          onConfirm={() => void run("send", () => sendNow({ actionId }))}
        />
        <ConfirmButton
          label={busy === "cancel" ? "Cancelling…" : "Cancel"}
          ariaLabel={`Cancel: ${label}`}
          question="Cancel it? It will not be sent."
          confirmLabel="Yes, cancel it"
          tone="danger"
          disabled={busy !== null}
          onConfirm={() => void run("cancel", () => cancel({ actionId }))}
        />
        <Reschedule actionId={actionId} dueAt={dueAt} label={label} />
      </div>
      <ErrorText error={error} />
    </>
  );
}
