"use client";

import { useAction, usePaginatedQuery, useQuery } from "convex/react";
import { ConvexError } from "convex/values";
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from "react";
import { api } from "@/convex/_generated/api";
import type { Id } from "@/convex/_generated/dataModel";
import { formatTime, operatorTimeZone, zoneLabel } from "../format";
import { MessageLabels, MessageLabelsToggle } from "../lifecycle/MessageLabels";

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

type ArchivedItem = { id: string; author: string; text: string; status: string; at: number; archived: true };
/** Archived history shown so far (oldest first) and where the next older page ends; cursor undefined = not asked yet. */
type ArchivedState = { items: ArchivedItem[]; cursor: string | null | undefined; loading: boolean; error: string | null };
const NOT_ASKED: ArchivedState = { items: [], cursor: undefined, loading: false, error: null };

function authorLabel(author: string, customerName: string) {
  return author === "customer" ? customerName : (AUTHOR_LABELS[author as keyof typeof AUTHOR_LABELS] ?? author);
}

/**
 * The chat: bubbles oldest to newest, newest at the bottom. Pages load
 * newest first; scrolling near the top loads the next older page and keeps
 * the bubble under the reader's eye in place. New messages scroll into view
 * only when the reader is already at the bottom. Past the oldest hot message
 * of a conversation with archived history, "Show archived history" reads the
 * archive page by page (lifecycle/history:archivedPage), without restoring it.
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
  const archives = useQuery(api.lifecycle.archive.archivesOf, { conversationId });
  const hasArchived = archives?.some((a) => a.status === "archived") ?? false;
  const readArchived = useAction(api.lifecycle.history.archivedPage);
  const [archived, setArchived] = useState<ArchivedState>(NOT_ASKED);
  // The one message whose labels are open (few at a time keeps the chat calm and the reads small).
  const [labelsOf, setLabelsOf] = useState<Id<"messages"> | null>(null);
  // Another conversation, or the history was restored (its messages are hot again): start over.
  useEffect(() => setArchived(NOT_ASKED), [conversationId, hasArchived]);
  const moreArchived = archived.cursor === undefined || archived.cursor !== null;

  const loadArchived = useCallback(() => {
    if (archived.loading || archived.cursor === null) return;
    const el = scroller.current;
    setArchived((s) => ({ ...s, loading: true, error: null }));
    readArchived({ conversationId, cursor: archived.cursor ?? null }).then(
      (page) => {
        if (el) heightBeforeOlder.current = el.scrollHeight;
        setArchived((s) => ({ items: [...page.items, ...s.items], cursor: page.nextCursor, loading: false, error: null }));
      },
      (error: unknown) => {
        const message = error instanceof ConvexError ? `${(error.data as { code: string; message: string }).message} (${(error.data as { code: string }).code})` : "The archived history could not be read; try again";
        setArchived((s) => ({ ...s, loading: false, error: message }));
      },
    );
  }, [archived.loading, archived.cursor, conversationId, readArchived]);

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
  }, [newestId, oldestId, archived.items.length]);

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
    if (el.scrollTop < LOAD_OLDER_WITHIN_PX && status === "Exhausted" && archived.cursor) loadArchived();
  }

  const showArchivedEdge = status === "Exhausted" && hasArchived;

  return (
    <div className="chat-scroll" ref={scroller} onScroll={onScroll} tabIndex={0} aria-label="Messages, oldest first">
      <p className="muted chat-edge" role="status">
        {status === "Exhausted"
          ? showArchivedEdge
            ? moreArchived
              ? "Older messages are archived"
              : "Start of the conversation (archived history shown)"
            : "Start of the conversation"
          : status === "LoadingFirstPage"
            ? "Loading messages…"
            : status === "LoadingMore"
              ? "Loading older messages…"
              : "Scroll up for older messages"}
        {` · times in your zone (${zoneLabel(operatorTimeZone())})`}
      </p>
      {showArchivedEdge && moreArchived && (
        <p className="chat-edge">
          <button type="button" onClick={loadArchived} disabled={archived.loading}>
            {archived.loading ? "Reading the archive…" : archived.cursor === undefined ? "Show archived history" : "Show older archived messages"}
          </button>
        </p>
      )}
      {archived.error && (
        <p className="error-text" role="alert">
          Could not show the archived history: {archived.error}
        </p>
      )}
      {status === "Exhausted" && results.length === 0 && archived.items.length === 0 && <p className="muted">No messages.</p>}
      {hasArchived && archived.items.length > 0 && (
        <ol className="chat-list archived" aria-label="Archived messages">
          {archived.items.map((message) => (
            <li key={`archived-${message.id}`} className={`chat-bubble ${message.author === "customer" ? "in" : "out"} ${message.author} archived`} data-author={message.author} data-archived="true">
              <div className="chat-meta">
                <strong>{authorLabel(message.author, customerName)}</strong>{" "}
                <time dateTime={new Date(message.at).toISOString()}>{formatTime(message.at)}</time>
                <span className="chat-status archived"> · archived</span>
              </div>
              {message.text && <div className="chat-text">{message.text}</div>}
            </li>
          ))}
        </ol>
      )}
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
                <MessageLabelsToggle messageId={message.id} open={labelsOf === message.id} onToggle={() => setLabelsOf(labelsOf === message.id ? null : message.id)} />
              </div>
              {message.text && <div className="chat-text">{message.text}</div>}
              {message.attachments.map((a, i) => (
                <div key={i} className="muted">
                  [{a.kind}
                  {a.caption ? `: ${a.caption}` : ""}]
                </div>
              ))}
              {message.error && <div className="error-text">{message.error}</div>}
              {labelsOf === message.id && <MessageLabels messageId={message.id} />}
            </li>
          );
        })}
      </ol>
    </div>
  );
}
