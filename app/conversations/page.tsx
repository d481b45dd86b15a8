import type { Metadata } from "next";
import { ConversationsTable } from "@/components/conversations/ConversationsTable";
import { ArchivedConversations } from "@/components/lifecycle/ArchivedConversations";

export const metadata: Metadata = { title: "Conversations · burstreply" };

export default function ConversationsPage() {
  return (
    <>
      <div className="page-header">
        <div>
          <h1>Conversations</h1>
          <p className="subtitle">Every chat on every channel, newest first. New messages appear as they arrive.</p>
        </div>
      </div>
      <ConversationsTable />
      <ArchivedConversations />
    </>
  );
}
