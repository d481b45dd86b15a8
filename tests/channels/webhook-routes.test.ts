/**
 * The webhook routes as the platforms call them: real Requests, signed the
 * way Telegram and Meta sign, against a fake Convex deployment on 127.0.0.1.
 */
import { createHmac } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import * as instagramRoute from "../../app/api/webhooks/instagram/route";
import * as messengerRoute from "../../app/api/webhooks/messenger/route";
import * as telegramRoute from "../../app/api/webhooks/telegram/route";
import * as whatsappRoute from "../../app/api/webhooks/whatsapp/route";
import type { InboundEvent } from "../../convex/validators";
import { fixtureText, startFakeConvex, startFakeServer, type FakeServer } from "./fakes";

const ENV = {
  INGEST_SECRET: "ingest-0c7e1f2a9b",
  TELEGRAM_BOT_TOKEN: "5551234567:AAHk3v9Qw_Zx-7LmN0pRsTuVwXyZ12345ab",
  TELEGRAM_WEBHOOK_SECRET: "tg_hook-7Hq2Lr9Xw",
  TELEGRAM_BOT_USERNAME: "northwind_help_bot",
  META_APP_SECRET: "9f86d081884c7d659a2feaa0c55ad015",
  META_VERIFY_TOKEN: "northwind-verify-2718",
};

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
  // The routes log every refusal for operators; keep the test output readable.
  vi.spyOn(console, "warn").mockImplementation(() => {});
  vi.spyOn(console, "error").mockImplementation(() => {});
});

function telegramRequest(body: string, secret: string | null = ENV.TELEGRAM_WEBHOOK_SECRET): Request {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (secret !== null) headers["x-telegram-bot-api-secret-token"] = secret;
  return new Request("https://shop.example.com/api/webhooks/telegram", { method: "POST", headers, body });
}

function metaRequest(channel: string, body: string, signature: string | null = sign(body)): Request {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (signature !== null) headers["x-hub-signature-256"] = signature;
  return new Request(`https://shop.example.com/api/webhooks/${channel}`, { method: "POST", headers, body });
}

/** What Meta puts in X-Hub-Signature-256 (Node's HMAC, independent of the code under test). */
function sign(body: string, secret = ENV.META_APP_SECRET): string {
  return "sha256=" + createHmac("sha256", secret).update(body).digest("hex");
}

describe("Telegram webhook", () => {
  it("an authentic update is handed to Convex once, with the ingest secret, and acknowledged", async () => {
    const response = await telegramRoute.POST(telegramRequest(fixtureText("telegram/private_text.json")));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, accepted: 1, duplicates: 0, ignored: 0, skipped: 0 });
    const calls = convex.mutations();
    expect(calls).toHaveLength(1);
    expect(calls[0]!.path).toBe("ingest:inbound");
    expect(calls[0]!.args.secret).toBe(ENV.INGEST_SECRET);
    expect(calls[0]!.args.events).toMatchObject([
      { kind: "message", channel: "telegram", accountId: "5551234567", externalId: "7012233445:2201" },
    ]);
  });

  it("a wrong or missing secret token is refused with 401 and nothing is stored", async () => {
    const body = fixtureText("telegram/private_text.json");
    const wrong = await telegramRoute.POST(telegramRequest(body, "tg_hook-guessed"));
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ error: "unauthorized" });
    const missing = await telegramRoute.POST(telegramRequest(body, null));
    expect(missing.status).toBe(401);
    expect(convex.mutations()).toHaveLength(0);
  });

  it("a body that is not JSON is a 400 with the reason", async () => {
    const response = await telegramRoute.POST(telegramRequest('{"update_id": 4100223'));
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: "bad_request", reason: expect.stringMatching(/not JSON/) });
  });

  it("JSON of an unknown shape is acknowledged and skipped with a reason naming what is missing", async () => {
    const response = await telegramRoute.POST(telegramRequest('{"hello":"world"}'));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ ok: true, accepted: 0, skipped: 1, reasons: [expect.stringMatching(/update_id/)] });
    expect(convex.mutations()).toHaveLength(0);
  });

  it("an update kind we do not handle is acknowledged without calling Convex", async () => {
    const response = await telegramRoute.POST(telegramRequest(fixtureText("telegram/my_chat_member.json")));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, accepted: 0, duplicates: 0, ignored: 1, skipped: 0 });
    expect(convex.mutations()).toHaveLength(0);
  });

  it("without a configured webhook secret nothing is accepted: 500 naming the variable", async () => {
    delete process.env.TELEGRAM_WEBHOOK_SECRET;
    const response = await telegramRoute.POST(telegramRequest(fixtureText("telegram/private_text.json")));
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ error: "misconfigured", reason: "TELEGRAM_WEBHOOK_SECRET is not set" });
  });

  it("without the ingest secret the update is refused with 500, so Telegram keeps it", async () => {
    delete process.env.INGEST_SECRET;
    const response = await telegramRoute.POST(telegramRequest(fixtureText("telegram/private_text.json")));
    expect(response.status).toBe(500);
    expect(await response.json()).toMatchObject({ reason: "INGEST_SECRET is not set" });
  });
});

