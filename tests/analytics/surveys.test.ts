/**
 * Resolution events and CSAT/NPS surveys end to end on Telegram: the real
 * ingest mutation, the offline responder, the real Telegram adapter aimed at
 * a local fake Bot API, and the lifecycle's own status mutation.
 */
import { createHmac } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, test, vi } from "vitest";
import * as whatsappRoute from "../../app/api/webhooks/whatsapp/route";
import { api, internal } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { ingestEvents } from "../../convex/ingest";
import type { EventType } from "../../lib/analytics/events";
import { DAY, HOUR } from "../../lib/time";
import { startConvexBridge, type ConvexBridge } from "../support/convexBridge";
import { startFakePlatform, telegramOk, type FakePlatform } from "../support/fakePlatform";
import { conversationOf, INGEST_SECRET, newSession, offlineSuite, say, settle, telegramMessage, thread, type Test } from "../convex/setup";
import { op } from "../lifecycle/support";

const suite = offlineSuite();
let t: Test;
let telegram: FakePlatform;
let messenger: FakePlatform;
let whatsapp: FakePlatform;
let bridge: ConvexBridge;
let nextId = 1;

beforeAll(async () => {
  telegram = await startFakePlatform(telegramOk);
  messenger = await startFakePlatform(() => ({ body: { recipient_id: "psid-7", message_id: `m_${Math.random()}` } }));
  // Cloud API answers: a message id for a send, `success` for the read + typing call.
  whatsapp = await startFakePlatform((call) =>
    call.body.type ? { body: { messaging_product: "whatsapp", messages: [{ id: `wamid.OUT${++waSends}` }] } } : { body: { success: true } },
  );
  bridge = await startConvexBridge(() => t);
});
afterAll(async () => {
  await telegram.close();
  await messenger.close();
  await whatsapp.close();
  await bridge.close();
});
let waSends = 0;
beforeEach(() => {
  ({ t } = suite);
  vi.stubEnv("TELEGRAM_BOT_TOKEN", "7012345678:AAtest-token");
  vi.stubEnv("TELEGRAM_API_BASE_URL", telegram.url);
  vi.stubEnv("META_PAGE_ACCESS_TOKEN", "page-token");
  vi.stubEnv("META_GRAPH_API_BASE_URL", messenger.url);
  telegram.calls.length = 0;
  messenger.calls.length = 0;
});

async function customerWrites(text: string, extra: Partial<Parameters<typeof telegramMessage>[0]> = {}) {
  await t.mutation(api.ingest.inbound, { secret: INGEST_SECRET, events: [telegramMessage({ messageId: nextId++, text, ...extra })] });
}

async function conversation() {
  return await t.run(async (ctx) => (await ctx.db.query("conversations").first())!);
}

async function events(type: EventType) {
  return await t.run(async (ctx) => (await ctx.db.query("analyticsEvents").collect()).filter((e) => e.type === type));
}

const sentTexts = () => telegram.callsTo("/sendMessage").map((c) => String(c.body.text));

async function setStatus(id: Id<"conversations">, status: "open" | "resolved") {
  await op(t).mutation(api.lifecycle.status.setConversationStatus, { conversationIds: [id], status });
  await settle(t);
}

