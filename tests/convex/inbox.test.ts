import { beforeEach, describe, expect, test } from "vitest";
import { api } from "../../convex/_generated/api";
import { inboxCounts, listConversations, MAX_PAGE_SIZE, searchContacts, searchMessages } from "../../convex/dashboard";
import { ingestEvents } from "../../convex/ingest";
import { sameWallClockIn } from "../../lib/inbox";
import { HOUR, MINUTE, SECOND } from "../../lib/time";
import { asOwner,
  advance,
  conversationOf,
  newSession,
  offlineSuite,
  say,
  scheduleFollowupNow,
  settle,
  telegramMessage,
  type Test,
} from "./setup";

const suite = offlineSuite();
let t: Test;
beforeEach(() => {
  ({ t } = suite);
});

const FIRST_PAGE = { numItems: 50, cursor: null };
let telegramIds = 0;

async function telegramSays(chatId: string, displayName: string, text: string, username?: string) {
  const messageId = ++telegramIds;
  await t.run(async (ctx) => {
    await ingestEvents(
      ctx,
      [
        telegramMessage({
          messageId,
          chatId,
          externalId: `${chatId}:${messageId}`,
          text,
          sender: { externalId: chatId, displayName, username, languageCode: "ru" },
        }),
      ],
      Date.now(),
    );
  });
}

async function rows() {
  return (await asOwner(t).query(api.dashboard.conversations, { paginationOpts: FIRST_PAGE })).page;
}

describe("inbox list", () => {
  test("shows the customer's own line and how long they have waited since the first unanswered one", async () => {
    const session = await newSession(t);
    await say(t, session, "Hey");
    await settle(t); // the offline responder answers
    const answeredAt = Date.now();
    await advance(t, 2 * MINUTE);
    await asOwner(t).mutation(api.conversations.setTakeover, { conversationId: await conversationOf(t, session), takeover: true });
    const firstUnansweredAt = Date.now();
    await say(t, session, "are you there?");
    await advance(t, MINUTE);
    await say(t, session, "hello??");

    const [row] = await rows();

    expect(row).toMatchObject({ status: "human", customerLine: "hello??", waitingSince: firstUnansweredAt });
    expect(row!.repliedBy).toBeUndefined();
    expect(row!.waitingSince).toBeGreaterThan(answeredAt);

    // The operator's reply reaches the customer: nobody waits any more.
    await asOwner(t).mutation(api.conversations.sendAsHuman, {
      conversationId: await conversationOf(t, session),
      text: "Here, sorry for the wait",
    });
    await advance(t, 5 * SECOND); // delivered; the takeover's 4 h quiet timer is far off
    const [after] = await rows();
    expect(after).toMatchObject({ status: "human", customerLine: "hello??", repliedBy: "human" });
    expect(after!.waitingSince).toBeUndefined();
  });

  test("after a reply the row shows the reply and nobody is waiting", async () => {
    const session = await newSession(t);
    await say(t, session, "Do you ship to Riga?");
    await settle(t);

    const [row] = await rows();

    expect(row).toMatchObject({ status: "answered", customerLine: "Do you ship to Riga?", repliedBy: "agent" });
    expect(row!.waitingSince).toBeUndefined();
  });

  test("a full page of busy conversations reads at most 100 documents", async () => {
    for (let i = 0; i < MAX_PAGE_SIZE + 2; i++) {
      const session = await newSession(t);
      await say(t, session, `first ${i}`);
      await say(t, session, `second ${i}`);
      await advance(t, 10);
    }
    const metrics = await t.run(async (ctx) => {
      await listConversations(ctx, { numItems: 1000, cursor: null }, {});
      return await ctx.meta.getTransactionMetrics();
    });
    expect(metrics.documentsRead.used).toBeLessThanOrEqual(100);
  });

  test("counts conversations that need a human, for the navigation", async () => {
    for (const name of ["a", "b", "c"]) await telegramSays(`5100${name.charCodeAt(0)}`, name, "hi");
    const all = await rows();
    await t.run(async (ctx) => {
      for (const row of all.slice(0, 2)) {
        await ctx.db.patch("conversations", row.id, { needsHuman: { reason: "handoff", since: Date.now() } });
      }
    });
    expect(await asOwner(t).query(api.dashboard.counts, {})).toMatchObject({ needsHuman: 2, needsHumanMore: false });
    const metrics = await t.run(async (ctx) => {
      await inboxCounts(ctx);
      return await ctx.meta.getTransactionMetrics();
    });
    expect(metrics.documentsRead.used).toBeLessThanOrEqual(100);
  });
});

