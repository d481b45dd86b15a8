import type { FunctionReturnType } from "convex/server";
import type { api } from "@/convex/_generated/api";

type Action = FunctionReturnType<typeof api.followups.list>["page"][number];
export type ActionStatus = Action["status"];

export const STATUSES: ActionStatus[] = ["pending", "sent", "cancelled", "failed", "blocked"];

/** Colours shared with the other badges (globals.css); a cancelled one is neutral grey. */
const STATUS_TONE: Record<ActionStatus, string> = {
  pending: "info",
  sent: "ok",
  cancelled: "",
  failed: "danger",
  blocked: "warn",
};

const KIND_LABELS: Record<Action["kind"], string> = { followup: "Follow-up", meeting_reminder: "Meeting reminder" };

export function statusLabel(status: ActionStatus): string {
  return status[0]!.toUpperCase() + status.slice(1);
}

export function kindLabel(kind: Action["kind"]): string {
  return KIND_LABELS[kind];
}

export function StatusBadge({ status }: { status: ActionStatus }) {
  return <span className={`badge ${STATUS_TONE[status]}`}>{status}</span>;
}
