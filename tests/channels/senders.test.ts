/**
 * The channel adapters sending through real fetch to fake platform APIs on
 * 127.0.0.1. Pauses between parts are recorded, not slept.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { ChannelTarget } from "../../convex/channels/adapter";
import { createInstagramAdapter } from "../../convex/channels/instagram";
import { createMessengerAdapter } from "../../convex/channels/messenger";
import { createTelegramAdapter } from "../../convex/channels/telegram";
import { createWhatsAppAdapter } from "../../convex/channels/whatsapp";
import { fixture, recordingSleep, startFakeServer, type FakeServer, type RecordedRequest } from "./fakes";

const TOKEN = "5551234567:AAHk3v9Qw_Zx-7LmN0pRsTuVwXyZ12345ab";
const PAGE_TOKEN = "EAAGm0PX4ZCpsBAPageTokenNorthwind";
const IG_TOKEN = "IGAAKx7IgLoginTokenNorthwind";
const WA_TOKEN = "EAAGm0PX4ZCpsBAWhatsAppTokenNorthwind";
const PHONE_NUMBER_ID = "109876543210987";

let telegram: FakeServer;
let graph: FakeServer;
let instagramGraph: FakeServer;

beforeAll(async () => {
  [telegram, graph, instagramGraph] = await Promise.all([startFakeServer(), startFakeServer(), startFakeServer()]);
});
afterAll(async () => {
  await Promise.all([telegram.close(), graph.close(), instagramGraph.close()]);
});

let nextMessageId = 9000;
const telegramOk = (request: RecordedRequest) => ({
  body: {
    ok: true,
    result: request.path.endsWith("/sendMessage")
      ? { message_id: ++nextMessageId, chat: { id: request.body.chat_id, type: "private" }, date: 1790005000, text: request.body.text }
      : true,
  },
});
let nextMid = 0;
const graphOk = (request: RecordedRequest) => ({
  body: request.body.sender_action
    ? { recipient_id: request.body.recipient.id }
    : { recipient_id: request.body.recipient.id, message_id: `m_reply${++nextMid}` },
});

beforeEach(() => {
  for (const server of [telegram, graph, instagramGraph]) server.requests.length = 0;
  telegram.respond(telegramOk);
  graph.respond(graphOk);
  instagramGraph.respond(graphOk);
  Object.assign(process.env, {
    TELEGRAM_BOT_TOKEN: TOKEN,
    TELEGRAM_API_BASE_URL: telegram.url,
    META_PAGE_ACCESS_TOKEN: PAGE_TOKEN,
    META_GRAPH_API_BASE_URL: graph.url,
    INSTAGRAM_GRAPH_API_BASE_URL: instagramGraph.url,
    WHATSAPP_ACCESS_TOKEN: WA_TOKEN,
    WHATSAPP_PHONE_NUMBER_ID: PHONE_NUMBER_ID,
  });
  delete process.env.INSTAGRAM_ACCESS_TOKEN;
  delete process.env.META_GRAPH_API_VERSION;
  for (const name of ["META_PAGE_ACCESS_TOKENS", "INSTAGRAM_ACCESS_TOKENS", "WHATSAPP_ACCESS_TOKENS"]) delete process.env[name];
  vi.spyOn(console, "warn").mockImplementation(() => {});
});

const paragraph = (word: string, chars: number) => `${word} `.repeat(Math.ceil(chars / (word.length + 1))).trim().slice(0, chars).trim();
const options = { outboundKey: "k57reply0001" };

describe("Telegram replies", () => {
  const target: ChannelTarget = { channel: "telegram", accountId: "5551234567", chatId: "7012233445" };

  it("a long reply goes out as parts cut between paragraphs, in order, at least a second apart", async () => {
    const pacing = recordingSleep();
    const text = [paragraph("helmet", 2500), paragraph("gloves", 2500), paragraph("lights", 1000)].join("\n\n");
    const result = await createTelegramAdapter(pacing).send(target, text, options);

    expect(result).toEqual({ ok: true, externalIds: [`7012233445:${nextMessageId - 1}`, `7012233445:${nextMessageId}`] });
    const sent = telegram.requests.map((r) => r.body);
    expect(telegram.requests.every((r) => r.path === `/bot${TOKEN}/sendMessage`)).toBe(true);
    expect(sent.map((b) => b.text)).toEqual([paragraph("helmet", 2500), `${paragraph("gloves", 2500)}\n\n${paragraph("lights", 1000)}`]);
    expect(sent[0]).toEqual({ chat_id: 7012233445, text: paragraph("helmet", 2500) });
    expect(pacing.waits).toEqual([1000]);
  });

  it("replies in a forum topic or a business chat carry the thread and connection", async () => {
    await createTelegramAdapter().send(
      { ...target, chatId: "-1002233445566", threadId: "877", businessConnectionId: "BQADxkMAAq9dEwAAhVL3ZyqfF0c" },
      "Refunds take 3-5 working days.",
      options,
    );
    expect(telegram.requests[0]!.body).toEqual({
      chat_id: -1002233445566,
      message_thread_id: 877,
      business_connection_id: "BQADxkMAAq9dEwAAhVL3ZyqfF0c",
      text: "Refunds take 3-5 working days.",
    });
  });

  it("flood control (429 retry_after) is retryable after the time Telegram asks; the caller's retry then succeeds", async () => {
    telegram.respond((request, index) => (index === 0 ? { status: 429, body: fixture("telegram/api_error_429.json") } : telegramOk(request)));
    const adapter = createTelegramAdapter();
    const first = await adapter.send(target, "We have it in M.", options);
    expect(first).toEqual({ ok: false, retryable: true, retryAfterMs: 3000, error: "Telegram 429: Too Many Requests: retry after 3" });
    const retry = await adapter.send(target, "We have it in M.", options);
    expect(retry).toMatchObject({ ok: true, externalIds: [expect.stringMatching(/^7012233445:\d+$/)] });
    expect(telegram.requests).toHaveLength(2);
  });

  it("a blocked bot is a permanent failure with Telegram's words", async () => {
    telegram.respond(() => ({ status: 403, body: fixture("telegram/api_error_blocked.json") }));
    expect(await createTelegramAdapter().send(target, "Hello again!", options)).toEqual({
      ok: false,
      retryable: false,
      error: "Telegram 403: Forbidden: bot was blocked by the user",
    });
  });

  it("server errors and an unreachable API are retryable", async () => {
    telegram.respond(() => ({ status: 502, body: { ok: false, error_code: 502, description: "Bad Gateway" } }));
    expect(await createTelegramAdapter().send(target, "Hi", options)).toMatchObject({ ok: false, retryable: true });

    const gone = await startFakeServer();
    await gone.close();
    process.env.TELEGRAM_API_BASE_URL = gone.url;
    const result = await createTelegramAdapter().send(target, "Hi", options);
    expect(result).toMatchObject({ ok: false, retryable: true, error: expect.stringMatching(/^Telegram unreachable/) });
    // The token is part of the URL; it must not leak into errors operators read.
    expect(JSON.stringify(result)).not.toContain(TOKEN);
  });

  it("a connection dropped after the request went out is not retried: the message may have arrived", async () => {
    const { createServer } = await import("node:http");
    const dropper = createServer((req) => req.on("data", () => {}).on("end", () => req.socket.destroy()));
    await new Promise<void>((resolve) => dropper.listen(0, "127.0.0.1", resolve));
    process.env.TELEGRAM_API_BASE_URL = `http://127.0.0.1:${(dropper.address() as { port: number }).port}`;
    const result = await createTelegramAdapter().send(target, "Hi", options);
    await new Promise((resolve) => dropper.close(resolve));
    expect(result).toMatchObject({ ok: false, retryable: false, error: expect.stringMatching(/^Telegram delivery unknown/) });
  });

  it("a later part hit by a short flood wait is retried in place, so earlier parts are not sent twice", async () => {
    const pacing = recordingSleep();
    telegram.respond((request, index) =>
      index === 1 ? { status: 429, body: { ok: false, error_code: 429, description: "Too Many Requests: retry after 2", parameters: { retry_after: 2 } } } : telegramOk(request),
    );
    const text = [paragraph("frame", 3000), paragraph("fork", 3000)].join("\n\n");
    const result = await createTelegramAdapter(pacing).send(target, text, options);
    expect(result).toMatchObject({ ok: true, externalIds: [expect.any(String), expect.any(String)] });
    expect(telegram.requests.map((r) => r.body.text.slice(0, 5))).toEqual(["frame", "fork ", "fork "]);
    expect(pacing.waits).toEqual([1000, 2000]);
  });

  it("a later part failing for good ends the reply as final, naming what was already sent", async () => {
    telegram.respond((request, index) =>
      index === 1 ? { status: 400, body: { ok: false, error_code: 400, description: "Bad Request: message thread not found" } } : telegramOk(request),
    );
    const text = [paragraph("frame", 3000), paragraph("fork", 3000)].join("\n\n");
    const result = await createTelegramAdapter(recordingSleep()).send(target, text, options);
    expect(result).toEqual({
      ok: false,
      retryable: false,
      error: `Telegram 400: Bad Request: message thread not found (part 2 of 2; parts already sent: 7012233445:${nextMessageId})`,
    });
  });

  it("typing is one sendChatAction to the same chat and topic", async () => {
    await createTelegramAdapter().typing({ ...target, threadId: "877" });
    expect(telegram.requests.map((r) => [r.path, r.body])).toEqual([
      [`/bot${TOKEN}/sendChatAction`, { chat_id: 7012233445, message_thread_id: 877, action: "typing" }],
    ]);
  });

  it("a pressed button is acknowledged with answerCallbackQuery", async () => {
    await createTelegramAdapter().answerCallback!("3019283746501928374");
    expect(telegram.requests.map((r) => [r.path, r.body])).toEqual([
      [`/bot${TOKEN}/answerCallbackQuery`, { callback_query_id: "3019283746501928374" }],
    ]);
  });

  it("without a bot token nothing is attempted and the error names the variable", async () => {
    delete process.env.TELEGRAM_BOT_TOKEN;
    expect(await createTelegramAdapter().send(target, "Hi", options)).toEqual({
      ok: false,
      retryable: false,
      error: "TELEGRAM_BOT_TOKEN is not set",
    });
    await createTelegramAdapter().typing(target); // logs, never throws
    expect(telegram.requests).toHaveLength(0);
  });
});

describe("Messenger replies", () => {
  const target: ChannelTarget = { channel: "messenger", accountId: "231045678901234", chatId: "6543210987654321" };

  it("an agent reply is a RESPONSE with our metadata marker, sent with the Page token", async () => {
    const result = await createMessengerAdapter().send(target, "Yes, the Trail 2 is back in M.", options);
    expect(result).toEqual({ ok: true, externalIds: [`m_reply${nextMid}`] });
    const [request] = graph.requests;
    expect(request!.path).toBe("/v25.0/me/messages");
    expect(request!.headers.authorization).toBe(`Bearer ${PAGE_TOKEN}`);
    expect(request!.body).toEqual({
      recipient: { id: "6543210987654321" },
      messaging_type: "RESPONSE",
      message: { text: "Yes, the Trail 2 is back in M.", metadata: "burstreply:k57reply0001" },
    });
  });

  it("the HUMAN_AGENT tag is used only for a message a person wrote", async () => {
    await createMessengerAdapter().send(target, "Carla here, I'll call you tomorrow.", { ...options, fromHuman: true });
    expect(graph.requests[0]!.body).toMatchObject({ messaging_type: "MESSAGE_TAG", tag: "HUMAN_AGENT" });
    await createMessengerAdapter().send(target, "Anything else?", { ...options, fromHuman: false });
    expect(graph.requests[1]!.body).not.toHaveProperty("tag");
  });

  it("splits at 2000 characters with a short pause between parts", async () => {
    const pacing = recordingSleep();
    const text = [paragraph("brakes", 1500), paragraph("chain", 1500)].join("\n\n");
    const result = await createMessengerAdapter(pacing).send(target, text, options);
    expect(result).toMatchObject({ ok: true, externalIds: [expect.any(String), expect.any(String)] });
    expect(graph.requests.map((r) => r.body.message.text)).toEqual([paragraph("brakes", 1500), paragraph("chain", 1500)]);
    expect(pacing.waits).toEqual([300]);
  });

  it("outside the 24-hour window the send is blocked, not retried", async () => {
    graph.respond(() => ({ status: 400, body: fixture("messenger/graph_error_outside_window.json") }));
    expect(await createMessengerAdapter().send(target, "Following up on your order", options)).toEqual({
      ok: false,
      retryable: false,
      blocked: true,
      error: expect.stringMatching(/^Messenger 400: \(#10\) This message is sent outside of allowed window.*\[code 10\/2018278\]$/),
    });
  });

  it("Meta's rate limit arrives as HTTP 400 but is retryable, honouring Retry-After", async () => {
    graph.respond(() => ({ status: 400, body: fixture("messenger/graph_error_rate_limit.json"), headers: { "retry-after": "30" } }));
    expect(await createMessengerAdapter().send(target, "Hi", options)).toMatchObject({
      ok: false,
      retryable: true,
      retryAfterMs: 30_000,
    });
  });

  it("an unknown recipient is a permanent failure", async () => {
    graph.respond(() => ({ status: 400, body: fixture("messenger/graph_error_invalid_recipient.json") }));
    expect(await createMessengerAdapter().send(target, "Hi", options)).toMatchObject({
      ok: false,
      retryable: false,
      error: expect.stringContaining("No matching user found"),
    });
  });

  it("typing is a bare typing_on sender action", async () => {
    await createMessengerAdapter().typing(target);
    expect(graph.requests[0]!.body).toEqual({ recipient: { id: "6543210987654321" }, sender_action: "typing_on" });
  });

  it("the Graph version can be moved by env without a deploy", async () => {
    process.env.META_GRAPH_API_VERSION = "v26.0";
    await createMessengerAdapter().typing(target);
    expect(graph.requests[0]!.path).toBe("/v26.0/me/messages");
  });
});

describe("Instagram replies", () => {
  const target: ChannelTarget = { channel: "instagram", accountId: "17841412345678901", chatId: "9876543210123456" };

  it("with an Instagram Login token, sends through graph.instagram.com with that token and no metadata", async () => {
    process.env.INSTAGRAM_ACCESS_TOKEN = IG_TOKEN;
    instagramGraph.respond(() => ({ body: fixture("instagram/send_api_response.json") }));
    const result = await createInstagramAdapter().send(target, "¡Sí! Lo tenemos en M.", options);
    expect(result).toEqual({ ok: true, externalIds: [expect.stringMatching(/^aWdf/)] });
    expect(graph.requests).toHaveLength(0);
    expect(instagramGraph.requests[0]!.headers.authorization).toBe(`Bearer ${IG_TOKEN}`);
    expect(instagramGraph.requests[0]!.body).toEqual({
      recipient: { id: "9876543210123456" },
      messaging_type: "RESPONSE",
      message: { text: "¡Sí! Lo tenemos en M." },
    });
  });

  it("without it, sends through the linked Page", async () => {
    await createInstagramAdapter().typing(target);
    expect(instagramGraph.requests).toHaveLength(0);
    expect(graph.requests[0]!.headers.authorization).toBe(`Bearer ${PAGE_TOKEN}`);
    expect(graph.requests[0]!.body).toEqual({ recipient: { id: "9876543210123456" }, sender_action: "typing_on" });
  });

  it("cuts at 1000 UTF-8 bytes, so a Cyrillic reply takes more parts than its length suggests", async () => {
    const text = "Да, у нас есть этот шлем в размере M, и доставка бесплатная. ".repeat(25).trim();
    expect(text.length).toBeLessThan(2000);
    const result = await createInstagramAdapter(recordingSleep()).send(target, text, options);
    expect(result.ok).toBe(true);
    const parts = graph.requests.map((r) => r.body.message.text as string);
    expect(parts.length).toBeGreaterThanOrEqual(3);
    for (const part of parts) expect(new TextEncoder().encode(part).length).toBeLessThanOrEqual(1000);
    expect(parts.join(" ")).toBe(text);
  });

  it("the HUMAN_AGENT tag applies on Instagram too, only for people", async () => {
    await createInstagramAdapter().send(target, "Carla here!", { ...options, fromHuman: true });
    expect(graph.requests[0]!.body).toMatchObject({ messaging_type: "MESSAGE_TAG", tag: "HUMAN_AGENT" });
  });

  it("with neither token, the error names what to set", async () => {
    delete process.env.META_PAGE_ACCESS_TOKEN;
    expect(await createInstagramAdapter().send(target, "Hi", options)).toMatchObject({
      ok: false,
      retryable: false,
      error: expect.stringContaining("INSTAGRAM_ACCESS_TOKEN is not set"),
    });
  });
});

describe("WhatsApp replies", () => {
  const target: ChannelTarget = {
    channel: "whatsapp",
    accountId: PHONE_NUMBER_ID,
    chatId: "34611222333",
    lastInboundExternalId: "wamid.HBgLMzQ2MTEyMjIzMzMVAgASGBQzQUIxQzJEM0U0RjVBNkI3QzhEO0AA==",
  };

  it("a reply is a Cloud API text message from our number", async () => {
    graph.respond(() => ({ body: fixture("whatsapp/send_response.json") }));
    const result = await createWhatsAppAdapter().send(target, "Claro, cambiamos la dirección.", options);
    expect(result).toEqual({ ok: true, externalIds: ["wamid.HBgLMzQ2MTEyMjIzMzMVAgARGBJSRVBMWTAwMDAwMDAwMDAxAA=="] });
    expect(graph.requests[0]!.path).toBe(`/v25.0/${PHONE_NUMBER_ID}/messages`);
    expect(graph.requests[0]!.headers.authorization).toBe(`Bearer ${WA_TOKEN}`);
    expect(graph.requests[0]!.body).toEqual({
      messaging_product: "whatsapp",
      recipient_type: "individual",
      to: "34611222333",
      type: "text",
      text: { body: "Claro, cambiamos la dirección." },
      // Our marker: WhatsApp returns it in this message's statuses webhooks (a lost answer is confirmed by it).
      biz_opaque_callback_data: `burstreply:${options.outboundKey}`,
    });
  });

  it("a question with choices is an interactive message: three or fewer as reply buttons, more as a list", async () => {
    graph.respond(() => ({ body: fixture("whatsapp/send_response.json") }));
    const yesNo = [
      { label: "Yes", payload: "confirm:yes" },
      { label: "No", payload: "confirm:no" },
    ];
    await createWhatsAppAdapter().send(target, "Keep the booking?", { ...options, choices: yesNo });
    expect(graph.requests[0]!.body).toEqual({
      messaging_product: "whatsapp",
      recipient_type: "individual",
      to: "34611222333",
      type: "interactive",
      interactive: {
        type: "button",
        body: { text: "Keep the booking?" },
        action: { buttons: yesNo.map((c) => ({ type: "reply", reply: { id: c.payload, title: c.label } })) },
      },
      // Like a text send, it carries our marker for the statuses webhook.
      biz_opaque_callback_data: `burstreply:${options.outboundKey}`,
    });
    const five = [1, 2, 3, 4, 5].map((n) => ({ label: String(n), payload: `csat:${n}` }));
    await createWhatsAppAdapter().send(target, "Rate us", { ...options, choices: five });
    expect(graph.requests[1]!.body.interactive).toEqual({
      type: "list",
      body: { text: "Rate us" },
      action: { button: "Choose", sections: [{ rows: five.map((c) => ({ id: c.payload, title: c.label })) }] },
    });
  });

  it("a question longer than an interactive body (1024) sends its start as text and the end with the choices", async () => {
    graph.respond(() => ({ body: fixture("whatsapp/send_response.json") }));
    const long = `${"Thanks for shopping with us. ".repeat(40)}\n\nHow would you rate our help?`;
    const result = await createWhatsAppAdapter(recordingSleep()).send(target, long, { ...options, choices: [{ label: "5", payload: "csat:5" }] });
    expect(result.ok).toBe(true);
    const bodies = graph.requests.map((r) => r.body);
    expect(bodies.length).toBeGreaterThan(1);
    expect(bodies.map((b) => b.type)).toEqual([...bodies.slice(1).map(() => "text"), "interactive"]);
    const texts = bodies.map((b) => (b.type === "text" ? b.text.body : b.interactive.body.text) as string);
    expect(texts.every((text) => text.length <= 1024)).toBe(true);
    expect(texts.at(-1)).toMatch(/How would you rate our help\?$/);
  });

  it("typing marks the customer's last message read with a typing indicator", async () => {
    graph.respond(() => ({ body: { success: true } }));
    await createWhatsAppAdapter().typing(target);
    expect(graph.requests[0]!.body).toEqual({
      messaging_product: "whatsapp",
      status: "read",
      message_id: "wamid.HBgLMzQ2MTEyMjIzMzMVAgASGBQzQUIxQzJEM0U0RjVBNkI3QzhEO0AA==",
      typing_indicator: { type: "text" },
    });
  });

  it("with no inbound message to point at, typing sends nothing", async () => {
    await createWhatsAppAdapter().typing({ ...target, lastInboundExternalId: undefined });
    expect(graph.requests).toHaveLength(0);
  });

  it("after 24 hours of silence the send is blocked (re-engagement), not retried", async () => {
    graph.respond(() => ({ status: 400, body: fixture("whatsapp/error_reengagement.json") }));
    expect(await createWhatsAppAdapter().send(target, "Any news?", options)).toMatchObject({
      ok: false,
      retryable: false,
      blocked: true,
      error: expect.stringContaining("131047"),
    });
  });

  it("a customer who wrote to our second number is answered from that number, with its token", async () => {
    const SECOND_NUMBER = "109000000000002";
    process.env.WHATSAPP_ACCESS_TOKENS = JSON.stringify({ [PHONE_NUMBER_ID]: WA_TOKEN, [SECOND_NUMBER]: "second-number-token" });
    graph.respond(() => ({ body: fixture("whatsapp/send_response.json") }));
    await createWhatsAppAdapter().send({ ...target, accountId: SECOND_NUMBER }, "Hola", options);
    await createWhatsAppAdapter().send(target, "Hola", options);
    expect(graph.requests.map((r) => [r.path, r.headers.authorization])).toEqual([
      [`/v25.0/${SECOND_NUMBER}/messages`, "Bearer second-number-token"],
      [`/v25.0/${PHONE_NUMBER_ID}/messages`, `Bearer ${WA_TOKEN}`],
    ]);
  });

  it("a number missing from WHATSAPP_ACCESS_TOKENS is refused by name, never sent from another number", async () => {
    process.env.WHATSAPP_ACCESS_TOKENS = JSON.stringify({ "109000000000002": "second-number-token" });
    expect(await createWhatsAppAdapter().send(target, "Hi", options)).toEqual({
      ok: false,
      retryable: false,
      error: `WHATSAPP_ACCESS_TOKENS has no token for account ${PHONE_NUMBER_ID}`,
    });
    expect(graph.requests).toHaveLength(0);
  });

  it("without any token the error names the variables", async () => {
    delete process.env.WHATSAPP_ACCESS_TOKEN;
    expect(await createWhatsAppAdapter().send(target, "Hi", options)).toMatchObject({
      ok: false,
      retryable: false,
      error: "WHATSAPP_ACCESS_TOKEN is not set (nor WHATSAPP_ACCESS_TOKENS)",
    });
  });
});

describe("several Pages and Instagram accounts", () => {
  const pageA: ChannelTarget = { channel: "messenger", accountId: "231045678901234", chatId: "6543210987654321" };
  const pageB: ChannelTarget = { channel: "messenger", accountId: "231045678900002", chatId: "6543210980000002" };

  it("each Page's customers are answered with that Page's token", async () => {
    process.env.META_PAGE_ACCESS_TOKENS = JSON.stringify({ [pageA.accountId]: "token-page-a", [pageB.accountId]: "token-page-b" });
    await createMessengerAdapter().send(pageA, "Hi A", options);
    await createMessengerAdapter().send(pageB, "Hi B", options);
    expect(graph.requests.map((r) => [r.body.recipient.id, r.headers.authorization])).toEqual([
      [pageA.chatId, "Bearer token-page-a"],
      [pageB.chatId, "Bearer token-page-b"],
    ]);
  });

  it("a Page missing from the map is refused by name, not answered through another Page", async () => {
    process.env.META_PAGE_ACCESS_TOKENS = JSON.stringify({ [pageA.accountId]: "token-page-a" });
    expect(await createMessengerAdapter().send(pageB, "Hi", options)).toMatchObject({
      ok: false,
      error: `META_PAGE_ACCESS_TOKENS has no token for account ${pageB.accountId}`,
    });
    expect(graph.requests).toHaveLength(0);
  });

  it("a malformed map is a configuration error naming the variable", async () => {
    process.env.META_PAGE_ACCESS_TOKENS = "page-a=token";
    expect(await createMessengerAdapter().send(pageA, "Hi", options)).toMatchObject({
      ok: false,
      retryable: false,
      error: expect.stringMatching(/^META_PAGE_ACCESS_TOKENS is not JSON/),
    });
  });

  it("two Instagram accounts: one through Instagram Login, the other through its Page", async () => {
    process.env.INSTAGRAM_ACCESS_TOKENS = JSON.stringify({ "17841400000000001": "ig-login-token-1" });
    process.env.META_PAGE_ACCESS_TOKENS = JSON.stringify({ "17841400000000002": "page-token-for-ig-2" });
    const ig = (accountId: string): ChannelTarget => ({ channel: "instagram", accountId, chatId: "igsid-9" });
    await createInstagramAdapter().send(ig("17841400000000001"), "Hi", options);
    await createInstagramAdapter().send(ig("17841400000000002"), "Hi", options);
    expect(instagramGraph.requests.map((r) => r.headers.authorization)).toEqual(["Bearer ig-login-token-1"]);
    expect(graph.requests.map((r) => r.headers.authorization)).toEqual(["Bearer page-token-for-ig-2"]);
    expect(await createInstagramAdapter().send(ig("17841400000000003"), "Hi", options)).toMatchObject({
      ok: false,
      error: expect.stringContaining("no token for Instagram account 17841400000000003"),
    });
  });
});
