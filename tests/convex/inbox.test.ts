import { beforeEach, describe, expect, test } from "vitest";
import { api, internal } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { inboxCounts, listConversations, MAX_PAGE_SIZE, searchContacts, searchMessages } from "../../convex/dashboard";
import { ingestEvents } from "../../convex/ingest";
import { sameWallClockIn } from "../../lib/inbox";
import { HOUR, MINUTE, SECOND } from "../../lib/time";
import {
  asOwner,
  advance,
  conversationOf,
  newSession,
  offlineSuite,
  say,
  scheduleFollowupNow,
  settle,
  signedIn,
  telegramMessage,
  type Accessor,
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

async function rowOf(contactName: string) {
  const row = (await rows()).find((r) => r.contactName === contactName);
  if (!row) throw new Error(`no row for ${contactName}`);
  return row;
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
      await listConversations(ctx, { numItems: 1000, cursor: null }, {}, "operator" as Id<"users">);
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

describe("inbox: open/resolved, unread, attention", () => {
  type Args = { lifecycle?: "open" | "resolved"; channel?: "telegram" | "web"; needsHuman?: boolean };
  const page = async (args: Args = {}, who?: Pick<Accessor, "query">) =>
    (await (who ?? asOwner(t)).query(api.dashboard.conversations, { paginationOpts: FIRST_PAGE, ...args })).page;

  test("each row carries the operator's own unread count, which grows live and drops when they open it", async () => {
    await telegramSays("620001", "Oksana", "Привет");
    await telegramSays("620001", "Oksana", "есть доставка?");
    const [first] = await page();
    expect(first).toMatchObject({ contactName: "Oksana", unread: true, unreadCount: 2, lifecycle: "open" });

    await asOwner(t).mutation(api.lifecycle.status.markConversationsRead, { conversationIds: [first!.id], upTo: first!.lastInboundAt });
    expect((await page())[0]).toMatchObject({ unread: false, unreadCount: 0 });

    await telegramSays("620001", "Oksana", "и в Казань?");
    expect((await page())[0]).toMatchObject({ unread: true, unreadCount: 1 });
    // Another operator has read nothing.
    expect((await page({}, await signedIn(t, "operator", "second@example.com")))[0]).toMatchObject({ unreadCount: 3 });
    await settle(t);
  });

  test("marking read up to what the screen showed leaves a message that arrived meanwhile unread", async () => {
    await telegramSays("620002", "Ivan", "one");
    const [shown] = await page();
    await advance(t, SECOND);
    await telegramSays("620002", "Ivan", "two");
    await asOwner(t).mutation(api.lifecycle.status.markConversationsRead, { conversationIds: [shown!.id], upTo: shown!.lastInboundAt });
    expect((await page())[0]).toMatchObject({ unreadCount: 1 });
    await settle(t);
  });

  test("the Open view hides resolved conversations, the Resolved view shows them, and a new message reopens one", async () => {
    await telegramSays("620003", "Anna", "hi");
    await advance(t, SECOND);
    await telegramSays("620004", "Boris", "hello");
    const boris = (await page())[0]!;
    await asOwner(t).mutation(api.lifecycle.status.setConversationStatus, { conversationIds: [boris.id], status: "resolved" });

    expect((await page({ lifecycle: "open" })).map((r) => r.contactName)).toEqual(["Anna"]);
    expect(await page({ lifecycle: "resolved" })).toMatchObject([{ contactName: "Boris", lifecycle: "resolved" }]);
    expect((await page({ lifecycle: "open", channel: "telegram" })).map((r) => r.contactName)).toEqual(["Anna"]);
    expect(await page({ lifecycle: "open", channel: "web" })).toEqual([]);

    await telegramSays("620004", "Boris", "one more thing");
    expect((await page({ lifecycle: "open" })).map((r) => r.contactName)).toEqual(["Boris", "Anna"]);
    expect(await page({ lifecycle: "resolved" })).toEqual([]);
    await settle(t);
  });

  test("conversations stored before status was kept join the Open view once backfilled", async () => {
    await telegramSays("620005", "Legacy", "old message");
    const [row] = await page();
    await t.run(async (ctx) => {
      await ctx.db.patch("conversations", row!.id, { status: undefined, inboundCount: undefined });
    });
    expect(await page({ lifecycle: "open" })).toEqual([]);
    // Without a count the row still says whether something is new.
    expect((await page())[0]).toMatchObject({ unread: true, lifecycle: "open" });
    expect((await page())[0]!.unreadCount).toBeUndefined();

    expect(await t.mutation(internal.inbox.backfillStatus, {})).toMatchObject({ status: 1 });
    expect(await page({ lifecycle: "open" })).toMatchObject([{ contactName: "Legacy" }]);
    expect(await t.mutation(internal.inbox.backfillStatus, {})).toEqual({ status: 0, searchNames: 0, inboxFields: 0 });
    await settle(t);
  });

  test("contacts and conversations stored before the inbox fields existed get them from the hourly backfill", async () => {
    const web = await newSession(t);
    await say(t, web, "Когда доставка?");
    await settle(t); // the offline responder answers
    await advance(t, MINUTE);
    const waitingId = await conversationOf(t, web);
    await asOwner(t).mutation(api.conversations.setTakeover, { conversationId: waitingId, takeover: true });
    await say(t, web, "И ещё вопрос");
    await advance(t, MINUTE);
    await say(t, web, "Алло?");
    await telegramSays("660001", "Анна Старая", "Привет", "anna_old");
    const telegramId = (await rowOf("Анна Старая")).id;
    const kept = await t.run(async (ctx) => {
      const conversations = await ctx.db.query("conversations").collect();
      return Object.fromEntries(
        conversations.map((c) => [c._id, { lastCustomerText: c.lastCustomerText, awaitingReplySince: c.awaitingReplySince, lastReplyAuthor: c.lastReplyAuthor }]),
      );
    });
    expect(kept[waitingId]).toMatchObject({ lastCustomerText: "Алло?", lastReplyAuthor: "agent" });
    expect(kept[waitingId]!.awaitingReplySince).toBeGreaterThan(0);

    // The old way: rows without searchName and without the list fields, and one contact inserted directly.
    await t.run(async (ctx) => {
      for (const contact of await ctx.db.query("contacts").collect()) await ctx.db.patch("contacts", contact._id, { searchName: undefined });
      for (const c of await ctx.db.query("conversations").collect()) {
        await ctx.db.patch("conversations", c._id, { lastCustomerText: undefined, awaitingReplySince: undefined, lastReplyAuthor: undefined, status: undefined });
      }
      await ctx.db.insert("contacts", { channel: "telegram", accountId: "default", externalId: "660003", displayName: "Вера Давняя" });
    });
    // convex-test's search (the local runtime's) fails on contacts lacking the field.
    await expect(asOwner(t).query(api.dashboard.contactSearch, { text: "анна" })).rejects.toThrow();
    expect((await rows()).find((r) => r.id === waitingId)!.waitingSince).toBeUndefined();

    expect(await t.mutation(internal.inbox.backfillStatus, {})).toEqual({ status: 2, searchNames: 3, inboxFields: 2 });
    const after = await t.run(async (ctx) => await ctx.db.query("conversations").collect());
    for (const c of after) {
      expect({ lastCustomerText: c.lastCustomerText, awaitingReplySince: c.awaitingReplySince, lastReplyAuthor: c.lastReplyAuthor }).toEqual(kept[c._id]);
    }
    expect(await asOwner(t).query(api.dashboard.contactSearch, { text: "анна" })).toMatchObject([{ contactName: "Анна Старая" }]);
    expect((await asOwner(t).query(api.dashboard.contactSearch, { text: "anna_old" })).map((c) => c.contactName)).toEqual(["Анна Старая"]);
    expect(await t.run(async (ctx) => (await ctx.db.query("contacts").collect()).map((c) => c.searchName).sort())).toEqual([
      "",
      "Анна Старая anna_old",
      "Вера Давняя",
    ]);
    const [waitingRow, telegramRow] = [waitingId, telegramId].map((id) => after.find((c) => c._id === id));
    expect((await rows()).find((r) => r.id === waitingId)).toMatchObject({
      customerLine: "Алло?",
      waitingSince: kept[waitingId]!.awaitingReplySince,
      status: "human",
    });
    expect(waitingRow?.status).toBe("open");
    expect(telegramRow).toMatchObject({ lastCustomerText: "Привет", status: "open" });
    // Nothing left: a second run writes nothing.
    expect(await t.mutation(internal.inbox.backfillStatus, {})).toEqual({ status: 0, searchNames: 0, inboxFields: 0 });
    await settle(t);
  });

  test("the navigation counts open conversations that need attention, never resolved ones", async () => {
    const sessions = [await newSession(t), await newSession(t), await newSession(t)];
    for (const session of sessions) await say(t, session, "hi");
    await settle(t); // the offline responder answers all three
    const [a, b, c] = await Promise.all(sessions.map((s) => conversationOf(t, s)));
    expect(await asOwner(t).query(api.dashboard.counts, {})).toMatchObject({ attention: 0 });
    await t.run(async (ctx) => {
      await ctx.db.patch("conversations", a!, { needsHuman: { reason: "refund", since: Date.now() } });
      await ctx.db.patch("conversations", b!, { needsHuman: { reason: "handoff", since: Date.now() + 1 } });
    });
    // c: a human took over; once the customer writes again they wait for that human.
    await asOwner(t).mutation(api.conversations.setTakeover, { conversationId: c!, takeover: true });
    expect(await asOwner(t).query(api.dashboard.counts, {})).toMatchObject({ attention: 2, needsHuman: 2 });
    await say(t, sessions[2]!, "hello?");
    expect(await asOwner(t).query(api.dashboard.counts, {})).toMatchObject({ attention: 3 });

    await asOwner(t).mutation(api.lifecycle.status.setConversationStatus, { conversationIds: [a!], status: "resolved" });
    expect(await asOwner(t).query(api.dashboard.counts, {})).toMatchObject({ attention: 2, needsHuman: 1, oldestNeedsHumanId: b });
    await settle(t);
  });

  test("a full page of read conversations reads at most 100 documents, markers included", async () => {
    for (let i = 0; i < MAX_PAGE_SIZE + 2; i++) {
      await telegramSays(`63${String(i).padStart(4, "0")}`, `n${i}`, `hello ${i}`);
      await advance(t, 10);
    }
    const all = [
      ...(await page()),
      ...(await asOwner(t).query(api.dashboard.conversations, { paginationOpts: { numItems: MAX_PAGE_SIZE, cursor: null } })).page,
    ];
    await asOwner(t).mutation(api.lifecycle.status.markConversationsRead, { conversationIds: [...new Set(all.map((r) => r.id))] });
    const owner = (await t.run((ctx) => ctx.db.query("readMarkers").first()))!.operatorId;
    const metrics = await t.run(async (ctx) => {
      const result = await listConversations(ctx, { numItems: 1000, cursor: null }, { lifecycle: "open" }, owner as Id<"users">);
      expect(result.page).toHaveLength(MAX_PAGE_SIZE);
      expect(result.page.every((r) => r.unreadCount === 0)).toBe(true);
      return await ctx.meta.getTransactionMetrics();
    });
    expect(metrics.documentsRead.used).toBeLessThanOrEqual(100);
    await settle(t);
  });
});

describe("inbox: assignment", () => {
  const page = async (who: Pick<Accessor, "query">, args: { lifecycle?: "open" | "resolved"; assignee?: "me" | "unassigned" } = {}) =>
    (await who.query(api.dashboard.conversations, { paginationOpts: FIRST_PAGE, ...args })).page;

  test("assign and unassign move conversations between Mine and Unassigned, with counts, per operator", async () => {
    const anna = await signedIn(t, "owner", "anna@example.com");
    const boris = await signedIn(t, "operator", "boris@example.com");
    const sessions = [await newSession(t), await newSession(t), await newSession(t)];
    for (const session of sessions) await say(t, session, "hi");
    await settle(t);
    const [a, b] = await Promise.all(sessions.map((s) => conversationOf(t, s)));
    expect(await anna.query(api.dashboard.assignmentTabCounts, {})).toEqual({ mine: { count: 0, more: false }, unassigned: { count: 3, more: false } });

    const borisId = (await boris.query(api.inbox.operators, {})).find((o) => o.me)!.id;
    expect(await anna.mutation(api.inbox.assign, { conversationIds: [a!, b!], assigneeId: borisId })).toBe(2);
    expect(await boris.query(api.dashboard.assignmentTabCounts, {})).toMatchObject({ mine: { count: 2 }, unassigned: { count: 1 } });
    expect(await anna.query(api.dashboard.assignmentTabCounts, {})).toMatchObject({ mine: { count: 0 }, unassigned: { count: 1 } });
    const mine = await page(boris, { lifecycle: "open", assignee: "me" });
    expect(mine.map((r) => r.id).sort()).toEqual([a, b].sort());
    expect(mine[0]).toMatchObject({ assignedToMe: true, assigneeName: "boris@example.com" });
    expect(await page(anna, { lifecycle: "open", assignee: "me" })).toEqual([]);
    expect((await page(anna, { lifecycle: "open" })).find((r) => r.id === a)).toMatchObject({ assignedToMe: false, assigneeName: "boris@example.com" });

    expect(await boris.mutation(api.inbox.assign, { conversationIds: [a!], assigneeId: null })).toBe(1);
    expect((await page(anna, { lifecycle: "open", assignee: "unassigned" })).map((r) => r.id)).toContain(a);
    // The audit log says who did it.
    const actions = await t.run((ctx) => ctx.db.query("auditLog").collect());
    expect(actions.filter((e) => e.action.startsWith("conversation.")).map((e) => e.action)).toEqual([
      "conversation.assigned",
      "conversation.assigned",
      "conversation.unassigned",
    ]);
  });

  test("an unknown conversation or a disabled assignee changes nothing", async () => {
    const anna = await signedIn(t, "owner", "anna@example.com");
    const session = await newSession(t);
    await say(t, session, "hi");
    const id = await conversationOf(t, session);
    const gone = await t.run(async (ctx) => {
      const { _id, _creationTime, ...fields } = (await ctx.db.get("conversations", id))!;
      const other = await ctx.db.insert("conversations", { ...fields, chatId: `gone ${_id}@${_creationTime}` });
      await ctx.db.delete("conversations", other);
      return other;
    });
    const disabled = await t.run((ctx) => ctx.db.insert("users", { email: "old@example.com", role: "operator", disabledAt: Date.now() }));
    await expect(anna.mutation(api.inbox.assign, { conversationIds: [id, gone], assigneeId: null })).rejects.toThrow(/no longer exists/);
    await expect(anna.mutation(api.inbox.assign, { conversationIds: [id], assigneeId: disabled })).rejects.toThrow(/enabled operator/);
    expect((await page(anna))[0]!.assigneeId).toBeUndefined();
    await settle(t);
  });

  test("an operator pausing the bot gets the conversation when nobody owns it, and keeps someone else's owner", async () => {
    const anna = await signedIn(t, "owner", "anna@example.com");
    const boris = await signedIn(t, "operator", "boris@example.com");
    const [s1, s2] = [await newSession(t), await newSession(t)];
    await say(t, s1, "hi");
    await say(t, s2, "hello");
    await settle(t);
    const [c1, c2] = [await conversationOf(t, s1), await conversationOf(t, s2)];
    const annaId = (await anna.query(api.inbox.operators, {})).find((o) => o.me)!.id;
    await boris.mutation(api.conversations.setTakeover, { conversationId: c1, takeover: true });
    expect((await page(boris, { lifecycle: "open", assignee: "me" })).map((r) => r.id)).toEqual([c1]);

    await boris.mutation(api.inbox.assign, { conversationIds: [c2], assigneeId: annaId });
    await boris.mutation(api.conversations.setTakeover, { conversationId: c2, takeover: true });
    expect((await page(anna, { lifecycle: "open", assignee: "me" })).map((r) => r.id)).toEqual([c2]);
    await settle(t);
  });

  test("a full page with assignees reads at most 100 documents", async () => {
    const anna = await signedIn(t, "owner", "anna@example.com");
    const annaId = (await anna.query(api.inbox.operators, {})).find((o) => o.me)!.id;
    for (let i = 0; i < MAX_PAGE_SIZE + 2; i++) await telegramSays(`64${String(i).padStart(4, "0")}`, `p${i}`, `hey ${i}`);
    const rows = (await page(anna, {})).map((r) => r.id);
    await anna.mutation(api.inbox.assign, { conversationIds: rows, assigneeId: annaId });
    await anna.mutation(api.lifecycle.status.markConversationsRead, { conversationIds: rows });
    const metrics = await t.run(async (ctx) => {
      const result = await listConversations(ctx, { numItems: 1000, cursor: null }, { lifecycle: "open", assignee: "me" }, annaId);
      expect(result.page).toHaveLength(MAX_PAGE_SIZE);
      return await ctx.meta.getTransactionMetrics();
    });
    expect(metrics.documentsRead.used).toBeLessThanOrEqual(100);
    await settle(t);
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

  test("the assignee filter narrows message and contact hits to mine, nobody's or one operator's", async () => {
    const anna = await signedIn(t, "owner", "anna@example.com");
    const boris = await signedIn(t, "operator", "boris@example.com");
    await telegramSays("630001", "Дмитрий Первый", "Где доставка?");
    await telegramSays("630002", "Дмитрий Второй", "Доставка опять опоздала");
    await telegramSays("630003", "Дмитрий Третий", "Спасибо за доставку");
    const ids = Object.fromEntries((await rows()).map((r) => [r.contactName, r.id]));
    const borisId = (await boris.query(api.inbox.operators, {})).find((o) => o.me)!.id;
    await anna.mutation(api.inbox.assign, { conversationIds: [ids["Дмитрий Первый"]!], assigneeId: borisId });
    await boris.mutation(api.inbox.assign, { conversationIds: [ids["Дмитрий Второй"]!], assigneeId: (await anna.query(api.inbox.operators, {})).find((o) => o.me)!.id });

    const messages = async (who: Pick<Accessor, "query">, assignee?: "me" | "unassigned" | Id<"users">) =>
      (await who.query(api.dashboard.messageSearch, { text: "доставк", paginationOpts: FIRST_PAGE, assignee })).page
        .map((h) => h.contactName)
        .sort();
    const contacts = async (who: Pick<Accessor, "query">, assignee?: "me" | "unassigned" | Id<"users">) =>
      (await who.query(api.dashboard.contactSearch, { text: "дмитрий", assignee })).map((h) => h.contactName).sort();

    expect(await messages(anna)).toEqual(["Дмитрий Второй", "Дмитрий Первый", "Дмитрий Третий"]);
    expect(await messages(boris, "me")).toEqual(["Дмитрий Первый"]);
    expect(await messages(anna, "me")).toEqual(["Дмитрий Второй"]);
    expect(await messages(anna, "unassigned")).toEqual(["Дмитрий Третий"]);
    expect(await messages(anna, borisId)).toEqual(["Дмитрий Первый"]);
    expect(await contacts(boris, "me")).toEqual(["Дмитрий Первый"]);
    expect(await contacts(anna, "unassigned")).toEqual(["Дмитрий Третий"]);
    // Combined with the date range: nothing was written in the future.
    expect((await anna.query(api.dashboard.messageSearch, { text: "доставк", paginationOpts: FIRST_PAGE, assignee: "me", from: Date.now() + MINUTE })).page).toEqual([]);
    await settle(t);
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
