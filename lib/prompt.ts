/**
 * Turns stored messages into the model's input: recent history as
 * alternating turns, then the whole burst, in the platform's order, as one
 * final user turn. Pure.
 */
import type { Attachment } from "../convex/validators";

export type PromptMessage = {
  author: "customer" | "agent" | "human";
  text: string;
  attachments: Attachment[];
  sentAt: number;
};

export type ModelTurn = { role: "user" | "assistant"; content: string };

/** "[photo: red shoes]" and friends: what the model sees of a non-text part. */
export function describeAttachment(attachment: Attachment): string {
  return attachment.caption ? `[${attachment.kind}: ${attachment.caption}]` : `[${attachment.kind}]`;
}

export function renderMessage(message: Pick<PromptMessage, "text" | "attachments">): string {
  return [...message.attachments.map(describeAttachment), message.text].filter((part) => part.length > 0).join(" ");
}

/** Platform order: send time, then arrival order (Telegram dates are whole seconds). */
export function inPlatformOrder<T extends { sentAt: number; receivedAt: number }>(messages: T[]): T[] {
  return [...messages].sort((a, b) => a.sentAt - b.sentAt || a.receivedAt - b.receivedAt);
}

export function buildTurns(history: PromptMessage[], burst: PromptMessage[]): ModelTurn[] {
  const turns: ModelTurn[] = [];
  const push = (role: ModelTurn["role"], content: string) => {
    if (content.length === 0) return;
    const last = turns[turns.length - 1];
    if (last?.role === role) last.content += `\n${content}`;
    else turns.push({ role, content });
  };
  for (const message of history) {
    const text = renderMessage(message);
    push(message.author === "customer" ? "user" : "assistant", message.author === "human" ? `(a human colleague wrote) ${text}` : text);
  }
  // The model's input must start with the customer.
  while (turns[0]?.role === "assistant") turns.shift();
  push("user", burst.map(renderMessage).join("\n"));
  return turns;
}
