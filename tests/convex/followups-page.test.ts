import { beforeEach, describe, expect, test } from "vitest";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { listActions, MAX_PAGE_SIZE } from "../../convex/followups";
import { ingestEvents } from "../../convex/ingest";
import { UPCOMING_SHOWN, upcomingMeetings } from "../../convex/meetings";
import { HOUR, MINUTE, SECOND } from "../../lib/time";
import { asOwner,
  agentReplies,
  conversationOf,
  offlineSuite,
  scheduleFollowupNow,
  newSession,
  say,
  settle,
  telegramMessage,
  type Test,
} from "./setup";

const suite = offlineSuite();
let t: Test;
beforeEach(() => {
  ({ t } = suite);
});

const FIRST_PAGE = { numItems: 10, cursor: null };

/** The agent schedules a follow-up the way its tool does (`settle` first; not after, it would send it). */
async function followup(conversationId: Id<"conversations">, when: string, note: string) {
  await scheduleFollowupNow(t, conversationId, when, note);
}

async function webCustomer(text: string) {
  const session = await newSession(t);
  await say(t, session, text);
  return { session, conversationId: await conversationOf(t, session) };
}

async function telegramCustomer(displayName: string) {
  await t.run((ctx) =>
    ingestEvents(ctx, [telegramMessage({ messageId: 1, sender: { externalId: "510001", displayName } })], Date.now()),
  );
  const [conversation] = await t.run((ctx) => ctx.db.query("conversations").collect());
  return conversation!._id;
}

const list = async (status: "pending" | "sent" | "cancelled") =>
  (await asOwner(t).query(api.followups.list, { status, paginationOpts: FIRST_PAGE })).page;

describe("follow-ups list", () => {
  test("pending follow-ups come soonest first, with what they are about and who they are for", async () => {
    const dana = await telegramCustomer("Dana Petrova");
    const { conversationId: visitor } = await webCustomer("hello");
    await settle(t);
    await followup(dana, "in 3 hours", "ask whether the size 10 fits");
    await followup(visitor, "in 20 minutes", "send the catalogue link");

    const rows = await list("pending");

    expect(rows).toMatchObject([
      {
        conversationId: visitor,
        kind: "followup",
        status: "pending",
        note: "send the catalogue link",
        channel: "web",
        attempts: 0,
      },
      { conversationId: dana, note: "ask whether the size 10 fits", channel: "telegram", contactName: "Dana Petrova" },
    ]);
    expect(rows[0]!.contactName).toBeUndefined(); // a web visitor gave no name
    expect(rows[0]!.dueAt - Date.now()).toBeGreaterThan(19 * MINUTE);
    expect(rows[1]!.dueAt - Date.now()).toBeGreaterThan(2 * HOUR);
  });

  test("an operator's cancel moves it to Cancelled with the reason", async () => {
    const { conversationId } = await webCustomer("hello");
    await settle(t);
    await followup(conversationId, "in 2 hours", "check in");
    const [row] = await list("pending");

    await asOwner(t).mutation(api.followups.cancel, { actionId: row!.id });

    expect(await list("pending")).toEqual([]);
    expect(await list("cancelled")).toMatchObject([
      { id: row!.id, status: "cancelled", lastError: "Cancelled by an operator" },
    ]);
  });

  test("an operator's send-now sends it at once: the customer gets the message and it reads Sent", async () => {
    const { session, conversationId } = await webCustomer("hello");
    await settle(t);
    await followup(conversationId, "in 2 hours", "check in");
    const [row] = await list("pending");

    await asOwner(t).mutation(api.followups.sendNow, { actionId: row!.id });
    await settle(t);

    expect(await list("pending")).toEqual([]);
    expect(await list("sent")).toMatchObject([{ id: row!.id, attempts: 1, lastError: "Sent now by an operator" }]);
    expect((await agentReplies(t, session)).at(-1)!.text).toContain("following up as promised: check in");
  });

  test("pages through every follow-up once, and a page reads at most 100 documents", async () => {
    for (let i = 0; i < MAX_PAGE_SIZE + 5; i++) {
      const { conversationId } = await webCustomer(`customer ${i}`);
      await t.run((ctx) =>
        ctx.db.insert("scheduledActions", {
          conversationId,
          kind: "followup",
          dueAt: Date.now() + HOUR + i * SECOND,
          status: "pending",
          attempts: 0,
          note: `note ${i}`,
          cancelOnReply: true,
        }),
      );
    }
    const { first, metrics } = await t.run(async (ctx) => {
      const first = await listActions(ctx, { numItems: 1000, cursor: null }, "pending");
      return { first, metrics: await ctx.meta.getTransactionMetrics() };
    });
    expect(first.page).toHaveLength(MAX_PAGE_SIZE);
    expect(metrics.documentsRead.used).toBeLessThanOrEqual(100);

    const second = await asOwner(t).query(api.followups.list, {
      status: "pending",
      paginationOpts: { numItems: MAX_PAGE_SIZE, cursor: first.continueCursor },
    });
    expect(second.isDone).toBe(true);
    const notes = [...first.page, ...second.page].map((r) => r.note);
    expect(notes).toEqual(Array.from({ length: MAX_PAGE_SIZE + 5 }, (_, i) => `note ${i}`));
  });
});

describe("upcoming meetings", () => {
  async function meeting(conversationId: Id<"conversations">, start: number, topic: string, joinUrl?: string) {
    await t.run((ctx) =>
      ctx.db.insert("meetings", {
        conversationId,
        start,
        end: start + 30 * MINUTE,
        topic,
        provider: joinUrl ? "zoom" : "builtin",
        joinUrl,
        status: "booked",
      }),
    );
  }

  test("soonest first from the given time, with provider, join link and who they are with", async () => {
    const dana = await telegramCustomer("Dana Petrova");
    const now = Date.now();
    await meeting(dana, now - HOUR, "Already over");
    await meeting(dana, now + 2 * HOUR, "Shoe fitting");
    await meeting(dana, now + HOUR, "Sizing call", "https://zoom.example/j/123");

    const rows = await asOwner(t).query(api.meetings.upcoming, { now });

    expect(rows).toMatchObject([
      {
        topic: "Sizing call",
        provider: "zoom",
        joinUrl: "https://zoom.example/j/123",
        channel: "telegram",
        contactName: "Dana Petrova",
      },
      { topic: "Shoe fitting", provider: "builtin", conversationId: dana },
    ]);
    expect(rows[1]!.joinUrl).toBeUndefined();
  });

  test("reads at most 100 documents however many meetings are booked", async () => {
    const now = Date.now();
    for (let i = 0; i < UPCOMING_SHOWN + 5; i++) {
      const { conversationId } = await webCustomer(`customer ${i}`);
      await meeting(conversationId, now + (i + 1) * HOUR, `meeting ${i}`);
    }
    const { rows, metrics } = await t.run(async (ctx) => {
      const rows = await upcomingMeetings(ctx, now);
      return { rows, metrics: await ctx.meta.getTransactionMetrics() };
    });
    expect(rows).toHaveLength(UPCOMING_SHOWN);
    expect(rows[0]!.topic).toBe("meeting 0");
    expect(metrics.documentsRead.used).toBeLessThanOrEqual(100);
  });
});