describe("Convex trouble", () => {
  let down: FakeServer;
  afterAll(async () => {
    await down?.close();
  });

  it("Convex unreachable: 503, so the platform redelivers", async () => {
    const gone = await startFakeServer();
    const url = gone.url;
    await gone.close();
    process.env.NEXT_PUBLIC_CONVEX_URL = url;
    const response = await telegramRoute.POST(telegramRequest(fixtureText("telegram/private_text.json")));
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ error: "convex_unavailable" });
  });

  it("the ingest mutation throwing: 503 as well", async () => {
    down = await startFakeServer(() => ({
      status: 560,
      body: { status: "error", errorMessage: "Server Error: ingest failed", logLines: [] },
    }));
    process.env.NEXT_PUBLIC_CONVEX_URL = down.url;
    const response = await messengerRoute.POST(metaRequest("messenger", fixtureText("messenger/text.json")));
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ reason: expect.stringMatching(/ingest failed/) });
    expect(down.requests).toHaveLength(1);
  });
});

describe("Convex refusing what it was sent", () => {
  let refusing: FakeServer;
  afterAll(async () => {
    await refusing?.close();
  });

  /** A Messenger POST of one message per id, signed. */
  function messengerPost(mids: string[]) {
    const entry = mids.map((mid, i) => ({
      id: "231045678901234",
      time: Date.now(),
      messaging: [
        {
          sender: { id: `psid-${i}` },
          recipient: { id: "231045678901234" },
          timestamp: Date.now() - 1000,
          message: { mid, text: `message ${mid}` },
        },
      ],
    }));
    return metaRequest("messenger", JSON.stringify({ object: "page", entry }));
  }

  /**
   * A deployment whose argument validator refuses events with `poison` in
   * their id, worded as Convex cloud words it (a Convex deploy behind the
   * Next one: the route and the functions disagree on a shape).
   */
  async function startRefusingConvex(): Promise<FakeServer> {
    return await startFakeServer((request) => {
      const events = (request.body.args[0]?.events ?? []) as InboundEvent[];
      const index = events.findIndex((e) => e.externalId?.includes("poison"));
      if (index >= 0) {
        return {
          status: 560,
          body: {
            status: "error",
            errorMessage: `[Request ID: 6d1f0c2a9b] Server Error\nArgumentValidationError: Value does not match validator.\nPath: .events[${index}].text\nValue: null\nValidator: v.string()`,
            logLines: [],
          },
        };
      }
      return { body: { status: "success", value: { accepted: events.length, duplicates: 0, ignored: 0 }, logLines: [] } };
    });
  }
  // Ingest calls only: refused events also go to deadLetters:record.
  const ingestCalls = (server: FakeServer) => server.requests.filter((r) => r.body.path === "ingest:inbound");
  const deadLetterCalls = (server: FakeServer) => server.requests.filter((r) => r.body.path === "deadLetters:record");
  const stored = (server: FakeServer) =>
    ingestCalls(server)
      .filter((r) => !(r.body.args[0].events as InboundEvent[]).some((e) => e.externalId?.includes("poison")))
      .flatMap((r) => (r.body.args[0].events as InboundEvent[]).map((e) => e.externalId));

  it("an event Convex refuses as input is skipped with the reason; its siblings are stored in order and the POST gets 200", async () => {
    refusing = await startRefusingConvex();
    process.env.NEXT_PUBLIC_CONVEX_URL = refusing.url;
    const warn = vi.mocked(console.warn);
    const response = await messengerRoute.POST(messengerPost(["m_a", "m_b", "m_poison", "m_c"]));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      ok: true,
      accepted: 3,
      duplicates: 0,
      ignored: 0,
      skipped: 1,
      reasons: [expect.stringMatching(/^message m_poison: refused by Convex: .*ArgumentValidationError/)],
    });
    expect(stored(refusing)).toEqual(["m_a", "m_b", "m_c"]);
    // The operator's log keeps the refused event itself, to replay once the cause is fixed.
    expect(warn.mock.calls.map((c) => String(c[0])).join("\n")).toMatch(/refused event message m_poison[^]*"text":"message m_poison"/);
    // And kept as a dead letter, with the ingest secret, its reason and the event itself.
    const [kept] = deadLetterCalls(refusing);
    expect(kept!.body.args[0]).toMatchObject({ secret: ENV.INGEST_SECRET, letters: [{ channel: "messenger", key: "messenger:message:m_poison", truncated: false }] });
    const letter = (kept!.body.args[0].letters as Array<{ reason: string; eventJson: string }>)[0]!;
    expect(letter.reason).toMatch(/^refused by Convex: .*ArgumentValidationError/);
    expect(JSON.parse(letter.eventJson)).toMatchObject({ kind: "message", externalId: "m_poison", text: "message m_poison" });
    // The platform is not asked to redeliver: a second delivery of the same POST ends the same way.
    const again = await messengerRoute.POST(messengerPost(["m_a", "m_b", "m_poison", "m_c"]));
    expect(again.status).toBe(200);
  });

  it("in a 1,000-event POST only the refused events are left out, in few extra calls", async () => {
    refusing = await startRefusingConvex();
    process.env.NEXT_PUBLIC_CONVEX_URL = refusing.url;
    const mids = Array.from({ length: 1000 }, (_, i) => (i === 123 || i === 777 ? `m_poison_${i}` : `m_bulk_${i}`));
    const response = await messengerRoute.POST(messengerPost(mids));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ accepted: 998, skipped: 2 });
    expect(stored(refusing)).toEqual(mids.filter((m) => !m.includes("poison")));
    // 20 chunks, and each refused event costs a halving per level of its chunk of 50.
    expect(ingestCalls(refusing).length).toBeLessThanOrEqual(20 + 2 * 2 * Math.ceil(Math.log2(50)));
    // Both refused events are kept in one dead-letter call.
    expect(deadLetterCalls(refusing).map((r) => (r.body.args[0].letters as unknown[]).length)).toEqual([2]);
  });

  it("Convex failing for its own reasons is still 503, so the platform redelivers", async () => {
    refusing = await startFakeServer(() => ({
      status: 560,
      body: { status: "error", errorMessage: "[Request ID: 0a9b] Server Error", logLines: [] },
    }));
    process.env.NEXT_PUBLIC_CONVEX_URL = refusing.url;
    const response = await messengerRoute.POST(messengerPost(["m_a", "m_b"]));
    expect(response.status).toBe(503);
    expect(refusing.requests).toHaveLength(1);
  });

  it("a deployment with another ingest secret is a 500 naming the mismatch, not a 503 or a skip", async () => {
    refusing = await startFakeServer(() => ({
      status: 560,
      body: {
        status: "error",
        errorMessage: "Uncaught ConvexError: Wrong ingest secret",
        errorData: { code: "UNAUTHORIZED", message: "Wrong ingest secret" },
        logLines: [],
      },
    }));
    process.env.NEXT_PUBLIC_CONVEX_URL = refusing.url;
    const response = await telegramRoute.POST(telegramRequest(fixtureText("telegram/private_text.json")));
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ error: "misconfigured", reason: "Convex refused the ingest call: Wrong ingest secret" });
  });
});

