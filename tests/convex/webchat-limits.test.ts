/**
 * The web chat faces strangers: sessions must be minted by the server, and
 * every limit (per session, issuing, lengths, the site-wide model budget)
 * holds at the cost of a bounded number of reads.
 */
import { ConvexError } from "convex/values";
import { beforeEach, describe, expect, test, vi } from "vitest";
import { api } from "../../convex/_generated/api";
import { sendMessage } from "../../convex/webchat";
import { asOwner, newSession, offlineSuite, say, settle, signedIn, thread, type Test } from "./setup";

const suite = offlineSuite();
let t: Test;
beforeEach(() => {
  ({ t } = suite);
});

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ConvexError) return (error.data as { code: string }).code;
    throw error;
  }
  return "allowed";
}

describe("web chat sessions", () => {
  test("a made-up session id is refused for sending and reading", async () => {
    const madeUp = "0123456789abcdef0123456789abcdef";
    expect(await codeOf(say(t, madeUp, "hi"))).toBe("BAD_SESSION");
    expect(await codeOf(thread(t, madeUp))).toBe("BAD_SESSION");
  });

  test("no operator query returns the visitor's session id", async () => {
    const session = await newSession(t);
    await say(t, session, "hello there");
    await settle(t);
    const { conversationId } = await thread(t, session);
    const owner = asOwner(t);
    const seen = JSON.stringify([
      await owner.query(api.dashboard.conversations, { paginationOpts: { numItems: 10, cursor: null } }),
      await owner.query(api.dashboard.conversation, { conversationId: conversationId! }),
      await owner.query(api.dashboard.batches, { conversationId: conversationId! }),
    ]);
    expect(seen).toContain("hello there");
    expect(seen).not.toContain(session);
  });

  test("issuing sessions is rate limited site-wide", async () => {
    await asOwner(t).mutation(api.settings.update, { patch: { webChatSessionsPerMinute: 3 } });
    for (let i = 0; i < 3; i++) await newSession(t);
    expect(await codeOf(newSession(t))).toBe("BUSY");
    // The next minute opens again.
    vi.setSystemTime(Date.now() + 60_000);
    expect(typeof (await newSession(t))).toBe("string");
  });

  test("names and client ids have length limits", async () => {
    const session = await newSession(t);
    const big = "x".repeat(500_000);
    expect(await codeOf(t.mutation(api.webchat.send, { sessionId: session, clientMessageId: "c1", text: "hi", name: big }))).toBe(
      "TOO_LONG",
    );
    expect(await codeOf(t.mutation(api.webchat.send, { sessionId: session, clientMessageId: big, text: "hi" }))).toBe(
      "BAD_REQUEST",
    );
    expect((await thread(t, session)).messages).toEqual([]);
  });

  test("a message costs the same few reads after many messages (the flood check is one of them)", async () => {
    await asOwner(t).mutation(api.settings.update, { patch: { webChatMessagesPerMinute: 120 } });
    const session = await newSession(t);
    const costOf = async (i: number) =>
      await t.run(async (ctx) => {
        await sendMessage(ctx, { sessionId: session, clientMessageId: `m${i}`, text: `message ${i}` });
        return (await ctx.meta.getTransactionMetrics()).documentsRead.used;
      });
    const costs: number[] = [];
    for (let i = 1; i <= 40; i++) {
      costs.push(await costOf(i));
      await settle(t); // answered: the next message opens a new burst
    }
    // After the first (which creates the contact and conversation) every
    // message costs the same, however long the conversation grows.
    expect(new Set(costs.slice(1)).size).toBe(1);
    expect(costs[39]).toBeLessThanOrEqual(costs[1]);
  });
});

describe("the global web chat budget", () => {
  test("past the per-minute budget visitors are refused politely and operators see a notice", async () => {
    await asOwner(t).mutation(api.settings.update, { patch: { webChatModelCallsPerMinute: 2 } });
    const operator = await signedIn(t, "operator");
    const minute = () => Date.now() - (Date.now() % 60_000);
    expect((await operator.query(api.webchat.budget, { now: minute() })).reached).toBe(false);

    for (const text of ["first visitor", "second visitor"]) {
      const session = await newSession(t);
      await say(t, session, text);
    }
    const third = await newSession(t);
    let refusal: unknown;
    try {
      await say(t, third, "third visitor");
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(ConvexError);
    expect((refusal as ConvexError<{ code: string; message: string }>).data).toEqual({
      code: "BUSY",
      message: "We are getting more messages than we can answer right now. Please try again a little later.",
    });
    expect((await thread(t, third)).messages).toEqual([]);
    expect(await operator.query(api.webchat.budget, { now: minute() })).toEqual({
      minute: { used: 2, limit: 2 },
      day: { used: 2, limit: 5000 },
      reached: true,
    });
  });

  test("messages joining a burst already waiting for the model cost nothing more", async () => {
    await asOwner(t).mutation(api.settings.update, { patch: { webChatModelCallsPerMinute: 1 } });
    const session = await newSession(t);
    await say(t, session, "Hey");
    await say(t, session, "do you have shoes?");
    await say(t, session, "size 10?");
    await settle(t);
    const replies = (await thread(t, session)).messages.filter((m) => m.author === "agent");
    expect(replies).toHaveLength(1);
  });
});
