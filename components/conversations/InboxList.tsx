"use client";

import { useMutation, usePaginatedQuery, useQuery } from "convex/react";
import type { FunctionReturnType } from "convex/server";
import Link from "next/link";
import { useSearchParams } from "next/navigation";
import { useDeferredValue, useMemo, useState } from "react";
import { api } from "@/convex/_generated/api";
import type { Id } from "@/convex/_generated/dataModel";
import type { Channel } from "@/convex/validators";
import { describeEventFilter, parseEventFilter, type EventFilter } from "@/lib/analytics/links";
import {
  compareInboxRows,
  INBOX_STATUS_LABELS,
  LIFECYCLE_STATUS_LABELS,
  shortDuration,
  unreadLabel,
  type InboxStatus,
} from "@/lib/inbox";
import { ErrorText } from "../ErrorText";
import { useOperatorAction } from "../useOperatorAction";
import { LoadMoreFooter } from "../tableParts";
import { channelLabel, formatTime, operatorTimeZone, relativeTime, zoneLabel } from "../format";
import { useNow } from "../useNow";
import { NotifyToggle } from "./NotifyToggle";
import { StatusBadge } from "./badges";

type Row = FunctionReturnType<typeof api.dashboard.conversations>["page"][number];

const PAGE_SIZE = 20;
export const CHANNELS: Channel[] = ["web", "telegram", "messenger", "instagram", "whatsapp"];
const AUTHOR = { customer: "", agent: "Bot", human: "You" } as const;

/** Open (the default: what is still going on), needs a human, resolved, or everything. */
type Tab = "open" | "needs_human" | "resolved" | "all";
/** Whose: everyone's, the signed-in operator's, or nobody's. */
type Owner = "all" | "me" | "unassigned";

/**
 * The inbox, or, when the URL carries a chart's filter (a link from
 * /analytics, lib/analytics/links.ts), the conversations behind that number.
 */
export function InboxList() {
  const params = useSearchParams();
  const filter = useMemo(() => parseEventFilter(new URLSearchParams(params.toString())), [params]);
  return filter ? <EventConversations key={params.toString()} filter={filter} /> : <Inbox />;
}

/**
 * The inbox: who is waiting, longest first. Pages come from the server
 * newest-activity first; the loaded rows are ordered needs-a-human, then
 * longest waiting, then newest. Typing in the search box searches every
 * contact and message on the server instead.
 */
