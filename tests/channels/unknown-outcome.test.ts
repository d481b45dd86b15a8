/**
 * A reply whose send lost the platform's answer (the connection dropped
 * after the request went out) is checked with the platform's own signal
 * before a human is asked: Instagram's echo (matched by the reply's text,
 * Instagram has no marker), WhatsApp's `statuses` webhook (our marker in
 * `biz_opaque_callback_data`). Messenger's echo: ./echoes.test.ts.
 * Telegram offers nothing to check with: the reply is flagged (docs/channels.md).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { api } from "../../convex/_generated/api";
import type { InboundEvent } from "../../convex/validators";
import { normalizeMetaWebhook } from "../../lib/channels/meta";
import { normalizeWhatsAppWebhook } from "../../lib/channels/whatsapp";
import { advance, INGEST_SECRET, offlineSuite, settle } from "../convex/setup";
import { allConversations, allMessages } from "../reliability/support";
import { fixture, startFakeServer, type FakeServer } from "./fakes";

const IG_ACCOUNT = "17841400000000001";
const IGSID = "1234509876543210";

const suite = offlineSuite();
let graph: FakeServer;

beforeAll(async () => {
  graph = await startFakeServer();
});
afterAll(async () => {
  await graph.close();
});
beforeEach(() => {
  graph.requests.length = 0;
  vi.stubEnv("INSTAGRAM_ACCESS_TOKEN", "ig-token");
  vi.stubEnv("INSTAGRAM_GRAPH_API_BASE_URL", graph.url);
  vi.stubEnv("WHATSAPP_ACCESS_TOKEN", "wa-token");
  vi.stubEnv("META_GRAPH_API_BASE_URL", graph.url);
  vi.spyOn(console, "warn").mockImplementation(() => {});
});

const ingest = (events: InboundEvent[]) => suite.t.mutation(api.ingest.inbound, { secret: INGEST_SECRET, events });

/** Runs the burst until its send has lost the platform's answer. */
async function settleWithLostAnswers() {
  for (let i = 0; i < 200; i++) {
    await advance(suite.t, 500);
    const reply = (await allMessages(suite.t)).find((m) => m.direction === "out");
    if (reply?.awaitingEcho) return reply;
  }
  throw new Error("the send never gave up");
}

describe("Instagram: the echo confirms a reply whose answer was lost", () => {
  const instagram = (messaging: unknown[]) =>
    normalizeMetaWebhook({ object: "instagram", entry: [{ id: IG_ACCOUNT, time: Date.now(), messaging }] }, { channel: "instagram" }).events;
  const customerSays = (mid: string, text: string) =>
    instagram([{ sender: { id: IGSID }, recipient: { id: IG_ACCOUNT }, timestamp: Date.now(), message: { mid, text } }]);
  const accountEchoes = (mid: string, text: string) =>
    instagram([{ sender: { id: IG_ACCOUNT }, recipient: { id: IGSID }, timestamp: Date.now(), message: { mid, is_echo: true, text } }]);
  const dropSends = () => graph.respond((r) => (r.body?.sender_action ? { body: { recipient_id: IGSID } } : { drop: true }));

  it("the echo of the reply's text settles it as sent, and nobody is asked to step in", async () => {
    await ingest(customerSays("ig_in_1", "do you ship to Riga?"));
    dropSends();
    const reply = await settleWithLostAnswers();
    expect(reply).toMatchObject({ status: "sending", awaitingEcho: true });
    expect(await ingest(accountEchoes("ig_echo_1", reply.text))).toMatchObject({ accepted: 1 });
    await advance(suite.t, 61_000);
    await settle(suite.t);
    expect((await allMessages(suite.t)).find((m) => m._id === reply._id)).toMatchObject({ status: "sent", externalId: "ig_echo_1" });
    const [conversation] = await allConversations(suite.t);
    expect(conversation!.needsHuman).toBeUndefined();
    expect(conversation!.takeover).toBe(false);
  });

  it("without the echo, a minute later the reply is flagged for a human; another text does not confirm it", async () => {
    await ingest(customerSays("ig_in_2", "hello?"));
    dropSends();
    await settleWithLostAnswers();
    // A person writing something else from the app is a takeover, not our echo.
    await ingest(accountEchoes("ig_human_1", "Hi, Marta here"));
    await advance(suite.t, 61_000);
    await settle(suite.t);
    const reply = (await allMessages(suite.t)).find((m) => m.direction === "out" && m.author !== "human")!;
    expect(reply.status).toBe("send_failed");
    expect(reply.error).toMatch(/no echo from the platform confirmed it/);
    expect((await allConversations(suite.t))[0]!.needsHuman).toBeDefined();
  });
});