describe("inbox search", () => {
  test("finds a contact by a Cyrillic name and by @username, with their conversation", async () => {
    await telegramSays("610001", "Дмитрий Соколов", "Здравствуйте", "dima_s");
    await telegramSays("610002", "Dana Petrova", "Hi");

    const byName = await asOwner(t).query(api.dashboard.contactSearch, { text: "Дмитрий" });
    const byLowerCase = await asOwner(t).query(api.dashboard.contactSearch, { text: "дмитрий" });
    const byUsername = await asOwner(t).query(api.dashboard.contactSearch, { text: "dima" });

    expect(byName).toMatchObject([{ contactName: "Дмитрий Соколов", channel: "telegram", preview: "Здравствуйте" }]);
    expect(byLowerCase.map((c) => c.contactName)).toEqual(["Дмитрий Соколов"]);
    expect(byUsername.map((c) => c.contactName)).toEqual(["Дмитрий Соколов"]);
    expect(await asOwner(t).query(api.dashboard.contactSearch, { text: "Nobody" })).toEqual([]);
  });

  test("finds a message by a Russian word, and the filters narrow it", async () => {
    await telegramSays("610001", "Дмитрий", "Можно доставку завтра?");
    const web = await newSession(t);
    await say(t, web, "Нужна доставка в Ригу");
    await say(t, web, "unrelated");

    const search = (text: string, filter: Record<string, unknown> = {}) =>
      asOwner(t).query(api.dashboard.messageSearch, { text, paginationOpts: FIRST_PAGE, ...filter });

    const all = await search("доставк");
    expect(all.page.map((h) => h.text).sort()).toEqual(["Можно доставку завтра?", "Нужна доставка в Ригу"]);
    expect((await search("доставку", { channel: "telegram" })).page).toMatchObject([
      { contactName: "Дмитрий", channel: "telegram", author: "customer" },
    ]);
    expect((await search("доставка", { channel: "telegram" })).page).toEqual([]);
    expect((await search("доставк", { status: "needs_human" })).page).toEqual([]);
    expect((await search("доставк", { from: Date.now() + MINUTE })).page).toEqual([]);

    await asOwner(t).mutation(api.inbox.setTags, { conversationId: await conversationOf(t, web), tags: ["delivery"] });
    expect((await search("доставк", { tag: "delivery" })).page.map((h) => h.text)).toEqual(["Нужна доставка в Ригу"]);
  });

  test("a page of message hits and the contact matches each read at most 100 documents", async () => {
    for (let i = 0; i < 30; i++) await telegramSays(`7100${i}`, `Ольга ${i}`, `привет номер ${i}`);
    await advance(t, SECOND);
    const metrics = await t.run(async (ctx) => {
      const hits = await searchMessages(ctx, "привет", {}, { numItems: 1000, cursor: null });
      const first = await ctx.meta.getTransactionMetrics();
      return { hits: hits.page.length, first };
    });
    expect(metrics.hits).toBeGreaterThan(0);
    expect(metrics.first.documentsRead.used).toBeLessThanOrEqual(100);
    const contacts = await t.run(async (ctx) => {
      const found = await searchContacts(ctx, "Ольга", {});
      return { found: found.length, metrics: await ctx.meta.getTransactionMetrics() };
    });
    expect(contacts.found).toBe(10);
    expect(contacts.metrics.documentsRead.used).toBeLessThanOrEqual(100);
  });
});

