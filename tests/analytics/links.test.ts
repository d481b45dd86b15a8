/**
 * From a chart to its conversations: the link's URL round trip
 * (lib/analytics/links.ts) and the inbox query that lists the
 * conversations behind it (dashboard.eventConversations), on real
 * traffic: web chats answered, resolved and rated through the product's
 * own mutations.
 */
import { describe, expect, test } from "vitest";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { conversationsHref, eventMatches, parseEventFilter, type EventFilter } from "../../lib/analytics/links";
import { DAY } from "../../lib/time";
import { asOwner, conversationOf, newSession, offlineSuite, say, settle, type Test } from "../convex/setup";

const suite = offlineSuite();

describe("the link", () => {
  test("round-trips through the URL; a malformed one is no filter (the ordinary inbox shows)", () => {
    const filter: EventFilter = { event: "satisfaction.rating_received", from: 1000, to: 2000, kind: "csat", max: 2, channel: "telegram" };
    const href = conversationsHref(filter, "Low CSAT (1–2)");
    expect(href.startsWith("/conversations?event=satisfaction.rating_received&")).toBe(true);
    const parsed = parseEventFilter(new URL(href, "https://x.example").searchParams);
    expect(parsed).toEqual({ ...filter, label: "Low CSAT (1–2)" });
    const bad = (query: string) => parseEventFilter(new URLSearchParams(query));
    expect(bad("event=nope&from=1&to=2")).toBeNull();
    expect(bad("event=message.received&from=5&to=2")).toBeNull();
    expect(bad("event=message.received&from=1&to=2&channel=fax")).toBeNull();
    expect(bad("event=message.received&from=1&to=2&min=lots")).toBeNull();
    expect(bad("tab=open")).toBeNull();
  });

  test("matching: each condition must hold; a measure condition needs the measure", () => {
    expect(eventMatches({ kind: "csat", value: 2 }, { kind: "csat", max: 2 })).toBe(true);
    expect(eventMatches({ kind: "csat", value: 3 }, { kind: "csat", max: 2 })).toBe(false);
    expect(eventMatches({ kind: "nps", value: 1 }, { kind: "csat", max: 2 })).toBe(false);
    expect(eventMatches({ kind: "first" }, { minMs: 1000 })).toBe(false);
    expect(eventMatches({ durationMs: 5000, staffId: "u1" }, { minMs: 1000, staff: "u1" })).toBe(true);
  });
});

describe("dashboard.eventConversations", () => {
  async function chat(t: Test, text: string, rating: string | null) {
    const session = await newSession(t);
    await say(t, session, text);
    await settle(t);
    const id = await conversationOf(t, session);
    if (rating !== null) {
      await asOwner(t).mutation(api.lifecycle.status.setConversationStatus, { conversationIds: [id], status: "resolved" });
      await settle(t);
      await say(t, session, rating);
      await settle(t);
    }
    return id;
  }

  const list = async (t: Test, filter: EventFilter, numItems = 20) => {
    const { page, isDone } = await asOwner(t).query(api.dashboard.eventConversations, { paginationOpts: { numItems, cursor: null }, ...filter });
    return { ids: page.map((r) => r.id), isDone, page };
  };

  test("lists exactly the conversations behind a number: low CSAT, AI resolutions, messages in range", async () => {
    const { t } = suite;
    await asOwner(t).mutation(api.settings.update, { patch: { csatSurveyEnabled: true } });
    const unhappy = await chat(t, "My parcel is late", "1 - still waiting");
    const happy = await chat(t, "Do you ship to Riga?", "5");
    const unrated = await chat(t, "Hello", null);
    const range = { from: Date.now() - DAY, to: Date.now() + 1000 };

    const low = await list(t, { event: "satisfaction.rating_received", kind: "csat", max: 2, ...range });
    expect(low.ids).toEqual([unhappy]);
    expect(low.page[0]).toMatchObject({ channel: "web", lifecycle: "resolved" });
    expect((await list(t, { event: "satisfaction.rating_received", kind: "csat", ...range })).ids.sort()).toEqual([unhappy, happy].sort());
    expect((await list(t, { event: "conversation.resolved", kind: "ai", ...range })).ids.sort()).toEqual([unhappy, happy].sort());
    expect((await list(t, { event: "conversation.resolved", kind: "human", ...range })).ids).toEqual([]);
    // Newest event first; each conversation once on a page.
    expect((await list(t, { event: "message.received", ...range })).ids).toEqual([unrated, happy, unhappy]);
    expect((await list(t, { event: "message.received", ...range, channel: "telegram" })).ids).toEqual([]);
    // Outside the range: nothing.
    expect((await list(t, { event: "message.received", from: range.from - DAY, to: range.from })).ids).toEqual([]);
  });

  test("pages through the events, newest first", async () => {
    const { t } = suite;
    const ids: Id<"conversations">[] = [];
    for (const text of ["one", "two", "three"]) ids.push(await chat(t, text, null));
    const range = { from: Date.now() - DAY, to: Date.now() + 1000 };
    const first = await asOwner(t).query(api.dashboard.eventConversations, { paginationOpts: { numItems: 2, cursor: null }, event: "message.received", ...range });
    expect(first.isDone).toBe(false);
    const second = await asOwner(t).query(api.dashboard.eventConversations, { paginationOpts: { numItems: 2, cursor: first.continueCursor }, event: "message.received", ...range });
    expect([...first.page, ...second.page].map((r) => r.id)).toEqual([...ids].reverse());
  });

  test("operators only", async () => {
    const { t } = suite;
    await expect(t.query(api.dashboard.eventConversations, { paginationOpts: { numItems: 5, cursor: null }, event: "message.received", from: 0, to: 1 })).rejects.toThrow();
  });
});
