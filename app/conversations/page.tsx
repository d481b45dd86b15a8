import type { Metadata } from "next";
import { Suspense } from "react";
import { BatchStats24h } from "@/components/analytics/BatchStats24h";
import { InboxList } from "@/components/conversations/InboxList";
import { ArchivedConversations } from "@/components/lifecycle/ArchivedConversations";

export const metadata: Metadata = { title: "Conversations · burstreply" };

export default function ConversationsPage() {
  return (
    <>
      <div className="page-header">
        <div>
          <h1>Conversations</h1>
          <p className="subtitle">Who is waiting, longest first. New messages appear as they arrive.</p>
          <BatchStats24h />
        </div>
      </div>
      {/* The list reads the URL (a chart's filter from /analytics). */}
      <Suspense>
        <InboxList />
      </Suspense>
      <ArchivedConversations />
    </>
  );
}