describe("resolution events", () => {
  test("a resolve records its time and whether a human answered; the customer writing again records a reopen", async () => {
    const start = Date.now();
    await customerWrites("Hey, do you ship to Riga?");
    await settle(t);
    const { _id: id } = await conversation();
    await setStatus(id, "resolved");

    const [resolved, ...more] = await events("conversation.resolved");
    expect(more).toHaveLength(0);
    const operatorId = await t.run(async (ctx) => (await ctx.db.query("users").first())!._id);
    expect(resolved).toMatchObject({ kind: "ai", conversationId: id, channel: "telegram", staffId: operatorId, metadata: { by: operatorId } });
    expect(resolved!.durationMs).toBeGreaterThanOrEqual(Date.now() - start - 1000);

    await customerWrites("one more thing");
    expect(await events("conversation.reopened")).toMatchObject([{ kind: "customer", conversationId: id }]);
    await settle(t);

    // An operator answers this time: the next resolution is a human one, timed from the reopening.
    await op(t).mutation(api.conversations.sendAsHuman, { conversationId: id, text: "Yes, we do." });
    await settle(t);
    await setStatus(id, "resolved");
    const reopenedAt = (await conversation()).reopenedAt!;
    const second = (await events("conversation.resolved"))[1]!;
    expect(second.kind).toBe("human");
    expect(second.durationMs).toBe(second.at - reopenedAt);

    await setStatus(id, "open");
    expect((await events("conversation.reopened")).map((e) => e.kind)).toEqual(["customer", "operator"]);
  });

  test("the labelling job's category is recorded as an intent once per change, and an operator's label wins", async () => {
    await customerWrites("I want to book a fitting");
    await settle(t);
    const { _id: conversationId } = await conversation();
    const metadata = (category: string) => ({
      sentiment: "neutral" as const,
      category,
      tags: [],
      summary: "Wants a fitting.",
      language: "en",
      source: "offline" as const,
      analyzedAt: Date.now(),
      analyzedThrough: Date.now(),
    });
    await t.mutation(internal.lifecycle.metadata.record, { conversationId, metadata: metadata("appointment") });
    await t.mutation(internal.lifecycle.metadata.record, { conversationId, metadata: metadata("appointment") });
    await op(t).mutation(api.lifecycle.metadata.editMetadata, { conversationId, category: "fitting" });
    expect((await events("intent.classified")).map((e) => [e.intent, e.kind])).toEqual([
      ["appointment", "offline"],
      ["fitting", "operator"],
    ]);
    await setStatus(conversationId, "resolved");
    expect((await events("conversation.resolved"))[0]!.intent).toBe("fitting");
  });
});

describe("CSAT and NPS surveys", () => {
  test("off by default: resolving sends nothing", async () => {
    await customerWrites("Hello");
    await settle(t);
    const before = sentTexts().length;
    await setStatus((await conversation())._id, "resolved");
    expect(sentTexts()).toHaveLength(before);
    expect(await events("satisfaction.survey_sent")).toHaveLength(0);
  });

  test("a resolved conversation gets the CSAT question; '5, great help' is a rating with a comment, not a burst to answer", async () => {
    await op(t).mutation(api.settings.update, { patch: { csatSurveyEnabled: true } });
    await customerWrites("Do you have size 42?");
    await settle(t);
    const { _id: id } = await conversation();
    const replies = sentTexts().length;
    await setStatus(id, "resolved");
    expect(sentTexts().slice(replies)).toEqual([expect.stringContaining("from 1 (poor) to 5 (excellent)")]);
    // Native buttons under the question: a tap sends "csat:N" back.
    const keyboard = (telegram.callsTo("/sendMessage").at(-1)!.body.reply_markup as { inline_keyboard: { text: string; callback_data: string }[][] }).inline_keyboard;
    expect(keyboard.flat().map((b) => [b.text, b.callback_data])).toEqual([1, 2, 3, 4, 5].map((n) => [String(n), `csat:${n}`]));
    expect(await events("satisfaction.survey_sent")).toMatchObject([{ kind: "csat", conversationId: id }]);
    expect((await events("message.sent")).at(-1)!.kind).toBe("survey");

    await customerWrites("5, great help");
    await settle(t);
    expect(sentTexts()).toHaveLength(replies + 1); // no answer to the rating
    expect(await events("satisfaction.rating_received")).toMatchObject([{ kind: "csat", value: 5, conversationId: id }]);
    expect(await events("satisfaction.feedback_received")).toMatchObject([{ kind: "csat", value: 5, metadata: { comment: "great help" } }]);
    const after = await conversation();
    expect(after.status).toBe("resolved");
    expect(after.pendingSurvey).toBeUndefined();
    expect(after.awaitingReplySince).toBeUndefined();
    const stored = await t.run(async (ctx) => (await ctx.db.query("messages").collect()).at(-1)!);
    expect(stored).toMatchObject({ text: "5, great help", status: "answered", survey: "csat" });

    // The survey was answered: a later "4" is an ordinary message that reopens and is answered.
    await customerWrites("4");
    await settle(t);
    expect(await events("satisfaction.rating_received")).toHaveLength(1);
    expect((await conversation()).status).toBe("open");
    expect(sentTexts()).toHaveLength(replies + 2);
  });

  test("a Russian-speaking customer is asked in Russian; a button tap's data reads as the rating", async () => {
    await op(t).mutation(api.settings.update, { patch: { csatSurveyEnabled: true } });
    await customerWrites("Здравствуйте, есть 42 размер?");
    await settle(t);
    await setStatus((await conversation())._id, "resolved");
    expect(sentTexts().at(-1)).toContain("от 1 (плохо) до 5 (отлично)");
    await customerWrites("csat:4", { externalId: "cb:77", callbackQueryId: "77" });
    await settle(t);
    expect(await events("satisfaction.rating_received")).toMatchObject([{ value: 4 }]);
    expect(telegram.callsTo("/answerCallbackQuery")).toHaveLength(1);
  });

  test("a reply that is not a rating reopens the conversation as usual and the survey lapses", async () => {
    await op(t).mutation(api.settings.update, { patch: { csatSurveyEnabled: true } });
    await customerWrites("Hi");
    await settle(t);
    await setStatus((await conversation())._id, "resolved");
    const sent = sentTexts().length;
    await customerWrites("Can I get 2 more pairs?");
    await settle(t);
    expect(await events("satisfaction.rating_received")).toHaveLength(0);
    expect(sentTexts()).toHaveLength(sent + 1); // the bot answered the question
    const after = await conversation();
    expect(after.status).toBe("open");
    expect(after.pendingSurvey).toBeUndefined();
  });

  test("NPS is asked at most once per contact per interval; CSAT the other times", async () => {
    await op(t).mutation(api.settings.update, { patch: { csatSurveyEnabled: true, npsSurveyEnabled: true, npsIntervalDays: 30 } });
    await customerWrites("Hi");
    await settle(t);
    const { _id: id } = await conversation();
    await setStatus(id, "resolved");
    expect(sentTexts().at(-1)).toContain("0 (not at all) to 10");
    const nps = telegram.callsTo("/sendMessage").at(-1)!.body.reply_markup as { inline_keyboard: unknown[][] };
    expect(nps.inline_keyboard.map((row) => row.length)).toEqual([6, 5]);
    await customerWrites("9");
    await settle(t);
    await setStatus(id, "open");
    await setStatus(id, "resolved");
    expect(sentTexts().at(-1)).toContain("1 (poor) to 5");
    expect((await events("satisfaction.survey_sent")).map((e) => e.kind)).toEqual(["nps", "csat"]);
    expect(await events("satisfaction.rating_received")).toMatchObject([{ kind: "nps", value: 9 }]);
    // A survey nobody answered within a day lapses: a late "5" is a message like any other.
    await vi.advanceTimersByTimeAsync(DAY + HOUR);
    await customerWrites("5");
    await settle(t);
    expect(await events("satisfaction.rating_received")).toHaveLength(1);
  });
});