describe("Meta verification (GET)", () => {
  const verify = (route: typeof messengerRoute, query: string) =>
    route.GET(new Request(`https://shop.example.com/api/webhooks/messenger?${query}`));

  it("echoes the challenge when the verify token matches", async () => {
    for (const route of [messengerRoute, instagramRoute, whatsappRoute]) {
      const response = await verify(
        route,
        `hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=${ENV.META_VERIFY_TOKEN}`,
      );
      expect(response.status).toBe(200);
      expect(await response.text()).toBe("1158201444");
    }
  });

  it("refuses a wrong token or mode with 403", async () => {
    expect((await verify(messengerRoute, "hub.mode=subscribe&hub.challenge=42&hub.verify_token=guess")).status).toBe(403);
    expect(
      (await verify(messengerRoute, `hub.mode=unsubscribe&hub.challenge=42&hub.verify_token=${ENV.META_VERIFY_TOKEN}`))
        .status,
    ).toBe(403);
  });

  it("with no verify token configured, says so instead of verifying anyone", async () => {
    delete process.env.META_VERIFY_TOKEN;
    const response = await verify(messengerRoute, "hub.mode=subscribe&hub.challenge=42&hub.verify_token=");
    expect(response.status).toBe(500);
  });
});

describe("Messenger webhook", () => {
  it("a POST with several entries becomes ONE Convex call with every event in order", async () => {
    const response = await messengerRoute.POST(metaRequest("messenger", fixtureText("messenger/burst_3_entries.json")));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ ok: true, accepted: 3 });
    const calls = convex.mutations();
    expect(calls).toHaveLength(1);
    expect(calls[0]!.args.events.map((e) => e.kind === "message" && e.text)).toEqual([
      "hello",
      "do you fix hydraulic brakes?",
      "Shimano, not SRAM",
    ]);
  });

  it("a forged or missing signature is refused with 401", async () => {
    const body = fixtureText("messenger/text.json");
    const forged = await messengerRoute.POST(metaRequest("messenger", body, sign(body, "someone-elses-secret")));
    expect(forged.status).toBe(401);
    const missing = await messengerRoute.POST(metaRequest("messenger", body, null));
    expect(missing.status).toBe(401);
    expect(await missing.json()).toMatchObject({ reason: expect.stringMatching(/X-Hub-Signature-256/) });
    expect(convex.mutations()).toHaveLength(0);
  });

  it("a body altered after signing is refused", async () => {
    const body = fixtureText("messenger/text.json");
    const tampered = body.replace("Trail 2", "Trail 3");
    expect((await messengerRoute.POST(metaRequest("messenger", tampered, sign(body)))).status).toBe(401);
  });

  it("the echo of our own reply reaches Convex only as a confirmation naming the reply, never as a human's message", async () => {
    const response = await messengerRoute.POST(metaRequest("messenger", fixtureText("messenger/echo_ours.json")));
    expect(response.status).toBe(200);
    expect(convex.mutations().flatMap((m) => m.args.events)).toEqual([
      expect.objectContaining({ kind: "echo", text: "", ownSendKey: "k17f3m2q9x8c4v5b6n7m8a9s0d1f2g3h" }),
    ]);
  });

  it("a signed body of the wrong product is acknowledged, stores nothing and says why", async () => {
    const response = await messengerRoute.POST(metaRequest("messenger", fixtureText("whatsapp/text.json")));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ accepted: 0, skipped: 1, reasons: [expect.stringMatching(/expected "page"/)] });
    expect(convex.mutations()).toHaveLength(0);
  });
});

