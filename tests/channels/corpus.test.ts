/**
 * Every payload in tests/fixtures/corpus (copied from the platforms' docs
 * and other projects' test data; see SOURCES.md there) posted to its real
 * route, signed as the platform signs, against a fake Convex. Each must be
 * acknowledged with 200, and become the kind of event a person reading the
 * payload would expect: a customer's message, an edit, a reaction, a
 * receipt, a human's echo, or nothing (account, template, call and other
 * notices that are not conversations).
 */
import { createHmac } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import * as instagramRoute from "../../app/api/webhooks/instagram/route";
import * as messengerRoute from "../../app/api/webhooks/messenger/route";
import * as telegramRoute from "../../app/api/webhooks/telegram/route";
import * as whatsappRoute from "../../app/api/webhooks/whatsapp/route";
import type { InboundEvent } from "../../convex/validators";
import { startFakeConvex } from "./fakes";

const ENV = {
  INGEST_SECRET: "ingest-corpus",
  // The telegram_types corpus is written for a bot with id 807.
  TELEGRAM_BOT_TOKEN: "807:AAcorpusTokenForTheTelegramTypesBot",
  TELEGRAM_WEBHOOK_SECRET: "corpus-secret",
  TELEGRAM_BOT_USERNAME: "MyBot",
  META_APP_SECRET: "corpus-app-secret",
};

const CORPUS = new URL("../fixtures/corpus/", import.meta.url);
const CHANNELS = ["telegram", "messenger", "instagram", "whatsapp"] as const;
type CorpusChannel = (typeof CHANNELS)[number];

const ROUTES = { telegram: telegramRoute, messenger: messengerRoute, instagram: instagramRoute, whatsapp: whatsappRoute };

function request(channel: CorpusChannel, body: string): Request {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (channel === "telegram") headers["x-telegram-bot-api-secret-token"] = ENV.TELEGRAM_WEBHOOK_SECRET;
  else headers["x-hub-signature-256"] = "sha256=" + createHmac("sha256", ENV.META_APP_SECRET).update(body).digest("hex");
  return new Request(`https://shop.example.com/api/webhooks/${channel}`, { method: "POST", headers, body });
}

/**
 * What each payload is, judged from its name and content (not from the
 * code under test): the kinds of event it must produce, in order.
 */
function expectedKinds(channel: CorpusChannel, name: string): InboundEvent["kind"][] {
  const nothing =
    /account_update|call_connect|call_permission|call_status|call_terminate|template_|system__|user_marketing|deleted_message__revoke|outgoing_message__(delete|edit)|interactive_message_with_err|status__(sent|played|with_tracker)|successful_payment|message_with_game|pre_checkout_query|shipping_query/;
  if (nothing.test(name)) return [];
  if (/reaction/.test(name)) return ["reaction"];
  if (/status|delivery|__read\.json/.test(name)) return ["status"];
  if (/edited/.test(name)) return ["edit"];
  if (/echo|outgoing_message__text/.test(name)) return ["echo"];
  void channel;
  return ["message"];
}

const files = CHANNELS.flatMap((channel) =>
  readdirSync(new URL(`${channel}/`, CORPUS))
    .filter((name) => name.endsWith(".json"))
    .sort()
    .map((name) => ({ channel, name, body: readFileSync(new URL(`${channel}/${name}`, CORPUS), "utf8") })),
);

let convex: Awaited<ReturnType<typeof startFakeConvex>>;
beforeAll(async () => {
  convex = await startFakeConvex();
});
afterAll(async () => {
  await convex.close();
});
beforeEach(() => {
  Object.assign(process.env, ENV, { NEXT_PUBLIC_CONVEX_URL: convex.url });
  delete process.env.META_APP_ID;
  convex.requests.length = 0;
  vi.spyOn(console, "warn").mockImplementation(() => {});
});

