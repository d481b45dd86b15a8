import { afterAll, beforeAll, beforeEach, describe, expect, test, vi } from "vitest";
import { api, internal } from "../../convex/_generated/api";
import { HOUR, MINUTE, SECOND } from "../../lib/time";
import {
  overloaded,
  replyWith,
  textMessage,
  toolResults,
  toolUse,
  type FakeAnthropic,
} from "../support/fakeAnthropic";
import { startFakePlatform, type FakePlatform } from "../support/fakePlatform";
import { asOwner,
  advance,
  agentReplies,
  batchesOf,
  INGEST_SECRET,
  conversationOf,
  modelBackedSuite,
  scheduleFollowupNow,
  newSession,
  say,
  settle,
  telegramMessage,
  thread,
  type Test,
} from "./setup";

// Saturday 21 Nov 2026, 12:00 UTC.
const START = Date.UTC(2026, 10, 21, 12, 0, 0);
const suite = modelBackedSuite(START);
let t: Test;
let anthropic: FakeAnthropic;
let messenger: FakePlatform;

beforeAll(async () => {
  messenger = await startFakePlatform(() => ({ body: { recipient_id: "psid-1", message_id: `m_${Math.random()}` } }));
});
afterAll(async () => {
  await messenger.close();
});
beforeEach(() => {
  ({ t, anthropic } = suite);
  vi.stubEnv("META_PAGE_ACCESS_TOKEN", "page-token");
  vi.stubEnv("META_GRAPH_API_BASE_URL", messenger.url);
  messenger.calls.length = 0;
});

async function actions() {
  return await t.run((ctx) => ctx.db.query("scheduledActions").collect());
}

/** The customer asks for a follow-up; the model schedules it with the tool, then confirms. */
async function askForFollowup(session: string, when: string, note = "check in about the shoes") {
  anthropic.script(toolUse("schedule_followup", { when, note }), replyWith("Sure, I will write to you then."));
  await say(t, session, `write me ${when}`);
  await advance(t, 4.5 * SECOND);
}

