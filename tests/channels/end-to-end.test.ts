/**
 * One customer message per channel, all the way through: the platform's
 * signed webhook POST hits the real route handler, which calls the real
 * local Convex runtime running the project's functions; the burst window
 * passes, the real Anthropic SDK asks a local fake model, and the channel
 * adapter calls a local fake platform API. The platform must see "typing"
 * first and then exactly one reply.
 */
import { createHmac } from "node:crypto";
import { ownerClient } from "../support/operator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api } from "../../convex/_generated/api";
import * as instagramRoute from "../../app/api/webhooks/instagram/route";
import * as messengerRoute from "../../app/api/webhooks/messenger/route";
import * as telegramRoute from "../../app/api/webhooks/telegram/route";
import * as whatsappRoute from "../../app/api/webhooks/whatsapp/route";
import { startFakeAnthropic, type FakeAnthropic } from "../support/fakeAnthropic";
import { eventually, PROJECT_CONVEX_DIR, startLocalRuntime, type LocalRuntime } from "../local/harness";
import type { InboundEvent } from "../../convex/validators";
import { ingestEvents, IngestRejectedError, invalidEventReason } from "../../lib/webhooks/ingest";
import { WebhookConfigError } from "../../lib/webhooks/respond";
import { fixtureText, startFakeServer, type FakeServer, type RecordedRequest } from "./fakes";

const SECRETS = {
  INGEST_SECRET: "e2e-ingest-5d1c",
  TELEGRAM_BOT_TOKEN: "5551234567:AAHk3v9Qw_Zx-7LmN0pRsTuVwXyZ12345ab",
  TELEGRAM_WEBHOOK_SECRET: "tg_hook-e2e",
  META_APP_SECRET: "3c2b1a0f9e8d7c6b5a493827161504f3",
  META_VERIFY_TOKEN: "verify-e2e",
  META_PAGE_ACCESS_TOKEN: "page-token-e2e",
  INSTAGRAM_ACCESS_TOKEN: "ig-token-e2e",
  WHATSAPP_ACCESS_TOKEN: "wa-token-e2e",
  WHATSAPP_PHONE_NUMBER_ID: "106540352242922",
  ANTHROPIC_API_KEY: "sk-ant-e2e",
};
const WINDOW_MS = 600; // a short burst window keeps the suite quick
const QUIET_AFTER_REPLY_MS = 1500; // long enough for a wrong second reply to show up

let anthropic: FakeAnthropic;
let platform: FakeServer;
let runtime: LocalRuntime;

beforeAll(async () => {
  anthropic = await startFakeAnthropic();
  platform = await startFakeServer((request) => ({ body: platformAnswer(request) }));
  const baseUrls = {
    ANTHROPIC_BASE_URL: anthropic.url,
    TELEGRAM_API_BASE_URL: platform.url,
    META_GRAPH_API_BASE_URL: platform.url,
    INSTAGRAM_GRAPH_API_BASE_URL: platform.url,
  };
  runtime = await startLocalRuntime(undefined, { convexDir: PROJECT_CONVEX_DIR, env: { ...SECRETS, ...baseUrls } });
  // The route handlers run in this process and reach the runtime over HTTP.
  Object.assign(process.env, SECRETS, { NEXT_PUBLIC_CONVEX_URL: runtime.url });
  await (await ownerClient(runtime.url)).mutation(api.settings.update, { patch: { batchWindowMs: WINDOW_MS } });
}, 30_000);

afterAll(async () => {
  await runtime?.stop();
  await anthropic?.close();
  await platform?.close();
});

/** Answers like each platform's send endpoint does. */
function platformAnswer(request: RecordedRequest): unknown {
  if (request.path.includes("/bot")) {
    return request.path.endsWith("/sendMessage")
      ? { ok: true, result: { message_id: 9001, date: 1790000100, chat: { id: request.body.chat_id, type: "private" } } }
      : { ok: true, result: true };
  }
  if (request.body?.messaging_product === "whatsapp") {
    return request.body.type === "text" ? { messaging_product: "whatsapp", messages: [{ id: "wamid.OUT1" }] } : { success: true };
  }
  return request.body?.sender_action ? { recipient_id: request.body.recipient.id } : { recipient_id: request.body.recipient.id, message_id: "m_OUT1" };
}

function metaPost(route: { POST: (req: Request) => Promise<Response> }, channel: string, body: string) {
  const signature = "sha256=" + createHmac("sha256", SECRETS.META_APP_SECRET).update(body).digest("hex");
  return route.POST(
    new Request(`https://shop.example.com/api/webhooks/${channel}`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-hub-signature-256": signature },
      body,
    }),
  );
}

/**
 * Waits for the reply, then a little longer to be sure no second one follows.
 * `start`: the platform's request count before the webhook was posted (typing
 * may go out before the webhook's 200, which waits for the commit to be durable).
 */
async function typingThenOneReply(start: number, isTyping: (r: RecordedRequest) => boolean, isReply: (r: RecordedRequest) => boolean) {
  const mine = () => platform.requests.slice(start);
  await eventually(mine, (requests) => requests.some(isReply), 15_000);
  await new Promise((resolve) => setTimeout(resolve, QUIET_AFTER_REPLY_MS));
  const requests = mine();
  const firstTyping = requests.findIndex(isTyping);
  const replies = requests.filter(isReply);
  expect(firstTyping).toBeGreaterThanOrEqual(0);
  expect(firstTyping).toBeLessThan(requests.findIndex(isReply));
  expect(replies).toHaveLength(1);
  return replies[0]!;
}

