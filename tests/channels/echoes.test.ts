/**
 * Echoes of business-side messages, as ingest sees them: a person answering
 * from the Page inbox or the WhatsApp Business app takes the conversation
 * over (creating it for a customer the bot has not met), our own sends are
 * recognised by their markers and ids, and a reply whose send timed out is
 * confirmed by its echo instead of being put in front of a human.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { api } from "../../convex/_generated/api";
import type { InboundEvent } from "../../convex/validators";
import { normalizeMetaWebhook } from "../../lib/channels/meta";
import { normalizeWhatsAppWebhook } from "../../lib/channels/whatsapp";
import { advance, INGEST_SECRET, offlineSuite, settle } from "../convex/setup";
import { allConversations, allMessages } from "../reliability/support";
import { fixture, startFakeServer, type FakeServer } from "./fakes";

const PAGE = "231045678901234";
const PSID = "6543210987654321";

const suite = offlineSuite();
let graph: FakeServer;
let nextMid = 0;

beforeAll(async () => {
  graph = await startFakeServer();
});
afterAll(async () => {
  await graph.close();
});
beforeEach(() => {
  graph.requests.length = 0;
  graph.respond((r) => ({ body: r.body?.sender_action ? { recipient_id: PSID } : { recipient_id: PSID, message_id: `m_out_${++nextMid}` } }));
  vi.stubEnv("META_PAGE_ACCESS_TOKEN", "page-token");
  vi.stubEnv("META_GRAPH_API_BASE_URL", graph.url);
  vi.spyOn(console, "warn").mockImplementation(() => {});
});

const ingest = (events: InboundEvent[]) => suite.t.mutation(api.ingest.inbound, { secret: INGEST_SECRET, events });
const messengerEvents = (messaging: unknown[]) =>
  normalizeMetaWebhook({ object: "page", entry: [{ id: PAGE, time: Date.now(), messaging }] }, { channel: "messenger" }).events;
const customerSays = (mid: string, text: string) =>
  messengerEvents([{ sender: { id: PSID }, recipient: { id: PAGE }, timestamp: Date.now(), message: { mid, text } }]);
const pageSays = (mid: string, text: string, metadata?: string) =>
  messengerEvents([{ sender: { id: PAGE }, recipient: { id: PSID }, timestamp: Date.now(), message: { mid, is_echo: true, text, metadata } }]);

describe("a person answering from the platform's own app", () => {
  it("a Page-inbox reply to a customer the bot has never met creates the conversation, taken over", async () => {
    expect(await ingest(pageSays("m_human_1", "Hi Ana, Carla here. Your order ships today."))).toMatchObject({ accepted: 1 });
    const [conversation] = await allConversations(suite.t);
    expect(conversation).toMatchObject({ channel: "messenger", accountId: PAGE, chatId: PSID, takeover: true });
    // The customer's answer is stored but the bot stays quiet: a person is serving them.
    await ingest(customerSays("m_in_1", "great, thanks!"));
    await settle(suite.t);
    expect(graph.requests.filter((r) => r.body?.message)).toEqual([]);
  });

  it("a short human reply that happens to appear in the bot's last reply still takes over on Messenger", async () => {
    await ingest(customerSays("m_in_2", "is the shop open?"));
    await settle(suite.t);
    const reply = (await allMessages(suite.t)).find((m) => m.direction === "out");
    expect(reply?.status).toBe("sent");
    const fragment = reply!.text.split(/\s+/)[0]!; // "Offline" — inside what the bot just sent
    await ingest(pageSays("m_human_2", fragment));
    const [conversation] = await allConversations(suite.t);
    expect(conversation!.takeover).toBe(true);
  });

  it("the owner's reply from the WhatsApp Business app takes the conversation over", async () => {
    const body = fixture<{ entry: { changes: { value: { metadata: { phone_number_id: string } } }[] }[] }>("whatsapp/text.json");
    const phoneNumberId = body.entry[0]!.changes[0]!.value.metadata.phone_number_id;
    await ingest(normalizeWhatsAppWebhook(body).events);
    const echo = {
      object: "whatsapp_business_account",
      entry: [
        {
          id: "WABA",
          changes: [
            {
              field: "smb_message_echoes",
              value: {
                messaging_product: "whatsapp",
                metadata: { phone_number_id: phoneNumberId },
                message_echoes: [
                  { from: "business", to: (await allConversations(suite.t))[0]!.chatId, id: "wamid.owner1", timestamp: String(Math.floor(Date.now() / 1000)), type: "text", text: { body: "I'll call you" } },
                ],
              },
            },
          ],
        },
      ],
    };
    expect(await ingest(normalizeWhatsAppWebhook(echo).events)).toMatchObject({ accepted: 1 });
    expect((await allConversations(suite.t))[0]!.takeover).toBe(true);
  });
});

describe("our own sends", () => {
  it("the echo of a reply we sent is not a human taking over", async () => {
    await ingest(customerSays("m_in_3", "hello"));
    await settle(suite.t);
    const reply = (await allMessages(suite.t)).find((m) => m.direction === "out")!;
    expect(await ingest(pageSays(reply.externalId!, reply.text, `burstreply:${reply._id}`))).toMatchObject({ accepted: 0 });
    expect((await allConversations(suite.t))[0]!.takeover).toBe(false);
  });

  it("a reply whose answer was lost (the connection dropped after sending) is confirmed by its echo, and nobody is asked to step in", async () => {
    await ingest(customerSays("m_in_4", "where is my parcel?"));
    // The platform takes the message but the answer never comes back.
    graph.respond((r) => (r.body?.sender_action ? { body: { recipient_id: PSID } } : { drop: true }));
    await settleWithLostAnswers();
    const reply = (await allMessages(suite.t)).find((m) => m.direction === "out")!;
    expect(reply).toMatchObject({ status: "sending", awaitingEcho: true });
    await ingest(pageSays("m_echoed_reply", reply.text, `burstreply:${reply._id}`));
    await settle(suite.t);
    expect((await allMessages(suite.t)).find((m) => m._id === reply._id)).toMatchObject({ status: "sent", externalId: "m_echoed_reply" });
    expect((await allConversations(suite.t))[0]!.needsHuman).toBeUndefined();
  });

  it("without an echo within a minute, the reply is flagged for a human as before", async () => {
    await ingest(customerSays("m_in_5", "hello?"));
    graph.respond((r) => (r.body?.sender_action ? { body: { recipient_id: PSID } } : { drop: true }));
    await settleWithLostAnswers();
    await advance(suite.t, 61_000);
    await settle(suite.t);
    const reply = (await allMessages(suite.t)).find((m) => m.direction === "out")!;
    expect(reply.status).toBe("send_failed");
    expect(reply.error).toMatch(/no echo from the platform confirmed it/);
    expect((await allConversations(suite.t))[0]!.needsHuman).toBeDefined();
  });
});

/** Runs the burst until its send has lost the platform's answer. */
async function settleWithLostAnswers() {
  for (let i = 0; i < 200; i++) {
    await advance(suite.t, 500);
    const reply = (await allMessages(suite.t)).find((m) => m.direction === "out");
    if (reply?.awaitingEcho) return;
  }
  throw new Error("the send never gave up");
}