describe("schedule_followup", () => {
  test("the tool loop schedules the follow-up, echoes the confirmed time and records the call on the batch", async () => {
    const session = await newSession(t);
    await askForFollowup(session, "in 2 hours");
    expect(anthropic.requests).toHaveLength(2);
    expect(anthropic.requests[0]!.tools!.map((tool) => tool.name)).toContain("schedule_followup");
    const [result] = toolResults(anthropic.requests[1]!);
    expect(result).toMatchObject({ content: "Follow-up scheduled for Sat 21 Nov 2026, 14:00:04 (UTC).", is_error: false });
    expect((await agentReplies(t, session)).map((r) => r.text)).toEqual(["Sure, I will write to you then."]);
    const [action] = await actions();
    expect(action).toMatchObject({ kind: "followup", status: "pending", note: "check in about the shoes" });
    // Two hours after the flush at 4 s (the test clock moves in 250 ms steps).
    expect(action!.dueAt - START - 2 * HOUR).toBeGreaterThanOrEqual(4 * SECOND);
    expect(action!.dueAt - START - 2 * HOUR).toBeLessThan(5 * SECOND);
    const [batch] = await batchesOf(t, await conversationOf(t, session));
    expect(batch!.toolCalls).toEqual([
      { name: "schedule_followup", input: { when: "in 2 hours", note: "check in about the shoes" }, result: result!.content, isError: false },
    ]);
  });

  test("an unparseable or past time comes back to the model as a tool error it can recover from", async () => {
    const session = await newSession(t);
    anthropic.script(toolUse("schedule_followup", { when: "yesterday", note: "x" }), replyWith("When exactly?"));
    await say(t, session, "write me yesterday");
    await settle(t);
    const [result] = toolResults(anthropic.requests[1]!);
    expect(result!.is_error).toBe(true);
    expect(result!.content).toMatch(/past/);
    expect(await actions()).toHaveLength(0);
  });

  test("a follow-up asked for in 25 seconds is sent at that time, written by the agent", async () => {
    const session = await newSession(t);
    await askForFollowup(session, "in 25 seconds", "ask if they found their size");
    const due = (await actions())[0]!.dueAt;
    anthropic.script(replyWith("Hi again! Did you find your size?"));
    await advance(t, due - Date.now() - SECOND);
    expect(await agentReplies(t, session)).toHaveLength(1);
    await advance(t, 2 * SECOND);
    const replies = await agentReplies(t, session);
    expect(replies.map((r) => r.text)).toEqual(["Sure, I will write to you then.", "Hi again! Did you find your size?"]);
    expect(replies[1]!.at - due).toBeLessThan(2 * SECOND);
    expect((await actions())[0]!.status).toBe("sent");
    // The agent was told what to follow up about.
    expect(JSON.stringify(anthropic.requests.at(-1)!.messages)).toContain("ask if they found their size");
  });

  test("the customer writing again cancels the pending follow-up and its scheduled job", async () => {
    const session = await newSession(t);
    await askForFollowup(session, "in 2 hours");
    await say(t, session, "actually never mind, I found them");
    await settle(t);
    const [action] = await actions();
    expect(action).toMatchObject({ status: "cancelled", lastError: "The customer wrote again" });
    const job = await t.run((ctx) => ctx.db.system.get("_scheduled_functions", action!.jobId!));
    expect(job!.state.kind).toBe("canceled");
    expect(await agentReplies(t, session)).toHaveLength(2); // the first reply and the answer to "never mind"
  });

  test("a follow-up is scheduled, cancelled by the customer's next message, and rescheduled from it", async () => {
    const session = await newSession(t);
    await askForFollowup(session, "in 2 hours", "ask whether the size 10 fits");
    anthropic.script(toolUse("schedule_followup", { when: "tomorrow at 10", note: "ask whether the size 10 fits" }), replyWith("Tomorrow at 10 it is."));
    await say(t, session, "actually, write me tomorrow at 10 instead");
    await advance(t, 4.5 * SECOND);
    const [first, second] = (await actions()).sort((a, b) => a._creationTime - b._creationTime);
    expect(first).toMatchObject({ status: "cancelled", lastError: "The customer wrote again" });
    expect(second).toMatchObject({ status: "pending", dueAt: Date.UTC(2026, 10, 22, 10, 0, 0) });
    if (process.env.PRINT_TRANSCRIPT) {
      const stored = await t.run(async (ctx) => ({
        messages: (await ctx.db.query("messages").collect()).map((m) => ({ author: m.author, text: m.text, status: m.status, at: new Date(m.sentAt).toISOString() })),
        scheduledActions: (await ctx.db.query("scheduledActions").collect()).map((a) => ({ kind: a.kind, note: a.note, dueAt: new Date(a.dueAt).toISOString(), status: a.status, lastError: a.lastError })),
        toolCalls: (await ctx.db.query("batches").collect()).flatMap((b) => b.toolCalls ?? []),
      }));
      console.log(JSON.stringify(stored, null, 2));
    }
  });

  test("times are read in the customer's time zone once an operator sets it", async () => {
    const session = await newSession(t);
    await say(t, session, "hi");
    await settle(t);
    const conversationId = await conversationOf(t, session);
    await expect(asOwner(t).mutation(api.conversations.setContactTimeZone, { conversationId, timeZone: "Mars/Olympus" })).rejects.toThrow(/Unknown time zone/);
    await asOwner(t).mutation(api.conversations.setContactTimeZone, { conversationId, timeZone: "Europe/Moscow" });
    await askForFollowup(session, "tomorrow at 10");
    const pending = (await actions()).find((a) => a.status === "pending");
    expect(pending!.dueAt).toBe(Date.UTC(2026, 10, 22, 7, 0, 0)); // 10:00 in Moscow
  });

  test("a draft superseded by a new message takes its follow-up back", async () => {
    const session = await newSession(t);
    anthropic.script(toolUse("schedule_followup", { when: "tomorrow at 10", note: "n" }), {
      before: () => say(t, session, "wait, one more question"),
      body: textMessage("draft"),
    });
    await say(t, session, "write me tomorrow at 10");
    await settle(t);
    const all = await actions();
    expect(all).toHaveLength(1);
    expect(all[0]!.status).toBe("cancelled");
  });
});