describe("webhook to reply, per channel", () => {
  it("Telegram: typing, then one reply in the same chat", async () => {
    const start = platform.requests.length;
    const response = await telegramRoute.POST(
      new Request("https://shop.example.com/api/webhooks/telegram", {
        method: "POST",
        headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": SECRETS.TELEGRAM_WEBHOOK_SECRET },
        body: fixtureText("telegram/private_text.json"),
      }),
    );
    expect(response.status).toBe(200);
    const reply = await typingThenOneReply(
      start,
      (r) => r.path.endsWith("/sendChatAction"),
      (r) => r.path.endsWith("/sendMessage"),
    );
    expect(reply.path).toBe(`/bot${SECRETS.TELEGRAM_BOT_TOKEN}/sendMessage`);
    expect(reply.body).toMatchObject({ chat_id: 7012233445, text: "Reply to: Hola! Do you deliver to Valencia?" });
  });

  it("Messenger: typing_on, then one RESPONSE message", async () => {
    const start = platform.requests.length;
    const response = await metaPost(messengerRoute, "messenger", fixtureText("messenger/text.json"));
    expect(response.status).toBe(200);
    const reply = await typingThenOneReply(
      start,
      (r) => r.body?.sender_action === "typing_on" && r.body.recipient?.id === "6543210987654321",
      (r) => r.body?.message !== undefined && r.body.recipient?.id === "6543210987654321",
    );
    expect(reply.body).toMatchObject({ messaging_type: "RESPONSE", message: { text: "Reply to: Hi! Is the Trail 2 helmet back in stock?" } });
  });

  it("Instagram: typing_on, then one reply", async () => {
    const body = fixtureText("instagram/text.json");
    const senderId = (JSON.parse(body) as { entry: Array<{ messaging: Array<{ sender: { id: string } }> }> }).entry[0]!.messaging[0]!.sender.id;
    const start = platform.requests.length;
    const response = await metaPost(instagramRoute, "instagram", body);
    expect(response.status).toBe(200);
    await typingThenOneReply(
      start,
      (r) => r.body?.sender_action === "typing_on" && r.body.recipient?.id === senderId,
      (r) => r.body?.message !== undefined && r.body.recipient?.id === senderId,
    );
  });

  it("WhatsApp: read + typing indicator, then one text message from the number the customer wrote to", async () => {
    const body = fixtureText("whatsapp/text.json");
    const start = platform.requests.length;
    const response = await metaPost(whatsappRoute, "whatsapp", body);
    expect(response.status).toBe(200);
    const reply = await typingThenOneReply(
      start,
      (r) => r.body?.typing_indicator?.type === "text",
      (r) => r.body?.type === "text" && r.body?.messaging_product === "whatsapp",
    );
    // The fixture's phone_number_id, not WHATSAPP_PHONE_NUMBER_ID: a reply leaves from the conversation's number.
    const phoneNumberId = (JSON.parse(body) as { entry: { changes: { value: { metadata: { phone_number_id: string } } }[] }[] })
      .entry[0]!.changes[0]!.value.metadata.phone_number_id;
    expect(phoneNumberId).not.toBe(SECRETS.WHATSAPP_PHONE_NUMBER_ID);
    expect(reply.path).toBe(`/v25.0/${phoneNumberId}/messages`);
  });

  it("a redelivered Telegram update changes nothing and gets no second reply", async () => {
    const before = platform.requests.filter((r) => r.path.endsWith("/sendMessage")).length;
    const response = await telegramRoute.POST(
      new Request("https://shop.example.com/api/webhooks/telegram", {
        method: "POST",
        headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": SECRETS.TELEGRAM_WEBHOOK_SECRET },
        body: fixtureText("telegram/private_text.json"),
      }),
    );
    expect(await response.json()).toMatchObject({ ok: true, accepted: 0, duplicates: 1 });
    await new Promise((resolve) => setTimeout(resolve, WINDOW_MS + QUIET_AFTER_REPLY_MS));
    expect(platform.requests.filter((r) => r.path.endsWith("/sendMessage")).length).toBe(before);
  });
});

describe("what the real runtime refuses, and how the route reads it", () => {
  /** Passes the normalizer's types but not `ingest.inbound`'s validator: the text is a number. */
  const malformed = {
    kind: "message",
    channel: "telegram",
    accountId: "5551234567",
    chatId: "7012233445",
    externalId: "7012233445:99001",
    sender: { externalId: "7012233445" },
    text: 42,
    attachments: [],
    sentAt: Date.now(),
    chatType: "private",
  } as unknown as InboundEvent;

  it("an event its validator refuses is a permanent rejection (the route's own check agrees), not an outage", async () => {
    expect(invalidEventReason(malformed)).toMatch(/text/);
    const refusal = await ingestEvents([malformed]).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(IngestRejectedError);
  });

  it("a wrong ingest secret is a configuration fault", async () => {
    process.env.INGEST_SECRET = "not-the-runtime-secret";
    try {
      const refusal = await ingestEvents([]).catch((error: unknown) => error);
      expect(refusal).toBeInstanceOf(WebhookConfigError);
    } finally {
      process.env.INGEST_SECRET = SECRETS.INGEST_SECRET;
    }
  });
});