function Inbox() {
  const [tab, setTab] = useState<Tab>("open");
  const [owner, setOwner] = useState<Owner>("all");
  const ownerCounts = useQuery(api.dashboard.assignmentTabCounts, {});
  const [channel, setChannel] = useState<Channel | "">("");
  const [status, setStatus] = useState<InboxStatus | "">("");
  const [tag, setTag] = useState("");
  const [assignee, setAssignee] = useState<"" | "me" | "unassigned" | Id<"users">>("");
  const operators = useQuery(api.inbox.operators, {});
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const [text, setText] = useState("");
  const search = useDeferredValue(text.trim());
  const counts = useQuery(api.dashboard.counts, {});
  const filters = {
    channel: channel || undefined,
    status: status || undefined,
    tag: tag.trim() || undefined,
    assignee: assignee || undefined,
    from: from ? new Date(`${from}T00:00`).getTime() : undefined,
    to: to ? new Date(`${to}T23:59:59.999`).getTime() : undefined,
  };

  return (
    <>
      <div className="tabs" role="tablist" aria-label="Which conversations">
        <TabButton current={tab} value="open" onSelect={setTab}>
          Open
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
        <TabButton current={tab} value="resolved" onSelect={setTab}>
          Resolved
        </TabButton>
        <TabButton current={tab} value="all" onSelect={setTab}>
          All
        </TabButton>
        <NotifyToggle />
      </div>
      <div className="tabs owner-tabs" role="tablist" aria-label="Whose conversations">
        {(
          [
            ["all", "Everyone", undefined],
            ["me", "Mine", ownerCounts?.mine],
            ["unassigned", "Unassigned", ownerCounts?.unassigned],
          ] as const
        ).map(([value, label, count]) => (
          <button key={value} type="button" role="tab" aria-selected={owner === value} onClick={() => setOwner(value)}>
            {label}
            {count && (
              <span className="count" title="Open conversations">
                {count.count}
                {count.more ? "+" : ""}
              </span>
            )}
          </button>
        ))}
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
              Assignee
              <select value={assignee} onChange={(e) => setAssignee(e.target.value as typeof assignee)}>
                <option value="">Anyone</option>
                <option value="me">Me</option>
                <option value="unassigned">Nobody</option>
                {operators
                  ?.filter((o) => !o.me)
                  .map((o) => (
                    <option key={o.id} value={o.id}>
                      {o.name}
                    </option>
                  ))}
              </select>
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
        <ConversationCards key={`${tab}:${owner}:${channel}`} channel={filters.channel} tab={tab} owner={owner} />
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

function ConversationCards({ channel, tab, owner }: { channel: Channel | undefined; tab: Tab; owner: Owner }) {
  const now = useNow();
  const { results, status, loadMore } = usePaginatedQuery(
    api.dashboard.conversations,
    {
      channel,
      needsHuman: tab === "needs_human" ? true : undefined,
      lifecycle: tab === "open" || tab === "resolved" ? tab : undefined,
      assignee: owner === "all" ? undefined : owner,
    },
    { initialNumItems: PAGE_SIZE },
  );
  const [selected, setSelected] = useState<ReadonlySet<Id<"conversations">>>(new Set());
  const rows = [...results].sort((a, b) =>
    compareInboxRows(
      { ...a, needsHumanSince: a.needsHuman?.since },
      { ...b, needsHumanSince: b.needsHuman?.since },
    ),
  );
  // Rows that left the view (resolved from the Open tab, say) leave the selection too.
  const chosen = rows.filter((r) => selected.has(r.id));
  const toggle = (id: Id<"conversations">, on: boolean) =>
    setSelected((before) => {
      const next = new Set(before);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });
  return (
    <>
      {rows.length === 0 ? (
        <div className="card empty">
          {status === "LoadingFirstPage" ? (
            <p className="muted">Loading conversations…</p>
          ) : owner === "me" ? (
            <p>Nothing here is assigned to you. Pausing the bot in a conversation nobody owns makes it yours.</p>
          ) : owner === "unassigned" ? (
            <p>Every conversation here has an owner.</p>
          ) : tab === "needs_human" ? (
            <p>Nobody needs a human right now.</p>
          ) : tab === "resolved" ? (
            <p>No resolved conversations{channel ? ` on ${channelLabel(channel)}` : ""}.</p>
          ) : tab === "open" && !channel ? (
            <p>
              Nothing open. Resolved conversations are under <strong>Resolved</strong>; a customer writing again reopens
              theirs. New here? Connect a channel (see the README) or write to the bot in the{" "}
              <Link href="/playground">Playground</Link>.
            </p>
          ) : channel ? (
            <p>No conversations on {channelLabel(channel)} here.</p>
          ) : (
            <p>
              No conversations yet. Connect a channel (see the README) or write to the bot in the{" "}
              <Link href="/playground">Playground</Link>.
            </p>
          )}
        </div>
      ) : (
        <>
          <BatchBar rows={rows} chosen={chosen} onSelect={(ids) => setSelected(new Set(ids))} />
          <ul className="inbox" aria-label="Conversations">
            {rows.map((row) => (
              <InboxCard key={row.id} row={row} now={now} selected={selected.has(row.id)} onSelect={toggle} />
            ))}
          </ul>
        </>
      )}
      <LoadMoreFooter loaded={results.length} status={status} onLoadMore={() => loadMore(PAGE_SIZE)} />
      <p className="muted small">
        Times in your zone ({zoneLabel(operatorTimeZone())}). Waiting counts from the customer&apos;s first unanswered
        message; unread counts their messages since you last opened the conversation.
      </p>
    </>
  );
}

/**
 * Select several rows, then mark them read, resolve or reopen them at once
 * (the lifecycle's batch mutations: all or nothing, at most a page).
 */
function BatchBar({
  rows,
  chosen,
  onSelect,
}: {
  rows: Row[];
  chosen: Row[];
  onSelect: (ids: Id<"conversations">[]) => void;
}) {
  const setStatus = useMutation(api.lifecycle.status.setConversationStatus);
  const markRead = useMutation(api.lifecycle.status.markConversationsRead);
  const assign = useMutation(api.inbox.assign);
  const operators = useQuery(api.inbox.operators, {});
  const me = operators?.find((o) => o.me);
  const action = useOperatorAction<"read" | "resolve" | "reopen" | "assign" | "unassign">();
  const [done, setDone] = useState<string | null>(null);
  const ids = chosen.map((r) => r.id);
  const all = chosen.length === rows.length;
  const run = (which: "read" | "resolve" | "reopen" | "assign" | "unassign", words: string, call: () => Promise<number>) =>
    void action
      .run(which, async () => {
        const changed = await call();
        setDone(`${words}: ${changed} of ${ids.length}`);
      })
      .then((ok) => ok && onSelect([]));
  return (
    <div className="batch-bar" role="group" aria-label="Selected conversations">
      <label className="batch-all">
        <input
          type="checkbox"
          checked={all && rows.length > 0}
          ref={(el) => {
            if (el) el.indeterminate = chosen.length > 0 && !all;
          }}
          onChange={(e) => onSelect(e.target.checked ? rows.map((r) => r.id) : [])}
        />
        {chosen.length === 0 ? "Select all shown" : `${chosen.length} selected`}
      </label>
      {chosen.length > 0 && (
        <>
          <button
            type="button"
            disabled={action.busy !== null}
            onClick={() =>
              run("read", "Marked read", () =>
                // Up to the newest message these rows showed: one that arrives meanwhile stays unread.
                markRead({ conversationIds: ids, upTo: Math.max(...chosen.map((r) => r.lastInboundAt)) }),
              )
            }
          >
            Mark read
          </button>
          {chosen.some((r) => r.lifecycle === "open") && (
            <button
              type="button"
              disabled={action.busy !== null}
              onClick={() => run("resolve", "Resolved", () => setStatus({ conversationIds: ids, status: "resolved" }))}
            >
              Resolve
            </button>
          )}
          {chosen.some((r) => r.lifecycle === "resolved") && (
            <button
              type="button"
              disabled={action.busy !== null}
              onClick={() => run("reopen", "Reopened", () => setStatus({ conversationIds: ids, status: "open" }))}
            >
              Reopen
            </button>
          )}
          {me && chosen.some((r) => !r.assignedToMe) && (
            <button
              type="button"
              disabled={action.busy !== null}
              onClick={() => run("assign", "Assigned to you", () => assign({ conversationIds: ids, assigneeId: me.id }))}
            >
              Assign to me
            </button>
          )}
          {chosen.some((r) => r.assigneeId !== undefined) && (
            <button
              type="button"
              disabled={action.busy !== null}
              onClick={() => run("unassign", "Unassigned", () => assign({ conversationIds: ids, assigneeId: null }))}
            >
              Unassign
            </button>
          )}
          <button type="button" className="link" onClick={() => onSelect([])}>
            Clear
          </button>
        </>
      )}
      <span className="muted" role="status">
        {chosen.length === 0 ? done : null}
      </span>
      <ErrorText error={action.error} />
    </div>
  );
}

function InboxCard({
  row,
  now,
  selected,
  onSelect,
  selectable = true,
}: {
  row: Row;
  now: number;
  selected: boolean;
  onSelect: (id: Id<"conversations">, on: boolean) => void;
  selectable?: boolean;
}) {
  const name = row.contactName ?? "Unnamed visitor";
  return (
    <li className="inbox-card" data-status={row.status} data-unread={row.unread} data-selected={selected}>
      {selectable && (
        <input
          type="checkbox"
          className="inbox-select"
          checked={selected}
          onChange={(e) => onSelect(row.id, e.target.checked)}
          aria-label={`Select ${name}`}
        />
      )}
      <Link href={`/conversations/${row.id}`} className="inbox-link">
        <span className="inbox-head">
          <strong className="inbox-name">{name}</strong>
          <span className="muted">{channelLabel(row.channel)}</span>
          <span className="inbox-end">
            {row.unread && (
              <span className="unread" data-testid="unread">
                {row.unreadCount !== undefined ? unreadLabel(row.unreadCount) : "new"}
                <span className="visually-hidden"> unread</span>
              </span>
            )}
            <time className="muted" dateTime={new Date(row.lastMessageAt).toISOString()} title={formatTime(row.lastMessageAt)}>
              {relativeTime(row.lastMessageAt, now)}
            </time>
          </span>
        </span>
        {/* The customer's own words tell rows apart; the bot's replies mostly read alike. */}
        <span className="inbox-line">{row.customerLine || <span className="muted">No messages yet</span>}</span>
        <span className="inbox-meta">
          <span className={`badge ${row.lifecycle === "resolved" ? "ok" : ""}`} data-testid="lifecycle">
            {LIFECYCLE_STATUS_LABELS[row.lifecycle]}
          </span>
          <StatusBadge status={row.status} />
          {row.waitingSince !== undefined && (
            <span className="waiting" data-testid="waiting">
              waiting {shortDuration(Math.max(0, now - row.waitingSince))}
            </span>
          )}
          {row.repliedBy && <span className="muted">{AUTHOR[row.repliedBy]} replied</span>}
          {row.assigneeId !== undefined && (
            <span className="assignee" data-testid="assignee">
              {row.assignedToMe ? "Yours" : `→ ${row.assigneeName ?? "an operator"}`}
            </span>
          )}
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

/** The conversations with an event matching a chart's filter, newest event first; each listed once. */
function EventConversations({ filter }: { filter: EventFilter & { label?: string } }) {
  const now = useNow();
  const { label, ...args } = filter;
  const { results, status, loadMore } = usePaginatedQuery(api.dashboard.eventConversations, args, { initialNumItems: PAGE_SIZE });
  const seen = new Set<Id<"conversations">>();
  const rows = results.filter((r) => !seen.has(r.id) && seen.add(r.id));
  const span = `${formatTime(filter.from)} – ${formatTime(filter.to)}`;
  return (
    <>
      <div className="notice" role="status" data-testid="event-filter">
        Conversations behind <strong>{label ?? describeEventFilter(filter)}</strong>, {span}.{" "}
        <Link href="/conversations">Show all conversations</Link>
      </div>
      {rows.length === 0 ? (
        <div className="card empty">
          <p className={status === "LoadingFirstPage" ? "muted" : undefined}>
            {status === "LoadingFirstPage"
              ? "Loading conversations…"
              : status === "CanLoadMore"
                ? "None among the latest events; load more to look further back."
                : "No conversation matches in this range (raw events older than the retention period are gone)."}
          </p>
        </div>
      ) : (
        <ul className="inbox" aria-label="Conversations">
          {rows.map((row) => (
            <InboxCard key={row.id} row={row} now={now} selected={false} onSelect={() => {}} selectable={false} />
          ))}
        </ul>
      )}
      <LoadMoreFooter loaded={rows.length} status={status} onLoadMore={() => loadMore(PAGE_SIZE)} />
    </>
  );
}

type Filters = {
  channel?: Channel;
  status?: InboxStatus;
  tag?: string;
  assignee?: "me" | "unassigned" | Id<"users">;
  from?: number;
  to?: number;
};

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
