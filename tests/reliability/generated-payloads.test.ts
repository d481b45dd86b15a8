/**
 * Generated webhook bodies per channel (fast-check), signed as the platform
 * signs, posted to the real routes against a fake Convex: odd shapes,
 * unicode, deep nesting, big batches, wrong types. None may crash the route
 * or get a 5xx, none may take 2 s, every well-formed message must reach
 * Convex, and a normal message still goes through afterwards.
 */
import { createHmac } from "node:crypto";
import fc from "fast-check";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import * as instagramRoute from "../../app/api/webhooks/instagram/route";
import * as messengerRoute from "../../app/api/webhooks/messenger/route";
import * as telegramRoute from "../../app/api/webhooks/telegram/route";
import * as whatsappRoute from "../../app/api/webhooks/whatsapp/route";
import { api } from "../../convex/_generated/api";
import type { InboundEvent } from "../../convex/validators";
import { fixtureText, startFakeConvex } from "../channels/fakes";
import { INGEST_SECRET, newTest } from "../convex/setup";
import { size, SUITE_TIMEOUT_MS } from "./support";

const RUNS = size(500, 2000);
const MAX_MS = 2000;
const ENV = {
  INGEST_SECRET: "fuzz-ingest",
  TELEGRAM_BOT_TOKEN: "5551234567:AAfuzzTokenForTheBot",
  TELEGRAM_WEBHOOK_SECRET: "fuzz-secret",
  META_APP_SECRET: "fuzz-app-secret",
};

let convex: Awaited<ReturnType<typeof startFakeConvex>>;
beforeAll(async () => {
  convex = await startFakeConvex();
});
afterAll(async () => {
  await convex.close();
});
beforeEach(() => {
  convex.requests.length = 0;
  Object.assign(process.env, ENV, { NEXT_PUBLIC_CONVEX_URL: convex.url });
  vi.spyOn(console, "warn").mockImplementation(() => {});
  vi.spyOn(console, "error").mockImplementation(() => {});
});

type Channel = "telegram" | "messenger" | "instagram" | "whatsapp";
const ROUTES = { telegram: telegramRoute, messenger: messengerRoute, instagram: instagramRoute, whatsapp: whatsappRoute };

function request(channel: Channel, body: string): Request {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (channel === "telegram") headers["x-telegram-bot-api-secret-token"] = ENV.TELEGRAM_WEBHOOK_SECRET;
  else headers["x-hub-signature-256"] = "sha256=" + createHmac("sha256", ENV.META_APP_SECRET).update(body).digest("hex");
  return new Request(`https://shop.example.com/api/webhooks/${channel}`, { method: "POST", headers, body });
}

// ---------------------------------------------------------------------------
// Shapes: real field names with values that are sometimes right, sometimes not.

const text = fc.oneof(fc.string(), fc.string({ unit: "grapheme", maxLength: 300 }), fc.constant(""), fc.string({ unit: "binary", maxLength: 50 }));
const id = fc.oneof(fc.bigInt({ min: 1n, max: 2n ** 52n }).map(String), fc.string({ minLength: 1, maxLength: 40 }));
const time = fc.oneof(
  fc.integer({ min: 1_500_000_000, max: 2_000_000_000 }),
  fc.integer({ min: 1_500_000_000_000, max: 2_000_000_000_000 }),
  fc.constant(1e13),
  fc.double(),
  fc.string({ maxLength: 20 }),
);
/** Sometimes the right type, sometimes anything at all (deeply nested included). */
const maybe = <T>(value: fc.Arbitrary<T>) => fc.oneof({ weight: 4, arbitrary: value }, { weight: 1, arbitrary: fc.anything({ maxDepth: 6 }) });

const telegramUpdate = fc.record(
  {
    update_id: maybe(fc.nat()),
    message: maybe(
      fc.record(
        {
          message_id: maybe(fc.nat()),
          date: maybe(fc.nat({ max: 2_000_000_000 })),
          chat: maybe(fc.record({ id: maybe(fc.integer()), type: maybe(fc.constantFrom("private", "group", "supergroup", "channel", "weird")) }, { requiredKeys: ["id"] })),
          from: maybe(fc.record({ id: maybe(fc.integer()), first_name: text, is_bot: fc.boolean() })),
          text: maybe(text),
          caption: maybe(text),
          entities: maybe(fc.array(fc.record({ type: fc.string(), offset: fc.integer(), length: fc.integer() }), { maxLength: 5 })),
        },
        { requiredKeys: [] },
      ),
    ),
    callback_query: maybe(fc.record({ id: id, from: fc.record({ id: fc.integer() }), data: text }, { requiredKeys: [] })),
    brand_new_kind: fc.anything({ maxDepth: 4 }),
  },
  { requiredKeys: [] },
);