describe("sending a follow-up", () => {
  async function followupDueIn(session: string, delayMs: number) {
    await say(t, session, "hello");
    await settle(t);
    const conversationId = await conversationOf(t, session);
    await scheduleFollowupNow(t, conversationId, `in ${delayMs / SECOND} seconds`, "check in");
    return conversationId;
  }

  test("when writing it keeps failing, it retries after 1, 5 and 15 minutes and then shows as failed", async () => {
    vi.stubEnv("ANTHROPIC_API_KEY", "");
    const session = await newSession(t);
    await followupDueIn(session, 60 * SECOND);
    vi.stubEnv("ANTHROPIC_API_KEY", "sk-ant-test");
    anthropic.failAlways(overloaded);
    await advance(t, 61 * SECOND);
    expect((await actions())[0]).toMatchObject({ status: "pending", attempts: 1 });
    await advance(t, 1 * MINUTE);
    expect((await actions())[0]!.attempts).toBe(2);
    await advance(t, 5 * MINUTE);
    expect((await actions())[0]!.attempts).toBe(3);
    await advance(t, 15 * MINUTE);
    expect((await actions())[0]).toMatchObject({ status: "failed", attempts: 4 });
    expect((await actions())[0]!.lastError).toMatch(/529/);
  });

  test("outside working hours it moves to the next opening", async () => {
    vi.stubEnv("ANTHROPIC_API_KEY", "");
    await asOwner(t).mutation(api.settings.update, { patch: { workingHoursEnabled: true } }); // Mon–Fri 09–18 UTC; now is Saturday
    const session = await newSession(t);
    await followupDueIn(session, 30 * SECOND);
    await advance(t, 31 * SECOND);
    const [action] = await actions();
    expect(action).toMatchObject({ status: "pending", lastError: "Moved to the next opening (outside working hours)" });
    const job = await t.run((ctx) => ctx.db.system.get("_scheduled_functions", action!.jobId!));
    expect(job!.scheduledTime).toBe(Date.UTC(2026, 10, 23, 9, 0, 0)); // Monday 09:00
    await settle(t);
    expect((await actions())[0]!.status).toBe("sent");
    const replies = await agentReplies(t, session);
    expect(replies.at(-1)!.text).toBe("Offline responder (no ANTHROPIC_API_KEY is set): following up as promised: check in");
  });

  test("while a human has taken over it is held, not sent", async () => {
    vi.stubEnv("ANTHROPIC_API_KEY", "");
    const session = await newSession(t);
    const conversationId = await followupDueIn(session, 30 * SECOND);
    await asOwner(t).mutation(api.conversations.setTakeover, { conversationId, takeover: true });
    await advance(t, 31 * SECOND);
    expect((await actions())[0]).toMatchObject({ status: "pending", lastError: "Held: a human has taken over this conversation" });
    expect(await agentReplies(t, session)).toHaveLength(1);
  });

  test("when the platform's 24-hour window has closed it is blocked with the reason, never sent", async () => {
    await t.mutation(api.ingest.inbound, {
      secret: INGEST_SECRET,
      events: [{ ...telegramMessage({ messageId: 1 }), channel: "messenger", accountId: "page-1", chatId: "psid-1", externalId: "m_in_1" }],
    });
    await settle(t);
    const [conversation] = await t.run((ctx) => ctx.db.query("conversations").collect());
    await scheduleFollowupNow(t, conversation!._id, "in 2 days", "check in");
    const sendsBefore = messenger.calls.length;
    await settle(t);
    const [action] = await actions();
    expect(action!.status).toBe("blocked");
    expect(action!.lastError).toMatch(/Messenger allows automated messages only within 24 h/);
    expect(messenger.calls.length).toBe(sendsBefore);
  });

  test("after downtime, overdue follow-ups go out oldest first and paced, not in a flood", async () => {
    vi.stubEnv("ANTHROPIC_API_KEY", "");
    const sessions = [await newSession(t), await newSession(t), await newSession(t)];
    for (const [i, session] of sessions.entries()) await followupDueIn(session, (30 + i) * SECOND);
    // The process is down for an hour: nothing runs, then every job is overdue at once.
    vi.setSystemTime(Date.now() + HOUR);
    await settle(t);
    const sent = [];
    for (const session of sessions) sent.push((await agentReplies(t, session)).at(-1)!.at);
    expect(sent[1]! - sent[0]!).toBeGreaterThanOrEqual(2 * SECOND);
    expect(sent[2]! - sent[1]!).toBeGreaterThanOrEqual(2 * SECOND);
    expect((await actions()).every((a) => a.status === "sent")).toBe(true);
  });
});

