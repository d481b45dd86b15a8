import type { Metadata } from "next";
import { ConversationView } from "@/components/conversations/ConversationView";

export const metadata: Metadata = { title: "Conversation · burstreply" };

export default async function ConversationPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <ConversationView id={id} />;
}
