"use client";

import { useQuery } from "convex/react";
import Link from "next/link";
import { api } from "@/convex/_generated/api";
import { BatchTable } from "../BatchTable";
import { LifecyclePanel } from "../lifecycle/LifecyclePanel";
import { channelLabel, formatTime } from "../format";
import { ConversationFlags, StateBadge } from "./badges";
import { ContactTimeZone } from "./ContactTimeZone";
import { HumanReply } from "./HumanReply";
import { MessageTimeline } from "./MessageTimeline";
import { TakeoverControls } from "./TakeoverControls";

export function ConversationView({ id }: { id: string }) {
  const detail = useQuery(api.dashboard.conversation, { conversationId: id });
  const batches = useQuery(api.dashboard.batches, detail ? { conversationId: detail.id } : "skip");

  if (detail === undefined) return <p className="muted">Loading conversation…</p>;
  if (detail === null) {
    return (
      <div className="notice warn">
        This conversation does not exist (or was deleted). <Link href="/conversations">Back to conversations</Link>
      </div>
    );
  }
  return (
    <>
      <div className="page-header">
        <div>
          <p className="subtitle">
            <Link href="/conversations">← Conversations</Link>
          </p>
          <h1>{detail.contactName ?? "Unnamed visitor"}</h1>
          <p className="subtitle">
            {channelLabel(detail.channel)} · chat {detail.chatId} · last message {formatTime(detail.lastMessageAt)} ·{" "}
            <StateBadge state={detail.state} />{" "}
            <ConversationFlags takeover={detail.takeover} needsHuman={detail.needsHuman} />
          </p>
        </div>
      </div>
      {detail.needsHuman && (
        <div className="notice danger" role="alert">
          <strong>Needs a human:</strong> {detail.needsHuman.reason} (since {formatTime(detail.needsHuman.since)}).{" "}
          {detail.takeover
            ? "Ending the takeover when you are done clears this flag."
            : "Take over to answer yourself; ending the takeover afterwards clears this flag."}
        </div>
      )}
      <div className="conversation">
        <section aria-label="Timeline">
          <MessageTimeline messages={detail.messages} olderHidden={detail.olderMessagesHidden} />
        </section>
        <div className="timeline">
          <TakeoverControls
            conversationId={detail.id}
            takeover={detail.takeover}
            takeoverReason={detail.takeoverReason}
            buffering={detail.state === "buffering"}
            pendingCount={detail.pendingCount}
          />
          <HumanReply conversationId={detail.id} takeover={detail.takeover} />
          <LifecyclePanel conversationId={detail.id} />
          <ContactTimeZone
            conversationId={detail.id}
            contactTimeZone={detail.contactTimeZone}
            businessTimeZone={detail.businessTimeZone}
          />
          <section className="card" aria-label="Batches">
            <h2>Batches</h2>
            <BatchTable rows={batches} />
          </section>
        </div>
      </div>
    </>
  );
}