async function post(channel: CorpusChannel, body: string) {
  const response = await ROUTES[channel].POST(request(channel, body));
  const events = convex.mutations().flatMap((m) => m.args.events);
  return { status: response.status, answer: (await response.json()) as Record<string, unknown>, events };
}

describe("the corpus of real payloads", () => {
  it("holds at least 100 payloads, each with its source cited", () => {
    expect(files.length).toBeGreaterThanOrEqual(100);
    const sources = readFileSync(new URL("SOURCES.md", CORPUS), "utf8");
    for (const { channel, name } of files) expect(sources, `${channel}/${name}`).toContain(`\`${channel}/${name}\``);
  });

  it.each(files.map((f) => [`${f.channel}/${f.name}`, f] as const))("%s is acknowledged and read as what it is", async (_, file) => {
    const { status, answer, events } = await post(file.channel, file.body);
    expect(status).toBe(200);
    expect(answer).toMatchObject({ ok: true, skipped: 0 });
    expect(events.map((e) => e.kind)).toEqual(expectedKinds(file.channel, file.name));
    for (const event of events) expect(event.channel).toBe(file.channel);
  });

  it("covers every event kind the channels document", () => {
    const kinds = new Set(files.flatMap((f) => expectedKinds(f.channel, f.name)));
    expect([...kinds].sort()).toEqual(["echo", "edit", "message", "reaction", "status"]);
  });
});

describe("what the corpus says, as a person would read it", () => {
  const eventsOf = async (path: string) => {
    const channel = path.split("/")[0] as CorpusChannel;
    return (await post(channel, readFileSync(new URL(path, CORPUS), "utf8"))).events;
  };

  it("a WhatsApp order is stored with its items", async () => {
    const [order] = await eventsOf("whatsapp/pywa__message__order.json");
    expect(order).toMatchObject({
      kind: "message",
      attachments: [{ kind: "other", caption: "order: 3 × HAMBURGER @ 30 ILS, 2 × FRENCH_FRIES @ 35 ILS, 2 × SODA @ 10 ILS" }],
    });
  });

  it("a WhatsApp message the API cannot show is stored as unsupported, not dropped", async () => {
    const [message] = await eventsOf("whatsapp/pywa__message__unsupported_with_type.json");
    expect(message).toMatchObject({ kind: "message", attachments: [{ kind: "other", caption: "unsupported message (pool)" }] });
  });

  it("a WhatsApp edit replaces the text of the original message", async () => {
    const [edit] = await eventsOf("whatsapp/pywa__edited_message__image.json");
    expect(edit).toMatchObject({
      kind: "edit",
      externalId: "wamid.HBgLMTQxMjU1NTA4MjkVAgASGBQzQUNCNjk5RDUwNUZGMUZEM0VBRAA=",
      text: "Updated image caption",
    });
  });

  it("the owner's reply from the WhatsApp Business app is a human echo to the customer", async () => {
    const [echo] = await eventsOf("whatsapp/pywa__outgoing_message__text.json");
    expect(echo).toMatchObject({ kind: "echo", chatId: "<WHATSAPP_USER_PHONE_NUMBER>", text: "Test message" });
    expect(echo).not.toHaveProperty("matchOwnByText");
  });

  it("a WhatsApp unreaction without an emoji takes the reaction back", async () => {
    const [reaction] = await eventsOf("whatsapp/pywa__message__unreaction_no_emoji.json");
    expect(reaction).toMatchObject({ kind: "reaction", emoji: "" });
  });

  it("a message dated years ago (a replayed sample) is stored at its arrival time and flagged", async () => {
    const before = Date.now();
    const [message] = await eventsOf("whatsapp/pywa__message__text.json"); // "timestamp": "1697043223", Oct 2023
    expect(message).toMatchObject({ kind: "message", text: "Body Text", sentAtEstimated: true });
    expect(message!.kind === "message" && message.sentAt).toBeGreaterThanOrEqual(before);
  });
});