describe("recovery after a crash", () => {
  /** The process dies: the named job never runs. */
  async function crash(name: string) {
    await t.run(async (ctx) => {
      for (const job of await ctx.db.system.query("_scheduled_functions").collect()) {
        if (job.name === name && job.state.kind === "pending") await ctx.scheduler.cancel(job._id);
      }
    });
  }

  test("a follow-up whose run died before writing is fired again and sent", async () => {
    vi.stubEnv("ANTHROPIC_API_KEY", "");
    const session = await newSession(t);
    await say(t, session, "hello");
    await settle(t);
    await scheduleFollowupNow(t, await conversationOf(t, session), "in 30 seconds", "check in");
    // Its time comes: fire runs and schedules the writing, which never happens.
    await crash("followups:fire");
    const [action] = await actions();
    await t.mutation(internal.followups.fire, { actionId: action!._id });
    await crash("followups:send");
    await advance(t, 16 * MINUTE);
    expect(await t.mutation(internal.followups.recoverStalled, {})).toEqual({ refired: 1, flagged: 0 });
    await advance(t, SECOND);
    expect((await actions())[0]).toMatchObject({ status: "sent", lastError: "Recovered: the previous run stopped before sending" });
    expect(await agentReplies(t, session)).toHaveLength(2);
  });

  test("an operator's message stuck mid-send is marked failed for a human, never sent twice", async () => {
    const session = await newSession(t);
    await say(t, session, "hello");
    await settle(t);
    const conversationId = await conversationOf(t, session);
    await asOwner(t).mutation(api.conversations.sendAsHuman, { conversationId, text: "Hi, Anna here" });
    await crash("outbound:deliverLater");
    await advance(t, 16 * MINUTE);
    expect(await t.mutation(internal.followups.recoverStalled, {})).toEqual({ refired: 0, flagged: 1 });
    const human = (await thread(t, session)).messages.find((m) => m.author === "human");
    expect(human!.status).toBe("send_failed");
    const conversation = await t.run((ctx) => ctx.db.get("conversations", conversationId));
    expect(conversation!.needsHuman?.reason).toMatch(/Delivery unknown/);
  });
});

describe("meetings", () => {
  test("the agent finds slots in working hours and books one; reminders are scheduled 24 h and 1 h before", async () => {
    const session = await newSession(t);
    anthropic.script(
      toolUse("find_meeting_slots", { from: "monday" }),
      toolUse("book_meeting", { start: "2026-11-23T09:00:00.000Z", topic: "Shoe fitting" }),
      replyWith("Booked for Monday 09:00."),
    );
    await say(t, session, "can we meet on monday?");
    await settle(t);
    const slots = toolResults(anthropic.requests[1]!)[0]!;
    expect(slots.content).toContain("2026-11-23T09:00:00.000Z");
    expect(slots.content).toContain("Built-in calendar");
    const booked = toolResults(anthropic.requests[2]!)[0]!;
    expect(booked).toMatchObject({ is_error: false });
    expect(booked.content).toMatch(/^Booked “Shoe fitting” for Mon 23 Nov 2026, 09:00 \(UTC\)/);
    const meetings = await t.run((ctx) => ctx.db.query("meetings").collect());
    expect(meetings).toMatchObject([{ start: Date.UTC(2026, 10, 23, 9), provider: "builtin", status: "booked" }]);
    const reminders = (await actions()).filter((a) => a.kind === "meeting_reminder");
    expect(reminders.map((r) => r.dueAt)).toEqual([Date.UTC(2026, 10, 22, 9), Date.UTC(2026, 10, 23, 8)]);
  });

  test("a slot already taken is refused so the agent offers others", async () => {
    const first = await newSession(t);
    const second = await newSession(t);
    for (const session of [first, second]) {
      anthropic.script(toolUse("book_meeting", { start: "2026-11-23T09:00:00.000Z", topic: "Fitting" }), replyWith("ok"));
      await say(t, session, "book monday 9");
      await settle(t);
    }
    const results = anthropic.requests.filter((r) => toolResults(r).length > 0).map((r) => toolResults(r)[0]!);
    expect(results.map((r) => r.is_error)).toEqual([false, true]);
    expect(await t.run((ctx) => ctx.db.query("meetings").collect())).toHaveLength(1);
  });
});