describe("CSAT in the web chat", () => {
  test("the question shows rating buttons until it is answered; a tap sends the number", async () => {
    await op(t).mutation(api.settings.update, { patch: { csatSurveyEnabled: true } });
    const session = await newSession(t);
    await say(t, session, "Hi there");
    await settle(t);
    await setStatus(await conversationOf(t, session), "resolved");
    const question = (await thread(t, session)).messages.at(-1)!;
    expect(question.choices?.map((c) => c.label)).toEqual(["1", "2", "3", "4", "5"]);
    await say(t, session, question.choices![2]!.label);
    await settle(t);
    const after = await thread(t, session);
    expect(after.messages.map((m) => [m.author, m.choices?.length ?? 0]).slice(-2)).toEqual([["agent", 0], ["customer", 0]]);
    expect(await events("satisfaction.rating_received")).toMatchObject([{ kind: "csat", value: 3, channel: "web" }]);
  });
});

describe("CSAT on Messenger", () => {
  test("the question carries quick replies; a tap (title and payload) is a rating, not a burst", async () => {
    await op(t).mutation(api.settings.update, { patch: { csatSurveyEnabled: true } });
    const messengerMessage = (mid: string, text: string) => ({
      kind: "message" as const,
      channel: "messenger" as const,
      accountId: "page-1",
      chatId: "psid-7",
      externalId: mid,
      sender: { externalId: "psid-7" },
      text,
      attachments: [],
      sentAt: Date.now(),
      chatType: "private" as const,
    });
    await t.mutation(api.ingest.inbound, { secret: INGEST_SECRET, events: [messengerMessage("m1", "Do you have gift cards?")] });
    await settle(t);
    const { _id: id } = await conversation();
    await setStatus(id, "resolved");
    const question = messenger.calls.filter((c) => (c.body.message as { quick_replies?: unknown } | undefined)?.quick_replies).at(-1)!;
    const quick = (question.body.message as { quick_replies: { title: string; payload: string }[] }).quick_replies;
    expect(quick.map((q) => q.payload)).toEqual(["csat:1", "csat:2", "csat:3", "csat:4", "csat:5"]);
    const sends = messenger.calls.length;
    // What lib/channels/meta.ts makes of a quick-reply tap: "title (payload)".
    await t.mutation(api.ingest.inbound, { secret: INGEST_SECRET, events: [messengerMessage("m2", "4 (csat:4)")] });
    await settle(t);
    expect(await events("satisfaction.rating_received")).toMatchObject([{ kind: "csat", value: 4, channel: "messenger" }]);
    expect(await events("satisfaction.feedback_received")).toHaveLength(0);
    expect(messenger.calls.filter((c) => c.body.message !== undefined).length).toBe(messenger.calls.slice(0, sends).filter((c) => c.body.message !== undefined).length);
    expect((await conversation()).status).toBe("resolved");
  });
});

