"use client";

import { useMutation, useQuery } from "convex/react";
import Link from "next/link";
import { useEffect, useState } from "react";
import { api } from "@/convex/_generated/api";
import type { Id } from "@/convex/_generated/dataModel";
import { replyProblem } from "@/lib/inbox";
import { replyWindow } from "@/lib/channels/window";
import { BatchTable } from "../BatchTable";
import { channelLabel, formatTime, formatTimeIn, operatorTimeZone, zoneLabel } from "../format";
import { useNow } from "../useNow";
import { StatusBadge } from "./badges";
import { ChatMessages } from "./ChatMessages";
import { Composer } from "./Composer";
import { LifecyclePanel, StatusAction, StatusWords } from "../lifecycle/LifecyclePanel";
import { MetadataCard } from "../lifecycle/MetadataCard";
import { AssignControl } from "./AssignControl";
import { ContactTimeZone } from "./ContactTimeZone";
import { Plans } from "./Plans";
import { TagsEditor } from "./TagsEditor";
import { TakeoverControls } from "./TakeoverControls";

type Detail = NonNullable<ReturnType<typeof useConversation>>;
function useConversation(id: string) {
  return useQuery(api.dashboard.conversation, { conversationId: id });
}

/**
 * One conversation as a chat: header with the operator's levers, a banner
 * when something needs attention, the messages with the composer at the
 * bottom, and a side panel (a sheet on phones) with the contact, tags,
 * plans and how the bot answered.
 */
export function ConversationView({ id }: { id: string }) {
  const detail = useConversation(id);
  const [panelOpen, setPanelOpen] = useState(false);
  const name = detail?.contactName ?? "Unnamed visitor";
  useEffect(() => {
    if (detail) document.title = `${name} · Conversations · burstreply`;
  }, [detail, name]);
  useMarkRead(detail?.id, detail?.lastInboundAt);

  if (detail === undefined) return <p className="muted">Loading conversation…</p>;
  if (detail === null) {
    return (
      <div className="notice warn">
        This conversation does not exist (or was deleted). <Link href="/conversations">Back to conversations</Link>
      </div>
    );
  }
  const status = detail.status;
  return (
    <div className="conv">
      <header className="conv-header">
        <Link href="/conversations" className="back">
          ← <span className="back-text">Conversations</span>
        </Link>
        <div className="conv-title">
          <h1>{name}</h1>
          <p className="subtitle">
            {channelLabel(detail.channel)} · <StatusBadge status={status} /> <StatusWords conversationId={detail.id} />
          </p>
        </div>
        <StatusAction conversationId={detail.id} />
        <button
          type="button"
          className="panel-toggle"
          aria-expanded={panelOpen}
          aria-controls="conv-panel"
          onClick={() => setPanelOpen(true)}
        >
          Details
        </button>
      </header>
      <Banner detail={detail} />
      <div className="conv-body">
        <section className="conv-chat" aria-label="Chat">
          <TakeoverControls
            conversationId={detail.id}
            takeover={detail.takeover}
            needsHuman={detail.needsHuman !== undefined}
            buffering={detail.state === "buffering"}
            pendingCount={detail.pendingCount}
            takeoverIdleResumeMs={detail.takeoverIdleResumeMs}
          />
          <ChatMessages conversationId={detail.id} customerName={name} />
          <Composer
            conversationId={detail.id}
            takeover={detail.takeover}
            disabledReason={
              replyProblem(detail.lastReply) === "blocked_by_customer"
                ? "The customer blocked the bot: messages will not arrive"
                : undefined
            }
          />
        </section>
        <SidePanel detail={detail} open={panelOpen} onClose={() => setPanelOpen(false)} />
      </div>
    </div>
  );
}

function Banner({ detail }: { detail: Detail }) {
  const now = useNow();
  const problem = replyProblem(detail.lastReply);
  const window = replyWindow(detail.channel, detail.lastInboundAt, now, true);
  const notices: { tone: "danger" | "warn"; text: React.ReactNode }[] = [];
  if (problem === "blocked_by_customer") {
    notices.push({
      tone: "danger",
      text: (
        <>
          <strong>The customer blocked the bot.</strong> Nothing sent here reaches them; taking over does not help.
          If they unblock it and write again, replies work again.
        </>
      ),
    });
  } else if (!window.open) {
    notices.push({
      tone: "warn",
      text: (
        <>
          <strong>Reply window closed.</strong> {window.reason} Messages sent now will not be delivered until the
          customer writes again.
        </>
      ),
    });
  } else if (problem === "failed") {
    notices.push({
      tone: "warn",
      text: (
        <>
          <strong>The last reply was not delivered:</strong> {detail.lastReply?.error ?? "unknown error"}
        </>
      ),
    });
  }
  if (detail.needsHuman) {
    notices.push({
      tone: "danger",
      text: (
        <>
          <strong>Needs a human:</strong> {detail.needsHuman.reason} (since {formatTime(detail.needsHuman.since)}).{" "}
          {problem === "blocked_by_customer"
            ? "Hand back to the bot to clear this flag; there is no way to reach the customer now."
            : detail.takeover
              ? "The bot is paused: answer below, then hand back to the bot, which clears this flag."
              : "Pause the bot and answer below; handing back afterwards clears this flag."}
        </>
      ),
    });
  }
  return (
    <>
      {notices.map((n, i) => (
        <div key={i} className={`notice ${n.tone}`} role={n.tone === "danger" ? "alert" : "status"}>
          {n.text}
        </div>
      ))}
    </>
  );
}