describe("tags", () => {
  test("an operator's tags are trimmed and de-duplicated, and a too-long tag is refused with nothing changed", async () => {
    const session = await newSession(t);
    await say(t, session, "hi");
    const conversationId = await conversationOf(t, session);

    expect(await asOwner(t).mutation(api.inbox.setTags, { conversationId, tags: [" vip ", "vip", "refund"] })).toEqual([
      "vip",
      "refund",
    ]);
    await expect(asOwner(t).mutation(api.inbox.setTags, { conversationId, tags: ["x".repeat(41)] })).rejects.toThrow(
      /at most 40 characters/,
    );
    expect((await rows())[0]!.tags).toEqual(["vip", "refund"]);
  });
});

describe("conversation side panel and follow-ups page", () => {
  test("the panel lists the customer's pending follow-up; the Pending tab counts it; once sent its text is shown", async () => {
    const session = await newSession(t);
    await say(t, session, "write me in 2 hours");
    await settle(t);
    const conversationId = await conversationOf(t, session);
    await scheduleFollowupNow(t, conversationId, "in 2 hours", "ask about the size");

    const plans = await asOwner(t).query(api.dashboard.plans, { conversationId });
    expect(plans.actions).toMatchObject([{ kind: "followup", note: "ask about the size" }]);
    expect(await asOwner(t).query(api.dashboard.followupTabCounts, {})).toMatchObject({
      pending: { count: 1, more: false },
      failed: { count: 0 },
    });

    await asOwner(t).mutation(api.followups.sendNow, { actionId: plans.actions[0]!.id });
    await settle(t);
    const texts = await asOwner(t).query(api.dashboard.followupSentTexts, { actionIds: [plans.actions[0]!.id] });
    expect(texts).toHaveLength(1);
    expect(texts[0]!.text.length).toBeGreaterThan(0);
    expect((await asOwner(t).query(api.dashboard.plans, { conversationId })).actions).toEqual([]);
  });
});

describe("moving a follow-up", () => {
  test("setting the customer's zone keeps the asked-for 10:00 in that zone; a past time is refused with nothing changed", async () => {
    const session = await newSession(t);
    await say(t, session, "write me tomorrow at 10");
    await settle(t);
    const conversationId = await conversationOf(t, session);
    await scheduleFollowupNow(t, conversationId, "tomorrow at 10", "ask about the boots");
    const [action] = (await asOwner(t).query(api.dashboard.plans, { conversationId })).actions;
    // Business zone is UTC by default: 10:00 UTC tomorrow.
    expect(new Date(action!.dueAt).getUTCHours()).toBe(10);

    await expect(
      asOwner(t).mutation(api.inbox.reschedule, { actionId: action!.id, dueAt: Date.now() - MINUTE }),
    ).rejects.toThrow(/in the future/);
    await expect(
      asOwner(t).mutation(api.inbox.reschedule, { actionId: action!.id, dueAt: action!.dueAt, contactTimeZone: "Mars/Base" }),
    ).rejects.toThrow(/not an IANA time zone/);
    expect((await asOwner(t).query(api.dashboard.plans, { conversationId })).actions[0]!.dueAt).toBe(action!.dueAt);

    await asOwner(t).mutation(api.inbox.reschedule, {
      actionId: action!.id,
      dueAt: sameWallClockIn(action!.dueAt, "UTC", "Europe/Moscow"),
      contactTimeZone: "Europe/Moscow",
    });
    const [moved] = (await asOwner(t).query(api.dashboard.plans, { conversationId })).actions;
    expect(moved!.dueAt).toBe(action!.dueAt - 3 * HOUR); // 10:00 Moscow is 07:00 UTC
    expect((await asOwner(t).query(api.dashboard.conversation, { conversationId }))!.contactTimeZone).toBe("Europe/Moscow");

    // It goes out at the new time, not the old one.
    await advance(t, moved!.dueAt - Date.now() + 30 * SECOND);
    expect((await asOwner(t).query(api.dashboard.plans, { conversationId })).actions).toEqual([]);
  });
});
