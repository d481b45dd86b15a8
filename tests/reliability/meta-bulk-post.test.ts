/**
 * Meta may batch up to 1,000 events into one POST. All of them used to go
 * into one mutation, which broke Convex's per-transaction limits on every
 * retry, so none was ever stored. Now the POST is read, chunked and stored
 * whole, and each customer's burst gets one reply.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { api } from "../../convex/_generated/api";
import { normalizeMetaWebhook } from "../../lib/channels/meta";
import { chunkEvents } from "../../lib/webhooks/handler";
import { sanitizeInbound } from "../../lib/webhooks/limits";
import { startFakeServer, type FakeServer } from "../channels/fakes";
import { INGEST_SECRET, offlineSuite, settle } from "../convex/setup";
import { allBatches, allMessages, countBy, size, SUITE_TIMEOUT_MS } from "./support";

const PAGE = "231045678901234";
const EVENTS = 1000;
const CUSTOMERS = size(100, 200);

const suite = offlineSuite();
let graph: FakeServer;
let nextMid = 0;

beforeAll(async () => {
  graph = await startFakeServer((request) => ({
    body: request.body?.sender_action ? { recipient_id: request.body.recipient.id } : { recipient_id: request.body.recipient.id, message_id: `m_out_${++nextMid}` },
  }));
});
afterAll(async () => {
  await graph.close();
});
beforeEach(() => {
  graph.requests.length = 0;
  vi.stubEnv("META_PAGE_ACCESS_TOKEN", "page-token-bulk");
  vi.stubEnv("META_GRAPH_API_BASE_URL", graph.url);
});

describe(`one Messenger POST with ${EVENTS} events from ${CUSTOMERS} customers`, () => {
  it("stores every event and answers each customer's burst once", { timeout: SUITE_TIMEOUT_MS }, async () => {
    const { t } = suite;
    const now = Date.now();
    const body = {
      object: "page",
      entry: Array.from({ length: EVENTS }, (_, i) => ({
        id: PAGE,
        time: now,
        messaging: [
          {
            sender: { id: `psid-${i % CUSTOMERS}` },
            recipient: { id: PAGE },
            timestamp: now - (EVENTS - i),
            message: { mid: `m_bulk_${i}`, text: `message ${i}` },
          },
        ],
      })),
    };
    const { events, skipped } = normalizeMetaWebhook(JSON.parse(JSON.stringify(body)), { channel: "messenger", receivedAt: now });
    expect(skipped).toEqual([]);
    let accepted = 0;
    // Exactly what the route does: sanitize, chunk, one mutation per chunk, in order.
    for (const chunk of chunkEvents(events.map((e) => sanitizeInbound(e, now)))) {
      accepted += (await t.mutation(api.ingest.inbound, { secret: INGEST_SECRET, events: chunk })).accepted;
    }
    expect(accepted).toBe(EVENTS);
    await settle(t);

    const inbound = (await allMessages(t)).filter((m) => m.direction === "in");
    expect(inbound).toHaveLength(EVENTS);
    expect(inbound.filter((m) => m.status !== "answered")).toEqual([]);
    const replies = graph.requests.filter((r) => r.body?.message !== undefined);
    const perCustomer = countBy(replies, (r) => String(r.body.recipient.id));
    expect(perCustomer.size).toBe(CUSTOMERS);
    // Ten messages per customer is the default burst cap (maxBatchMessages), so one reply covers each burst.
    const replied = (await allBatches(t)).filter((b) => b.outcome === "replied");
    expect(replies).toHaveLength(replied.length);
    expect(replied.reduce((sum, b) => sum + b.messageCount, 0)).toBe(EVENTS);
  });

  it("the same POST in a single mutation is beyond what one transaction may do (why it is chunked)", { timeout: SUITE_TIMEOUT_MS }, async () => {
    const { t } = suite;
    const now = Date.now();
    const events = Array.from({ length: EVENTS }, (_, i) => ({
      kind: "message" as const,
      channel: "messenger" as const,
      accountId: PAGE,
      chatId: `psid-${i % CUSTOMERS}`,
      externalId: `m_single_${i}`,
      sender: { externalId: `psid-${i % CUSTOMERS}` },
      text: `message ${i}`,
      attachments: [],
      sentAt: now,
    }));
    await expect(t.mutation(api.ingest.inbound, { secret: INGEST_SECRET, events })).rejects.toThrow(/limit/i);
  });
});