describe("WhatsApp: the marked status confirms a reply whose answer was lost", () => {
  type Body = { entry: { changes: { value: { metadata: { phone_number_id: string }; messages: { from: string }[] } }[] }[] };
  const body = () => fixture<Body>("whatsapp/text.json");
  const statusWebhook = (phoneNumberId: string, status: Record<string, unknown>) =>
    normalizeWhatsAppWebhook({
      object: "whatsapp_business_account",
      entry: [
        {
          id: "WABA",
          changes: [{ field: "messages", value: { messaging_product: "whatsapp", metadata: { phone_number_id: phoneNumberId }, statuses: [status] } }],
        },
      ],
    }).events;
  const dropSends = () => graph.respond((r) => (r.body?.type === "text" ? { drop: true } : { body: { success: true } }));

  it("each send carries our marker; its 'sent' status settles the reply, later receipts move it on", async () => {
    const inbound = body();
    const phoneNumberId = inbound.entry[0]!.changes[0]!.value.metadata.phone_number_id;
    const customer = inbound.entry[0]!.changes[0]!.value.messages[0]!.from;
    await ingest(normalizeWhatsAppWebhook(inbound).events);
    dropSends();
    const reply = await settleWithLostAnswers();
    const sends = graph.requests.filter((r) => r.body?.type === "text");
    expect(sends[0]!.body).toMatchObject({ to: customer, biz_opaque_callback_data: `burstreply:${reply._id}` });

    const timestamp = String(Math.floor(Date.now() / 1000));
    const sent = { id: "wamid.lost1", status: "sent", timestamp, recipient_id: customer, biz_opaque_callback_data: `burstreply:${reply._id}` };
    expect(await ingest(statusWebhook(phoneNumberId, sent))).toMatchObject({ accepted: 1 });
    await advance(suite.t, 61_000);
    await settle(suite.t);
    expect((await allMessages(suite.t)).find((m) => m._id === reply._id)).toMatchObject({ status: "sent", externalId: "wamid.lost1" });
    expect((await allConversations(suite.t))[0]!.needsHuman).toBeUndefined();

    expect(await ingest(statusWebhook(phoneNumberId, { ...sent, status: "delivered" }))).toMatchObject({ accepted: 1 });
    expect((await allMessages(suite.t)).find((m) => m._id === reply._id)!.status).toBe("delivered");
  });

  it("a 'sent' status with someone else's callback data changes nothing; without ours the reply is flagged", async () => {
    const inbound = body();
    const phoneNumberId = inbound.entry[0]!.changes[0]!.value.metadata.phone_number_id;
    await ingest(normalizeWhatsAppWebhook(inbound).events);
    dropSends();
    await settleWithLostAnswers();
    const timestamp = String(Math.floor(Date.now() / 1000));
    expect(await ingest(statusWebhook(phoneNumberId, { id: "wamid.other", status: "sent", timestamp, biz_opaque_callback_data: "campaign-42" }))).toMatchObject({
      accepted: 0,
    });
    await advance(suite.t, 61_000);
    await settle(suite.t);
    const reply = (await allMessages(suite.t)).find((m) => m.direction === "out")!;
    expect(reply.status).toBe("send_failed");
    expect((await allConversations(suite.t))[0]!.needsHuman).toBeDefined();
  });
});
