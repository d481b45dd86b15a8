"use client";

import { usePaginatedQuery, useQuery } from "convex/react";
import type { FunctionReturnType } from "convex/server";
import Link from "next/link";
import { useDeferredValue, useState } from "react";
import { api } from "@/convex/_generated/api";
import type { Channel } from "@/convex/validators";
import { compareInboxRows, INBOX_STATUS_LABELS, shortDuration, type InboxStatus } from "@/lib/inbox";
import { LoadMoreFooter } from "../tableParts";
import { channelLabel, formatTime, operatorTimeZone, relativeTime, zoneLabel } from "../format";
import { useNow } from "../useNow";
import { NotifyToggle } from "./NotifyToggle";
import { StatusBadge } from "./badges";

type Row = FunctionReturnType<typeof api.dashboard.conversations>["page"][number];

const PAGE_SIZE = 20;
export const CHANNELS: Channel[] = ["web", "telegram", "messenger", "instagram", "whatsapp"];
const AUTHOR = { customer: "", agent: "Bot", human: "You" } as const;

type Tab = "all" | "needs_human";

/**
 * The inbox: who is waiting, longest first. Pages come from the server
 * newest-activity first; the loaded rows are ordered needs-a-human, then
 * longest waiting, then newest. Typing in the search box searches every
 * contact and message on the server instead.
 */
