import type { FunctionReturnType } from "convex/server";
import type { api } from "@/convex/_generated/api";
import { formatTime } from "../format";

type Message = NonNullable<FunctionReturnType<typeof api.dashboard.conversation>>["messages"][number];

const AUTHOR_LABELS = { customer: "Customer", agent: "Agent", human: "Human operator" } as const;

const STATUS_TONE: Record<string, string> = {
  buffered: "warn",
  batched: "info",
  sending: "info",
  answered: "ok",
  sent: "ok",
  delivered: "ok",
  read: "ok",
  failed: "danger",
  send_failed: "danger",
  blocked: "danger",
};

export function MessageTimeline({ messages, olderHidden }: { messages: Message[]; olderHidden: boolean }) {
  if (messages.length === 0) return <p className="muted">No messages.</p>;
  return (
    <ol className="timeline timeline-list" aria-label="Messages">
      {olderHidden && <li className="muted">Older messages are not shown.</li>}
      {messages.map((message) => (
        <li key={message.id} className={`message ${message.author}`}>
          <div className="message-meta">
            <strong>{AUTHOR_LABELS[message.author]}</strong>
            <span>{formatTime(message.sentAt)}</span>
            <span className={`badge ${STATUS_TONE[message.status] ?? ""}`}>{message.status.replace("_", " ")}</span>
            {message.editedAt !== undefined && <span>edited {formatTime(message.editedAt)}</span>}
          </div>
          {message.text && <div className="message-text">{message.text}</div>}
          {message.attachments.map((a, i) => (
            <div key={i} className="muted">
              [{a.kind}
              {a.caption ? `: ${a.caption}` : ""}]
            </div>
          ))}
          {message.error && <div className="error-text">{message.error}</div>}
        </li>
      ))}
    </ol>
  );
}
