/**
 * Customers for the inbox browser tests and screenshots, written through
 * the public web chat API (the same path the Playground takes).
 */
import { ConvexHttpClient } from "convex/browser";
import { expect } from "vitest";
import { api } from "../../convex/_generated/api";

export type Customer = { sessionId: string; name: string | undefined };

let clientIds = 0;

/** A visitor (optionally named) writes `texts` in order; returns their session. */
export async function customerWrites(convex: ConvexHttpClient, name: string | undefined, texts: string[]) {
  const sessionId = await convex.mutation(api.webchat.startSession, {});
  await moreFrom(convex, { sessionId, name }, texts);
  return { sessionId, name };
}

export async function moreFrom(convex: ConvexHttpClient, customer: Customer, texts: string[]) {
  for (const text of texts) {
    await convex.mutation(api.webchat.send, {
      sessionId: customer.sessionId,
      clientMessageId: `seed-${++clientIds}`,
      text,
      name: customer.name,
    });
  }
}

export async function conversationOf(convex: ConvexHttpClient, customer: Customer) {
  const { conversationId } = await convex.query(api.webchat.thread, { sessionId: customer.sessionId });
  if (!conversationId) throw new Error(`session ${customer.sessionId} has no conversation`);
  return conversationId;
}

/** Lets one visitor write a long history quickly (the web chat refuses faster-than-human typing by default). */
export async function allowFastTyping(convex: ConvexHttpClient) {
  await convex.mutation(api.settings.update, { patch: { webChatMessagesPerMinute: 120 } });
}

/** The agent's answer: the batching window, then the model; room for a slow machine. */
export const REPLY_MS = 30_000;

/** Waits until the agent has answered this visitor at least once. */
export async function agentAnswered(convex: ConvexHttpClient, customer: Customer) {
  await expect
    .poll(
      async () =>
        (await convex.query(api.webchat.thread, { sessionId: customer.sessionId })).messages.some(
          (m) => m.author === "agent",
        ),
      { timeout: REPLY_MS },
    )
    .toBe(true);
}