describe("meeting limits", () => {
  test("one customer cannot fill the calendar: a third upcoming meeting is refused", async () => {
    const session = await newSession(t);
    for (const hour of [9, 10, 11]) {
      anthropic.script(toolUse("book_meeting", { start: `2026-11-23T${hour}:00:00.000Z`.replace("T9:", "T09:"), topic: "Fitting" }), replyWith("ok"));
      await say(t, session, `book monday ${hour}`);
      await advance(t, 5 * SECOND);
    }
    const results = anthropic.requests.filter((r) => toolResults(r).length > 0).map((r) => toolResults(r)[0]!);
    expect(results.map((r) => r.is_error)).toEqual([false, false, true]);
    expect(results[2]!.content).toMatch(/already has upcoming meetings/);
  });
});

describe("meetings from a draft that was not sent", () => {
  test("a superseded draft's booking is cancelled with its reminders; the next draft books what the customer settled on", async () => {
    const session = await newSession(t);
    anthropic.script(
      toolUse("book_meeting", { start: "2026-11-23T09:00:00.000Z", topic: "Fitting" }),
      { before: () => say(t, session, "actually 11:00 is better"), body: textMessage("Booked 09:00") },
      toolUse("book_meeting", { start: "2026-11-23T11:00:00.000Z", topic: "Fitting" }),
      replyWith("Booked for Monday 11:00."),
    );
    await say(t, session, "book me monday 9:00");
    await advance(t, 15 * SECOND); // not settle: that would run the reminders too
    expect((await agentReplies(t, session)).map((r) => r.text)).toEqual(["Booked for Monday 11:00."]);
    const meetings = await t.run((ctx) => ctx.db.query("meetings").collect());
    expect(meetings.map((m) => [new Date(m.start).toISOString(), m.status])).toEqual([
      ["2026-11-23T09:00:00.000Z", "cancelled"],
      ["2026-11-23T11:00:00.000Z", "booked"],
    ]);
    const reminders = (await actions()).filter((a) => a.kind === "meeting_reminder");
    expect(reminders.filter((r) => r.status === "pending")).toHaveLength(2);
  });
});

describe("handoff_to_human", () => {
  test("the agent's handoff sends its reply, flags the conversation and stops automation", async () => {
    await asOwner(t).mutation(api.settings.update, { patch: { takeoverIdleResumeMs: 0 } }); // keep it until an operator ends it
    const session = await newSession(t);
    anthropic.script(toolUse("handoff_to_human", { reason: "wants a refund" }), replyWith("A colleague will reply shortly."));
    await say(t, session, "I want my money back");
    await settle(t);
    expect((await agentReplies(t, session)).map((r) => r.text)).toEqual(["A colleague will reply shortly."]);
    const conversation = await t.run(async (ctx) => ctx.db.get("conversations", await conversationOf(t, session)));
    expect(conversation).toMatchObject({ takeover: true, needsHuman: { reason: "wants a refund" } });
    await say(t, session, "hello?");
    await settle(t);
    expect(await agentReplies(t, session)).toHaveLength(1);
  });

  test("an escalation stays with the humans however long it is quiet", async () => {
    const session = await newSession(t); // takeovers end after 4 h of quiet by default
    anthropic.script(toolUse("handoff_to_human", { reason: "wants a refund" }), replyWith("A colleague will reply shortly."));
    await say(t, session, "I want my money back");
    await settle(t);
    await say(t, session, "hello? anyone?");
    await settle(t); // runs the 4-hour quiet check too
    const conversation = await t.run(async (ctx) => ctx.db.get("conversations", await conversationOf(t, session)));
    expect(conversation).toMatchObject({ takeover: true, needsHuman: { reason: "wants a refund" } });
  });
});