const metaEvent = fc.record(
  {
    sender: maybe(fc.record({ id: id })),
    recipient: maybe(fc.record({ id: id })),
    timestamp: maybe(time),
    message: maybe(
      fc.record(
        {
          mid: maybe(id),
          text: maybe(text),
          is_echo: maybe(fc.boolean()),
          metadata: maybe(fc.oneof(text, fc.constant("burstreply:abc"))),
          attachments: maybe(fc.array(fc.record({ type: fc.string(), payload: maybe(fc.record({ url: fc.webUrl() })) }), { maxLength: 4 })),
        },
        { requiredKeys: [] },
      ),
    ),
    reaction: maybe(fc.record({ mid: maybe(id), action: fc.constantFrom("react", "unreact"), emoji: fc.option(text) }, { requiredKeys: [] })),
    delivery: maybe(fc.record({ mids: maybe(fc.array(id, { maxLength: 3 })), watermark: maybe(time) }, { requiredKeys: [] })),
  },
  { requiredKeys: [] },
);
const metaBody = (object: string) =>
  fc.record({
    object: fc.oneof({ weight: 5, arbitrary: fc.constant(object) }, { weight: 1, arbitrary: fc.string() }),
    entry: maybe(fc.array(fc.record({ id: maybe(id), time: maybe(time), messaging: maybe(fc.array(metaEvent, { maxLength: 30 })) }, { requiredKeys: [] }), { maxLength: 20 })),
  });

const waMessage = fc.record(
  {
    from: maybe(id),
    from_user_id: maybe(id),
    id: maybe(id),
    timestamp: maybe(time),
    type: maybe(fc.constantFrom("text", "image", "order", "unsupported", "edit", "reaction", "interactive", "mystery")),
    text: maybe(fc.record({ body: text })),
    reaction: maybe(fc.record({ message_id: id, emoji: fc.option(text, { nil: undefined }) }, { requiredKeys: ["message_id"] })),
    order: maybe(fc.record({ product_items: fc.array(fc.record({ product_retailer_id: fc.string(), quantity: fc.nat() }), { maxLength: 5 }) })),
  },
  { requiredKeys: [] },
);
const whatsappBody = fc.record({
  object: fc.oneof({ weight: 5, arbitrary: fc.constant("whatsapp_business_account") }, { weight: 1, arbitrary: fc.string() }),
  entry: maybe(
    fc.array(
      fc.record({
        id: id,
        changes: maybe(
          fc.array(
            fc.record({
              field: fc.constantFrom("messages", "smb_message_echoes", "account_update"),
              value: maybe(
                fc.record(
                  {
                    metadata: maybe(fc.record({ phone_number_id: id })),
                    contacts: maybe(fc.array(fc.record({ wa_id: maybe(id), profile: fc.record({ name: text }) }), { maxLength: 2 })),
                    messages: maybe(fc.array(waMessage, { maxLength: 20 })),
                    statuses: maybe(fc.array(fc.record({ id: id, status: fc.constantFrom("sent", "delivered", "read", "failed"), timestamp: time, recipient_id: id }), { maxLength: 5 })),
                  },
                  { requiredKeys: [] },
                ),
              ),
            }),
            { maxLength: 5 },
          ),
        ),
      }),
      { maxLength: 5 },
    ),
  ),
});

const ARBITRARIES: Record<Channel, fc.Arbitrary<unknown>> = {
  telegram: telegramUpdate,
  messenger: metaBody("page"),
  instagram: metaBody("instagram"),
  whatsapp: whatsappBody,
};

const NORMAL: Record<Channel, string> = {
  telegram: "telegram/private_text.json",
  messenger: "messenger/text.json",
  instagram: "instagram/text.json",
  whatsapp: "whatsapp/text.json",
};

describe.each(["telegram", "messenger", "instagram", "whatsapp"] as const)(`${RUNS} generated %s payloads`, (channel) => {
  it("never crash the route, never get a 5xx, never take 2 s, and a normal message still goes through", { timeout: SUITE_TIMEOUT_MS }, async () => {
    const statuses = new Map<number, number>();
    let slowest = 0;
    await fc.assert(
      fc.asyncProperty(ARBITRARIES[channel], async (payload) => {
        const body = JSON.stringify(payload);
        const started = performance.now();
        const response = await ROUTES[channel].POST(request(channel, body));
        const took = performance.now() - started;
        slowest = Math.max(slowest, took);
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        const answer = (await response.json()) as { ok?: boolean };
        // JSON that authenticates is always acknowledged: one bad event never refuses the POST.
        expect(response.status, body.slice(0, 500)).toBe(200);
        expect(answer.ok).toBe(true);
        expect(took).toBeLessThan(MAX_MS);
      }),
      { numRuns: RUNS, seed: 42 },
    );
    expect(statuses.get(200)).toBe(RUNS);

    // What reached Convex must pass its validators: no well-formed event may be refused there.
    const sent = convex.mutations().map((m) => m.args.events as InboundEvent[]);
    expect(sent.length).toBeGreaterThan(0);
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval"] });
    vi.stubEnv("INGEST_SECRET", INGEST_SECRET);
    try {
      const t = newTest();
      for (const events of sent.slice(0, 100)) await t.mutation(api.ingest.inbound, { secret: INGEST_SECRET, events });
    } finally {
      vi.useRealTimers();
      vi.unstubAllEnvs();
    }

    convex.requests.length = 0;
    const normal = await ROUTES[channel].POST(request(channel, fixtureText(NORMAL[channel])));
    expect(normal.status).toBe(200);
    expect(convex.mutations().flatMap((m) => m.args.events)).toEqual([expect.objectContaining({ kind: "message", channel })]);
  });
});