export function InboxList() {
  const [tab, setTab] = useState<Tab>("all");
  const [channel, setChannel] = useState<Channel | "">("");
  const [status, setStatus] = useState<InboxStatus | "">("");
  const [tag, setTag] = useState("");
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const [text, setText] = useState("");
  const search = useDeferredValue(text.trim());
  const counts = useQuery(api.dashboard.counts, {});
  const filters = {
    channel: channel || undefined,
    status: status || undefined,
    tag: tag.trim() || undefined,
    from: from ? new Date(`${from}T00:00`).getTime() : undefined,
    to: to ? new Date(`${to}T23:59:59.999`).getTime() : undefined,
  };

  return (
    <>
      <div className="tabs" role="tablist" aria-label="Which conversations">
        <TabButton current={tab} value="all" onSelect={setTab}>
          All
        </TabButton>
        <TabButton current={tab} value="needs_human" onSelect={setTab}>
          Needs a human{" "}
          {counts && (
            <span className={`count ${counts.needsHuman > 0 ? "danger" : ""}`}>
              {counts.needsHuman}
              {counts.needsHumanMore ? "+" : ""}
            </span>
          )}
        </TabButton>
        <NotifyToggle />
      </div>
      <form className="toolbar" role="search" onSubmit={(e) => e.preventDefault()}>
        <input
          type="search"
          aria-label="Search contacts and messages"
          placeholder="Search every contact and message"
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
        <label>
          Channel
          <select value={channel} onChange={(e) => setChannel(e.target.value as Channel | "")}>
            <option value="">All channels</option>
            {CHANNELS.map((c) => (
              <option key={c} value={c}>
                {channelLabel(c)}
              </option>
            ))}
          </select>
        </label>
        {search !== "" && (
          <>
            <label>
              Status
              <select value={status} onChange={(e) => setStatus(e.target.value as InboxStatus | "")}>
                <option value="">Any status</option>
                {Object.entries(INBOX_STATUS_LABELS).map(([value, label]) => (
                  <option key={value} value={value}>
                    {label}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Tag
              <input value={tag} onChange={(e) => setTag(e.target.value)} placeholder="any" size={10} />
            </label>
            <label>
              From
              <input type="date" value={from} onChange={(e) => setFrom(e.target.value)} />
            </label>
            <label>
              To
              <input type="date" value={to} onChange={(e) => setTo(e.target.value)} />
            </label>
          </>
        )}
      </form>
      {search === "" ? (
        <ConversationCards channel={filters.channel} needsHuman={tab === "needs_human" ? true : undefined} />
      ) : (
        <SearchResults text={search} filters={filters} />
      )}
    </>
  );
}

function TabButton({
  current,
  value,
  onSelect,
  children,
}: {
  current: Tab;
  value: Tab;
  onSelect: (tab: Tab) => void;
  children: React.ReactNode;
}) {
  return (
    <button type="button" role="tab" aria-selected={current === value} onClick={() => onSelect(value)}>
      {children}
    </button>
  );
}

function ConversationCards({ channel, needsHuman }: { channel: Channel | undefined; needsHuman: true | undefined }) {
  const now = useNow();
  const { results, status, loadMore } = usePaginatedQuery(
    api.dashboard.conversations,
    { channel, needsHuman },
    { initialNumItems: PAGE_SIZE },
  );
  const rows = [...results].sort((a, b) =>
    compareInboxRows(
      { ...a, needsHumanSince: a.needsHuman?.since },
      { ...b, needsHumanSince: b.needsHuman?.since },
    ),
  );
  return (
    <>
      {rows.length === 0 ? (
        <div className="card empty">
          {status === "LoadingFirstPage" ? (
            <p className="muted">Loading conversations…</p>
          ) : needsHuman ? (
            <p>Nobody needs a human right now.</p>
          ) : (
            <p>
              No conversations yet. Connect a channel (see the README) or write to the bot in the{" "}
              <Link href="/playground">Playground</Link>.
            </p>
          )}
        </div>
      ) : (
        <ul className="inbox" aria-label="Conversations">
          {rows.map((row) => (
            <InboxCard key={row.id} row={row} now={now} />
          ))}
        </ul>
      )}
      <LoadMoreFooter loaded={results.length} status={status} onLoadMore={() => loadMore(PAGE_SIZE)} />
      <p className="muted small">
        Times in your zone ({zoneLabel(operatorTimeZone())}). Waiting counts from the customer&apos;s first unanswered
        message.
      </p>
    </>
  );
}

function InboxCard({ row, now }: { row: Row; now: number }) {
  const name = row.contactName ?? "Unnamed visitor";
  return (
    <li className="inbox-card" data-status={row.status}>
      <Link href={`/conversations/${row.id}`} className="inbox-link">
        <span className="inbox-head">
          <strong className="inbox-name">{name}</strong>
          <span className="muted">{channelLabel(row.channel)}</span>
          <time className="inbox-time muted" dateTime={new Date(row.lastMessageAt).toISOString()} title={formatTime(row.lastMessageAt)}>
            {relativeTime(row.lastMessageAt, now)}
          </time>
        </span>
        {/* The customer's own words tell rows apart; the bot's replies mostly read alike. */}
        <span className="inbox-line">{row.customerLine || <span className="muted">No messages yet</span>}</span>
        <span className="inbox-meta">
          <StatusBadge status={row.status} />
          {row.waitingSince !== undefined && (
            <span className="waiting" data-testid="waiting">
              waiting {shortDuration(Math.max(0, now - row.waitingSince))}
            </span>
          )}
          {row.repliedBy && <span className="muted">{AUTHOR[row.repliedBy]} replied</span>}
          {row.needsHuman && <span className="muted reason">{row.needsHuman.reason}</span>}
          {(row.tags ?? []).map((t) => (
            <span key={t} className="tag">
              {t}
            </span>
          ))}
        </span>
      </Link>
    </li>
  );
}

type Filters = { channel?: Channel; status?: InboxStatus; tag?: string; from?: number; to?: number };

function SearchResults({ text, filters }: { text: string; filters: Filters }) {
  const now = useNow();
  const contacts = useQuery(api.dashboard.contactSearch, { text, ...filters });
  const messages = usePaginatedQuery(
    api.dashboard.messageSearch,
    { text, ...filters },
    { initialNumItems: PAGE_SIZE },
  );
  return (
    <div className="search-results" aria-live="polite">
      <section aria-label="Matching contacts">
        <h2>Contacts</h2>
        {contacts === undefined ? (
          <p className="muted">Searching…</p>
        ) : contacts.length === 0 ? (
          <p className="muted">No contact is named like “{text}”.</p>
        ) : (
          <ul className="inbox">
            {contacts.map((c) => (
              <li key={c.conversationId} className="inbox-card">
                <Link href={`/conversations/${c.conversationId}`} className="inbox-link">
                  <span className="inbox-head">
                    <strong className="inbox-name">{c.contactName ?? "Unnamed visitor"}</strong>
                    {c.username && <span className="muted">@{c.username}</span>}
                    <span className="muted">{channelLabel(c.channel)}</span>
                    <span className="inbox-time muted">{relativeTime(c.lastMessageAt, now)}</span>
                  </span>
                  <span className="inbox-line">{c.preview}</span>
                </Link>
              </li>
            ))}
          </ul>
        )}
      </section>
      <section aria-label="Matching messages">
        <h2>Messages</h2>
        {messages.results.length === 0 ? (
          <p className="muted">
            {messages.status === "LoadingFirstPage" ? "Searching…" : `No message contains “${text}”.`}
          </p>
        ) : (
          <ul className="inbox">
            {messages.results.map((m) => (
              <li key={m.messageId} className="inbox-card">
                <Link href={`/conversations/${m.conversationId}#message-${m.messageId}`} className="inbox-link">
                  <span className="inbox-head">
                    <strong className="inbox-name">{m.contactName ?? "Unnamed visitor"}</strong>
                    <span className="muted">{channelLabel(m.channel)}</span>
                    <span className="inbox-time muted">{relativeTime(m.sentAt, now)}</span>
                  </span>
                  <span className="inbox-line">
                    {m.author !== "customer" && <span className="author">{AUTHOR[m.author]}: </span>}
                    {m.text}
                  </span>
                </Link>
              </li>
            ))}
          </ul>
        )}
        <LoadMoreFooter
          loaded={messages.results.length}
          status={messages.status}
          onLoadMore={() => messages.loadMore(PAGE_SIZE)}
        />
      </section>
    </div>
  );
}
