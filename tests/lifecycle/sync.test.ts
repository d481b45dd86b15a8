import { afterAll, beforeAll, beforeEach, describe, expect, test, vi } from "vitest";
import { api, internal } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { customerMessages, parseGraphTime, syncRetryAt } from "../../lib/lifecycle/sync";
import { HOUR, MINUTE } from "../../lib/time";
import { startFakePlatform, type FakePlatform } from "../support/fakePlatform";
import { op } from "./support";
import { offlineSuite, settle, type Test } from "../convex/setup";

const PAGE = "105000000000001";
const PSID = "24000000000000001";

const suite = offlineSuite();
let t: Test;
let graph: FakePlatform;
let conversationMessages: Array<{ id: string; created_time: string; from: { id: string }; message?: string }> = [];
let failing = false;

beforeAll(async () => {
  graph = await startFakePlatform(() => ({ body: { recipient_id: PSID, message_id: `m_out_${Math.random().toString(36).slice(2)}` } }));
  graph.on("/conversations", () =>
    failing
      ? { status: 500, body: { error: { message: "An unexpected error has occurred", type: "OAuthException", code: 2 } } }
      : { body: { data: [{ id: "t_10001", messages: { data: [...conversationMessages].reverse() } }] } },
  );
});
afterAll(async () => {
  await graph.close();
});
beforeEach(() => {
  ({ t } = suite);
  vi.stubEnv("META_PAGE_ACCESS_TOKEN", "page-token");
  vi.stubEnv("META_GRAPH_API_BASE_URL", graph.url);
  graph.calls.length = 0;
  conversationMessages = [];
  failing = false;
});

/** Graph's own time format: "2026-11-21T11:50:00+0000". */
function graphTime(ms: number) {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "+0000");
}

function said(id: string, agoMs: number, text: string, from = PSID) {
  conversationMessages.push({ id, created_time: graphTime(Date.now() - agoMs), from: { id: from }, message: text });
}

async function messengerConversation(channel: "messenger" | "telegram" = "messenger"): Promise<Id<"conversations">> {
  return await t.run(async (ctx) => {
    const contactId = await ctx.db.insert("contacts", { channel, accountId: PAGE, externalId: PSID });
    return await ctx.db.insert("conversations", {
      channel,
      accountId: PAGE,
      chatId: PSID,
      contactId,
      state: { kind: "idle" },
      tickGeneration: 0,
      takeover: false,
      lastInboundAt: Date.now() - 2 * HOUR,
      lastMessagePreview: "hi",
      lastMessageAt: Date.now() - 2 * HOUR,
    });
  });
}

async function sync(conversationId: Id<"conversations">, mode: "incremental" | "full" = "incremental") {
  await op(t).mutation(api.lifecycle.sync.syncNow, { conversationId, mode });
  await settle(t);
}

const statusOf = (conversationId: Id<"conversations">) => op(t).query(api.lifecycle.sync.syncStatusOf, { conversationId });
const texts = async (conversationId: Id<"conversations">) =>
  (await t.run((ctx) => ctx.db.query("messages").withIndex("by_conversation", (q) => q.eq("conversationId", conversationId)).collect())).map(
    (m) => `${m.author}:${m.text}:${m.status}`,
  );

describe("history sync with the Graph API", () => {
  test("a missed recent message is stored and answered; the next incremental sync stores only what is new", async () => {
    const id = await messengerConversation();
    said("m_1", 10 * MINUTE, "do you ship to Riga?");
    said("m_2", 9 * MINUTE, "We do!", PAGE);
    await sync(id, "full");
    const request = graph.callsTo("/conversations")[0];
    expect(request.path).toMatch(new RegExp(`/v\\d+\\.0/${PAGE}/conversations\\?platform=messenger&user_id=${PSID}&fields=`));
    expect(await statusOf(id)).toMatchObject({ status: "synced", stored: 1, late: 0, retryCount: 0 });
    const first = await texts(id);
    expect(first[0]).toBe("customer:do you ship to Riga?:answered");
    expect(first.filter((m) => m.startsWith("agent:"))).toHaveLength(1);

    said("m_3", 1 * MINUTE, "and to Tallinn?");
    await sync(id);
    const after = await texts(id);
    expect(after.filter((m) => m.startsWith("customer:"))).toEqual(["customer:do you ship to Riga?:answered", "customer:and to Tallinn?:answered"]);
    expect(await statusOf(id)).toMatchObject({ status: "synced", stored: 1 });
  });

  test("a message older than the reply horizon goes to a human instead of being answered late", async () => {
    const id = await messengerConversation();
    said("m_old", 3 * HOUR, "hello? anyone?");
    await sync(id, "full");
    expect(await texts(id)).toEqual(["customer:hello? anyone?:ignored"]);
    const conversation = await t.run((ctx) => ctx.db.get("conversations", id));
    expect(conversation).toMatchObject({ takeover: true, needsHuman: { reason: expect.stringContaining("missed while the webhook was down") } });
    expect(await statusOf(id)).toMatchObject({ status: "synced", late: 1 });
  });

  test("failures are retried 3 times with backoff, then the conversation is flagged", async () => {
    const id = await messengerConversation();
    failing = true;
    await op(t).mutation(api.lifecycle.sync.syncNow, { conversationId: id });
    await t.finishInProgressScheduledFunctions();
    await vi.advanceTimersByTimeAsync(0);
    await t.finishInProgressScheduledFunctions();
    expect(await statusOf(id)).toMatchObject({ status: "pending", retryCount: 1, error: expect.stringContaining("Graph API 500") });
    await settle(t);
    expect(graph.callsTo("/conversations")).toHaveLength(4);
    expect(await statusOf(id)).toMatchObject({ status: "failed", retryCount: 4 });
    const conversation = await t.run((ctx) => ctx.db.get("conversations", id));
    expect(conversation?.needsHuman?.reason).toMatch(/History sync failed 4 times: Graph API 500/);
  });

  test("Telegram has no history API, and its status says so plainly", async () => {
    const id = await messengerConversation("telegram");
    await sync(id);
    expect(await statusOf(id)).toMatchObject({ status: "unsupported", error: expect.stringContaining("Telegram has no API") });
    expect(graph.calls).toHaveLength(0);
  });

  test("the cron syncs recently active Messenger and Instagram conversations only", async () => {
    await messengerConversation();
    await messengerConversation("telegram");
    expect(await t.mutation(internal.lifecycle.sync.syncRecent, { mode: "incremental" })).toBe(1);
    await settle(t);
  });
});

describe("sync rules", () => {
  test("Graph times parse, our own messages are skipped, and old ones are marked late", () => {
    const now = Date.UTC(2026, 10, 30, 12);
    expect(parseGraphTime("2026-11-30T11:00:00+0000")).toBe(now - HOUR);
    const found = customerMessages(
      [
        { id: "b", created_time: "2026-11-30T11:59:00+0000", from: { id: "C" }, message: "new" },
        { id: "p", created_time: "2026-11-30T11:58:00+0000", from: { id: "PAGE" }, message: "ours" },
        { id: "a", created_time: "2026-11-30T09:00:00+0000", from: { id: "C" } },
      ],
      { businessId: "PAGE", since: -1, now, replyHorizonMs: HOUR },
    );
    expect(found.map((m) => [m.externalId, m.late, m.text])).toEqual([["a", true, ""], ["b", false, "new"]]);
    expect([1, 2, 3, 4].map((n) => syncRetryAt(n, 0))).toEqual([MINUTE, 5 * MINUTE, 25 * MINUTE, null]);
  });
});