function SidePanel({ detail, open, onClose }: { detail: Detail; open: boolean; onClose: () => void }) {
  const now = useNow();
  const batches = useQuery(api.dashboard.batches, { conversationId: detail.id });
  const mine = operatorTimeZone();
  const zone = detail.contactTimeZone;
  const handles = [
    detail.contact.username ? `@${detail.contact.username}` : null,
    detail.channel === "web" ? null : `id ${detail.contact.externalId}`,
  ].filter(Boolean);

  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => e.key === "Escape" && onClose();
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [open, onClose]);

  return (
    <aside className="conv-panel" id="conv-panel" data-open={open} aria-label="Conversation details">
      <div className="panel-head">
        <h2>Details</h2>
        <button type="button" className="panel-close" onClick={onClose}>
          Close
        </button>
      </div>
      <section className="panel-section" aria-label="Assignment">
        <h3>Assignment</h3>
        <AssignControl conversationId={detail.id} assigneeId={detail.assigneeId} />
      </section>
      <MetadataCard conversationId={detail.id} />
      <section className="panel-section" aria-label="Contact">
        <h3>Contact</h3>
        <dl className="facts">
          <dt>Name</dt>
          <dd>{detail.contactName ?? "not given"}</dd>
          <dt>Channel</dt>
          <dd>
            {channelLabel(detail.channel)}
            {handles.length > 0 && <span className="muted"> · {handles.join(" · ")}</span>}
          </dd>
          <dt>Language</dt>
          <dd>{detail.contact.languageCode ? languageName(detail.contact.languageCode) : "unknown"}</dd>
          <dt>Local time</dt>
          <dd data-testid="customer-local-time">
            {zone ? formatTimeIn(now, zone) : <span className="muted">unknown (no time zone set)</span>}
          </dd>
          <dt>Last message</dt>
          <dd>
            {formatTime(detail.lastMessageAt)} <span className="muted">({zoneLabel(mine)})</span>
          </dd>
        </dl>
        <ContactTimeZone
          conversationId={detail.id}
          contactTimeZone={detail.contactTimeZone}
          businessTimeZone={detail.businessTimeZone}
        />
      </section>
      <section className="panel-section" aria-label="Tags">
        <h3>Tags</h3>
        <TagsEditor conversationId={detail.id} tags={detail.tags ?? []} />
      </section>
      <section className="panel-section" aria-label="Follow-ups and meetings">
        <h3>Follow-ups and meetings</h3>
        <Plans
          conversationId={detail.id}
          contactTimeZone={detail.contactTimeZone}
          businessTimeZone={detail.businessTimeZone}
        />
      </section>
      <details className="panel-section">
        <summary>
          How the bot answered
          {batches ? ` (${batches.length} ${batches.length === 1 ? "batch" : "batches"})` : ""}
        </summary>
        <BatchTable rows={batches} />
      </details>
      <LifecyclePanel conversationId={detail.id} />
    </aside>
  );
}

/**
 * Opening a conversation marks it read for this operator, up to the newest
 * customer message the page has shown; while it stays open and visible,
 * each new one is read as it arrives. A hidden tab marks nothing until it
 * is shown again.
 */
function useMarkRead(conversationId: Id<"conversations"> | undefined, lastInboundAt: number | undefined) {
  const markRead = useMutation(api.lifecycle.status.markConversationsRead);
  useEffect(() => {
    if (conversationId === undefined || lastInboundAt === undefined) return;
    const mark = () => {
      if (document.visibilityState !== "visible") return;
      markRead({ conversationIds: [conversationId], upTo: lastInboundAt }).catch((e: unknown) =>
        console.warn("Could not mark the conversation read", e),
      );
    };
    mark();
    document.addEventListener("visibilitychange", mark);
    return () => document.removeEventListener("visibilitychange", mark);
  }, [conversationId, lastInboundAt, markRead]);
}

function languageName(code: string): string {
  try {
    return new Intl.DisplayNames(["en"], { type: "language" }).of(code) ?? code;
  } catch {
    return code;
  }
}
