"use client";

import { useMutation, useQuery } from "convex/react";
import { api } from "@/convex/_generated/api";
import type { Id } from "@/convex/_generated/dataModel";
import { ErrorText } from "../ErrorText";
import { useOperatorAction } from "../useOperatorAction";

/**
 * Who owns this conversation in the inbox: pick an operator (or nobody),
 * with "Assign to me" one click away. Pausing the bot in an unowned
 * conversation assigns it to whoever paused.
 */
export function AssignControl({
  conversationId,
  assigneeId,
}: {
  conversationId: Id<"conversations">;
  assigneeId: Id<"users"> | undefined;
}) {
  const operators = useQuery(api.inbox.operators, {});
  const assign = useMutation(api.inbox.assign);
  const action = useOperatorAction<"assign">();
  if (operators === undefined) return <p className="muted">Loading operators…</p>;
  const me = operators.find((o) => o.me);
  const current = operators.find((o) => o.id === assigneeId);
  const set = (id: Id<"users"> | null) => void action.run("assign", () => assign({ conversationIds: [conversationId], assigneeId: id }));
  return (
    <div className="assign">
      <p data-testid="assigned-to">
        {assigneeId === undefined ? (
          <span className="muted">Nobody owns this conversation.</span>
        ) : current?.me ? (
          <strong>Assigned to you</strong>
        ) : (
          <>
            Assigned to <strong>{current?.name ?? "a former operator"}</strong>
          </>
        )}
      </p>
      <div className="controls">
        <label>
          <span className="visually-hidden">Assign to</span>
          <select
            aria-label="Assign to"
            value={assigneeId ?? ""}
            disabled={action.busy !== null}
            onChange={(e) => set(e.target.value === "" ? null : (e.target.value as Id<"users">))}
          >
            <option value="">Nobody</option>
            {operators.map((o) => (
              <option key={o.id} value={o.id}>
                {o.me ? `${o.name} (you)` : o.name}
              </option>
            ))}
          </select>
        </label>
        {me && assigneeId !== me.id && (
          <button type="button" disabled={action.busy !== null} onClick={() => set(me.id)}>
            Assign to me
          </button>
        )}
      </div>
      <ErrorText error={action.error} />
    </div>
  );
}
