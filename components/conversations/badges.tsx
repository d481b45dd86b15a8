import { formatTime } from "../format";

const STATE_LABELS = { idle: "idle", buffering: "buffering", processing: "answering" } as const;

export function StateBadge({ state }: { state: keyof typeof STATE_LABELS }) {
  return <span className={`badge ${state}`}>{STATE_LABELS[state]}</span>;
}

export function ConversationFlags({
  takeover,
  needsHuman,
}: {
  takeover: boolean;
  needsHuman: { reason: string; since: number } | undefined;
}) {
  return (
    <>
      {needsHuman && (
        <span className="badge danger" title={`${needsHuman.reason} (since ${formatTime(needsHuman.since)})`}>
          needs human
        </span>
      )}{" "}
      {takeover && <span className="badge violet">takeover</span>}
    </>
  );
}