describe("ingest cost with surveys and reopening", () => {
  async function cost(text: string) {
    return await t.run(async (ctx) => {
      await ingestEvents(ctx, [telegramMessage({ messageId: nextId++, text })], Date.now());
      return await ctx.meta.getTransactionMetrics();
    });
  }

  test("a survey answer with a comment and a reopening message each stay within ingest's budget of 4 documents written", async () => {
    await op(t).mutation(api.settings.update, { patch: { csatSurveyEnabled: true } });
    await customerWrites("Hi");
    await settle(t);
    const { _id: id } = await conversation();
    await setStatus(id, "resolved");
    const answer = await cost("4 - quick and kind");
    expect(answer.documentsWritten.used).toBe(4); // message, rating, feedback, conversation
    expect(answer.documentsRead.used).toBeLessThanOrEqual(5); // DESIGN.md's ingest budget
    expect(answer.functionsScheduled.used).toBe(0);
    const reopening = await cost("another question");
    expect(reopening.documentsWritten.used).toBe(4); // message, received, reopened, conversation
    expect(reopening.documentsRead.used).toBeLessThanOrEqual(5);
  });
});

describe("CSAT and NPS on WhatsApp, through the real webhook route", () => {
  const APP_SECRET = "wa-survey-app-secret";
  const PHONE_NUMBER_ID = "109876543210987";
  const CUSTOMER = "34611222333";
  let wamid = 0;

  beforeEach(() => {
    vi.stubEnv("META_APP_SECRET", APP_SECRET);
    vi.stubEnv("WHATSAPP_ACCESS_TOKEN", "wa-token");
    vi.stubEnv("META_GRAPH_API_BASE_URL", whatsapp.url);
    vi.stubEnv("NEXT_PUBLIC_CONVEX_URL", bridge.url);
    whatsapp.calls.length = 0;
  });

  /** Posts one customer message to the route as Meta would: signed, in the Cloud API envelope (tests/fixtures/whatsapp). */
  async function customerSends(message: Record<string, unknown>) {
    const body = JSON.stringify({
      object: "whatsapp_business_account",
      entry: [
        {
          id: "118822334455667",
          changes: [
            {
              field: "messages",
              value: {
                messaging_product: "whatsapp",
                metadata: { display_phone_number: "34960123456", phone_number_id: PHONE_NUMBER_ID },
                contacts: [{ profile: { name: "Lucía Ferrer" }, wa_id: CUSTOMER }],
                messages: [{ from: CUSTOMER, id: `wamid.IN${++wamid}`, timestamp: String(Math.floor(Date.now() / 1000)), ...message }],
              },
            },
          ],
        },
      ],
    });
    const signature = "sha256=" + createHmac("sha256", APP_SECRET).update(body).digest("hex");
    const response = await whatsappRoute.POST(
      new Request("https://shop.example.com/api/webhooks/whatsapp", {
        method: "POST",
        headers: { "content-type": "application/json", "x-hub-signature-256": signature },
        body,
      }),
    );
    expect(response.status).toBe(200);
    await settle(t);
  }

  /** What we sent the customer: texts and interactive messages (not the read + typing calls). */
  const sends = () => whatsapp.callsTo(`/${PHONE_NUMBER_ID}/messages`).filter((c) => c.body.type !== undefined);
  type Interactive = {
    type: string;
    body: { text: string };
    footer?: { text: string };
    action: { button: string; sections: { rows: { id: string; title: string }[] }[] };
  };

  test("CSAT goes out as a list of 5 rows; tapping a row is a rating, not a burst to answer", async () => {
    await op(t).mutation(api.settings.update, { patch: { csatSurveyEnabled: true } });
    await customerSends({ type: "text", text: { body: "Can I change the delivery address?" } });
    expect(sends().map((c) => c.body.type)).toEqual(["text"]); // the bot's answer
    const { _id: id } = await conversation();
    await setStatus(id, "resolved");

    const question = sends().at(-1)!.body;
    expect(question).toMatchObject({ messaging_product: "whatsapp", to: CUSTOMER, type: "interactive" });
    const interactive = question.interactive as Interactive;
    expect(interactive.type).toBe("list");
    expect(interactive.body.text).toContain("from 1 (poor) to 5 (excellent)");
    expect(interactive.action.button).toBe("Choose");
    expect(interactive.action.sections.flatMap((s) => s.rows)).toEqual([1, 2, 3, 4, 5].map((n) => ({ id: `csat:${n}`, title: String(n) })));
    expect(await events("satisfaction.survey_sent")).toMatchObject([{ kind: "csat", channel: "whatsapp", conversationId: id }]);

    const sent = sends().length;
    const typing = whatsapp.calls.length - sent;
    // The tap, as the Cloud API reports a list selection (shape: tests/fixtures/whatsapp/survey_list_reply.json).
    await customerSends({ type: "interactive", context: { from: "34960123456", id: "wamid.OUT2" }, interactive: { type: "list_reply", list_reply: { id: "csat:4", title: "4" } } });
    expect(await events("satisfaction.rating_received")).toMatchObject([{ kind: "csat", value: 4, channel: "whatsapp", conversationId: id }]);
    expect(await events("satisfaction.feedback_received")).toHaveLength(0);
    expect(sends()).toHaveLength(sent); // nothing answered it
    expect(whatsapp.calls.length - sends().length).toBe(typing); // not even "typing…": it never became a burst
    expect(await events("batch.flushed")).toHaveLength(1);
    const after = await conversation();
    expect(after).toMatchObject({ status: "resolved" });
    expect(after.pendingSurvey).toBeUndefined();
    const stored = await t.run(async (ctx) => (await ctx.db.query("messages").collect()).at(-1)!);
    expect(stored).toMatchObject({ direction: "in", status: "answered", survey: "csat" });
  });

  test("NPS (11 options) is a 10-row list whose footer offers the 0 to type; a tap from an older quick-reply button counts too", async () => {
    await op(t).mutation(api.settings.update, { patch: { npsSurveyEnabled: true } });
    await customerSends({ type: "text", text: { body: "Здравствуйте, заказ пришёл?" } });
    await setStatus((await conversation())._id, "resolved");
    const interactive = sends().at(-1)!.body.interactive as Interactive;
    expect(interactive.body.text).toContain("от 0");
    expect(interactive.action.button).toBe("Выбрать");
    expect(interactive.footer).toEqual({ text: "Или напишите: 0" });
    const rows = interactive.action.sections.flatMap((s) => s.rows);
    expect(rows).toHaveLength(10);
    expect(rows.map((r) => r.id)).toEqual(Array.from({ length: 10 }, (_, i) => `nps:${i + 1}`));

    const sent = sends().length;
    await customerSends({ type: "button", button: { payload: "nps:9", text: "9" } });
    expect(await events("satisfaction.rating_received")).toMatchObject([{ kind: "nps", value: 9, channel: "whatsapp" }]);
    expect(sends()).toHaveLength(sent);
    expect((await conversation()).status).toBe("resolved");
  });

  test("a reply-button tap (interactive.button_reply) is read the same way", async () => {
    await op(t).mutation(api.settings.update, { patch: { csatSurveyEnabled: true } });
    await customerSends({ type: "text", text: { body: "Hi" } });
    await setStatus((await conversation())._id, "resolved");
    const sent = sends().length;
    await customerSends({ type: "interactive", interactive: { type: "button_reply", button_reply: { id: "csat:2", title: "2" } } });
    expect(await events("satisfaction.rating_received")).toMatchObject([{ kind: "csat", value: 2 }]);
    expect(sends()).toHaveLength(sent);
  });
});
