import { INBOX_STATUS_LABELS, type InboxStatus } from "@/lib/inbox";

const STATUS_TONE: Record<InboxStatus, string> = {
  needs_human: "danger",
  human: "violet",
  bot_answering: "info",
  bot_waiting: "info",
  waiting: "warn",
  answered: "",
};

/** The conversation's status in words, coloured by urgency. */
export function StatusBadge({ status }: { status: InboxStatus }) {
  return <span className={`badge ${STATUS_TONE[status]}`}>{INBOX_STATUS_LABELS[status]}</span>;
}
