"use client";

import { BatchStats24h } from "../analytics/BatchStats24h";
import { useQuery } from "convex/react";
import Link from "next/link";
import { useMemo } from "react";
import { api } from "@/convex/_generated/api";
import { BatchTable } from "../BatchTable";
import { formatDuration } from "../format";
import { ChatWindow } from "./ChatWindow";
import { useWebChatSession } from "./useWebChatSession";

/** The customer's chat on the left, the batches it formed on the right. */
export function Playground() {
  const { sessionId, newSession, error } = useWebChatSession();
  const thread = useQuery(api.webchat.thread, sessionId ? { sessionId } : "skip");
  const conversationId = thread?.conversationId ?? null;
  const batches = useQuery(api.dashboard.batches, conversationId ? { conversationId } : "skip");
  const offlineReplies = useMemo(
    () =>
      new Set(
        (batches ?? []).flatMap((b) => (b.responder === "offline" && b.replyMessageId ? [b.replyMessageId] : [])),
      ),
    [batches],
  );

  return (
    <>
      <div className="page-header">
        <div>
          <h1>Playground</h1>
          <p className="subtitle">Write as a customer would: several short messages in a row get one answer.</p>
          <BatchStats24h />
        </div>
        <button type="button" onClick={() => void newSession()}>
          New session
        </button>
      </div>
      {error && (
        <div className="notice danger" role="alert">
          Could not start a chat session: {error}
        </div>
      )}
      <div className="playground">
        {sessionId ? (
          <ChatWindow sessionId={sessionId} thread={thread} offlineReplies={offlineReplies} />
        ) : (
          <p className="muted">Starting a chat session…</p>
        )}
        <section className="card" aria-label="Batches for this conversation">
          <h2>Batches for this conversation</h2>
          <BatchingSummary />
          {conversationId ? (
            <BatchTable rows={batches} />
          ) : (
            <p className="muted">Nothing yet: send a message to start the conversation.</p>
          )}
          {conversationId && (
            <p>
              <Link href={`/conversations/${conversationId}`}>Open this conversation in the dashboard →</Link>
            </p>
          )}
        </section>
      </div>
    </>
  );
}

/** The settings that shape a batch, so a change on the Settings page is visible here. */
function BatchingSummary() {
  const current = useQuery(api.settings.get, {});
  if (!current) return null;
  const { batchWindowMs, maxBatchMessages, maxBatchWaitMs } = current.settings;
  return (
    <p className="muted">
      Window {formatDuration(batchWindowMs)} after the latest message · at most {maxBatchMessages} messages · at most{" "}
      {formatDuration(maxBatchWaitMs)} from the first. <Link href="/settings">Change</Link>
    </p>
  );
}