describe("Instagram and WhatsApp webhooks", () => {
  it("an Instagram DM reaches Convex as an instagram event", async () => {
    const response = await instagramRoute.POST(metaRequest("instagram", fixtureText("instagram/text.json")));
    expect(response.status).toBe(200);
    expect(convex.mutations()[0]!.args.events).toMatchObject([{ channel: "instagram", accountId: "17841412345678901" }]);
  });

  it("WhatsApp receipts go in one call; the 'sent' receipt is counted as ignored", async () => {
    const response = await whatsappRoute.POST(metaRequest("whatsapp", fixtureText("whatsapp/statuses.json")));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, accepted: 2, duplicates: 0, ignored: 1, skipped: 0 });
    expect(convex.mutations()).toHaveLength(1);
  });

  it("a WhatsApp POST with a forged signature is refused", async () => {
    const body = fixtureText("whatsapp/text.json");
    expect((await whatsappRoute.POST(metaRequest("whatsapp", body, sign(body, "wrong")))).status).toBe(401);
  });
});

describe("bodies too big to be real", () => {
  /** A body that counts how much of it was read. */
  function bigBody(totalBytes: number) {
    const chunk = new Uint8Array(64 * 1024).fill(0x20);
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= totalBytes) return controller.close();
        sent += chunk.byteLength;
        controller.enqueue(chunk);
      },
    });
    return { stream, read: () => sent };
  }

  it("a forged Telegram POST of 300 MB is refused by its header before the body is read", async () => {
    const body = bigBody(300 * 1024 * 1024);
    const response = await telegramRoute.POST(
      new Request("https://shop.example.com/api/webhooks/telegram", {
        method: "POST",
        headers: { "x-telegram-bot-api-secret-token": "guessed" },
        body: body.stream,
        duplex: "half",
      } as RequestInit),
    );
    expect(response.status).toBe(401);
    expect(body.read()).toBeLessThanOrEqual(128 * 1024);
  });

  it("an unsigned 300 MB Meta POST is cut off at the cap with 413, long before it is all in memory", async () => {
    const body = bigBody(300 * 1024 * 1024);
    const response = await messengerRoute.POST(
      new Request("https://shop.example.com/api/webhooks/messenger", {
        method: "POST",
        headers: { "x-hub-signature-256": "sha256=00" },
        body: body.stream,
        duplex: "half",
      } as RequestInit),
    );
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ error: "too_large" });
    expect(body.read()).toBeLessThan(20 * 1024 * 1024);
    expect(convex.mutations()).toHaveLength(0);
  });

  it("a signed 1,000-event Messenger POST reaches Convex whole, in calls of at most 50 events", async () => {
    const entry = Array.from({ length: 1000 }, (_, i) => ({
      id: "231045678901234",
      time: Date.now(),
      messaging: [
        {
          sender: { id: `psid-${i % 200}` },
          recipient: { id: "231045678901234" },
          timestamp: Date.now() - 1000,
          message: { mid: `m_bulk_${i}`, text: `message ${i}` },
        },
      ],
    }));
    const text = JSON.stringify({ object: "page", entry });
    const response = await messengerRoute.POST(metaRequest("messenger", text));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ ok: true, accepted: 1000 });
    const calls = convex.mutations();
    expect(calls.length).toBe(20);
    expect(calls.every((c) => c.args.events.length <= 50)).toBe(true);
    expect(calls.flatMap((c) => c.args.events.map((e) => e.externalId))).toEqual(entry.map((_, i) => `m_bulk_${i}`));
  });
});
