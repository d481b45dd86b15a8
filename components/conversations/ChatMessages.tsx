"use client";

import { usePaginatedQuery } from "convex/react";
import { useEffect, useLayoutEffect, useRef } from "react";
import { api } from "@/convex/_generated/api";
import type { Id } from "@/convex/_generated/dataModel";
import { formatTime, operatorTimeZone, zoneLabel } from "../format";

const PAGE_SIZE = 30;
/** Start loading older messages this close (px) to the top of the scroll area. */
const LOAD_OLDER_WITHIN_PX = 120;

const AUTHOR_LABELS = { customer: "Customer", agent: "Bot", human: "You (operator)" } as const;
const STATUS_WORDS: Record<string, string> = {
  buffered: "waiting for the burst to end",
  batched: "with the bot",
  answered: "",
  failed: "the bot failed: needs a human",
  ignored: "",
  sending: "sending…",
  sent: "sent",
  delivered: "delivered",
  read: "read",
  send_failed: "not delivered",
  blocked: "not delivered: reply window closed",
};

/**
 * The chat: bubbles oldest to newest, newest at the bottom. Pages load
 * newest first; scrolling near the top loads the next older page and keeps
 * the bubble under the reader's eye in place. New messages scroll into view
 * only when the reader is already at the bottom.
 */
export function ChatMessages({ conversationId, customerName }: { conversationId: Id<"conversations">; customerName: string }) {
  const { results, status, loadMore } = usePaginatedQuery(
    api.dashboard.messages,
    { conversationId },
    { initialNumItems: PAGE_SIZE },
  );
  const scroller = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const heightBeforeOlder = useRef<number | null>(null);
  const messages = [...results].reverse();
  const newestId = results[0]?.id;
  const oldestId = results.at(-1)?.id;

  // Older page prepended: keep the reader's place. New message at the bottom: follow it if they were there.
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    if (heightBeforeOlder.current !== null) {
      el.scrollTop += el.scrollHeight - heightBeforeOlder.current;
      heightBeforeOlder.current = null;
    } else if (atBottom.current) {
      el.scrollTop = el.scrollHeight;
    }
  }, [newestId, oldestId]);

  // A short first page leaves nothing to scroll: keep loading until it can scroll or all is loaded.
  useEffect(() => {
    const el = scroller.current;
    if (el && status === "CanLoadMore" && el.scrollHeight <= el.clientHeight) {
      heightBeforeOlder.current = el.scrollHeight;
      loadMore(PAGE_SIZE);
    }
  }, [status, loadMore, results.length]);

  function onScroll() {
    const el = scroller.current;
    if (!el) return;
    atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
    if (el.scrollTop < LOAD_OLDER_WITHIN_PX && status === "CanLoadMore") {
      heightBeforeOlder.current = el.scrollHeight;
      loadMore(PAGE_SIZE);
    }
  }

  return (
    <div className="chat-scroll" ref={scroller} onScroll={onScroll} tabIndex={0} aria-label="Messages, oldest first">
      <p className="muted chat-edge" role="status">
        {status === "Exhausted"
          ? "Start of the conversation"
          : status === "LoadingFirstPage"
            ? "Loading messages…"
            : status === "LoadingMore"
              ? "Loading older messages…"
              : "Scroll up for older messages"}
        {` · times in your zone (${zoneLabel(operatorTimeZone())})`}
      </p>
      {status === "Exhausted" && results.length === 0 && <p className="muted">No messages.</p>}
      <ol className="chat-list" aria-label="Messages">
        {messages.map((message) => {
          const words = STATUS_WORDS[message.status] ?? message.status;
          return (
            <li
              key={message.id}
              id={`message-${message.id}`}
              className={`chat-bubble ${message.direction === "in" ? "in" : "out"} ${message.author}`}
              data-author={message.author}
            >
              <div className="chat-meta">
                <strong>{message.author === "customer" ? customerName : AUTHOR_LABELS[message.author]}</strong>{" "}
                <time dateTime={new Date(message.sentAt).toISOString()}>{formatTime(message.sentAt)}</time>
                {message.editedAt !== undefined && <span> · edited</span>}
                {message.status === "ignored" && message.author === "customer" && <span> · bot paused</span>}
                {words && <span className={`chat-status ${message.status}`}> · {words}</span>}
              </div>
              {message.text && <div className="chat-text">{message.text}</div>}
              {message.attachments.map((a, i) => (
                <div key={i} className="muted">
                  [{a.kind}
                  {a.caption ? `: ${a.caption}` : ""}]
                </div>
              ))}
              {message.error && <div className="error-text">{message.error}</div>}
            </li>
          );
        })}
      </ol>
    </div>
  );
}
