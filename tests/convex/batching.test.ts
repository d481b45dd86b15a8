import { beforeEach, describe, expect, test, vi } from "vitest";
import { api } from "../../convex/_generated/api";
import { SECOND } from "../../lib/time";
import {
  lastUserText,
  overloaded,
  rateLimited,
  textMessage,
  type FakeAnthropic,
} from "../support/fakeAnthropic";
import { asOwner, advance, agentReplies, batchesOf, conversationOf, modelBackedSuite, newSession, say, settle, thread, type Test } from "./setup";

const suite = modelBackedSuite();
let t: Test;
let anthropic: FakeAnthropic;
beforeEach(() => {
  ({ t, anthropic } = suite);
});

describe("a burst gets one reply", () => {
  test("one message gets one reply once the 4 s window has passed", async () => {
    const session = await newSession(t);
    await say(t, session, "Hey");
    await advance(t, 3.9 * SECOND);
    expect(await agentReplies(t, session)).toHaveLength(0);
    await advance(t, 0.3 * SECOND);
    const replies = await agentReplies(t, session);
    expect(replies.map((r) => r.text)).toEqual(["Reply to: Hey"]);
    expect(anthropic.requests).toHaveLength(1);
  });

  test("three messages within two seconds get one model call holding all three, in order", async () => {
    const session = await newSession(t);
    await say(t, session, "Hey");
    await advance(t, 0.8 * SECOND);
    await say(t, session, "do you have shoes?");
    await advance(t, 1.1 * SECOND);
    await say(t, session, "size 10?");
    await settle(t);
    expect(anthropic.requests).toHaveLength(1);
    expect(lastUserText(anthropic.requests[0]!)).toBe("Hey\ndo you have shoes?\nsize 10?");
    expect(await agentReplies(t, session)).toHaveLength(1);
  });

  test("messages 3.9 s apart form one batch", async () => {
    const session = await newSession(t);
    await say(t, session, "first");
    await advance(t, 3.9 * SECOND);
    await say(t, session, "second");
    await settle(t);
    expect(anthropic.requests).toHaveLength(1);
    expect(await agentReplies(t, session)).toHaveLength(1);
  });

  test("messages 4.1 s apart get two replies when the model answers at once", async () => {
    const session = await newSession(t);
    await say(t, session, "first");
    await advance(t, 4.1 * SECOND);
    await say(t, session, "second");
    await settle(t);
    expect(anthropic.requests.map(lastUserText)).toEqual(["first", "second"]);
    expect(await agentReplies(t, session)).toHaveLength(2);
  });

  test("twelve rapid messages flush the first ten at once, then the other two", async () => {
    const session = await newSession(t);
    for (let i = 1; i <= 12; i++) await say(t, session, `m${i}`);
    await advance(t, 0.5 * SECOND);
    expect(anthropic.requests).toHaveLength(1);
    expect(lastUserText(anthropic.requests[0]!)).toBe(Array.from({ length: 10 }, (_, i) => `m${i + 1}`).join("\n"));
    await settle(t);
    expect(anthropic.requests).toHaveLength(2);
    expect(lastUserText(anthropic.requests[1]!)).toContain("m11\nm12");
    const batches = await batchesOf(t, await conversationOf(t, session));
    expect(batches.map((b) => [b.flushReason, b.messageCount])).toEqual([
      ["max_messages", 10],
      ["timeout", 2],
    ]);
  });

  test("a message every 3 s for 40 s is flushed by max_wait at 30 s", async () => {
    // Ten messages would hit max_messages at 27 s first; lift that cap.
    await asOwner(t).mutation(api.settings.update, { patch: { maxBatchMessages: 50 } });
    const session = await newSession(t);
    const start = Date.now();
    for (let elapsed = 0; elapsed < 40 * SECOND; elapsed += 3 * SECOND) {
      await say(t, session, `at ${elapsed / SECOND}s`);
      await advance(t, 3 * SECOND);
    }
    await settle(t);
    const batches = await batchesOf(t, await conversationOf(t, session));
    expect(batches[0]!.flushReason).toBe("max_wait");
    expect(batches[0]!.flushedAt - start).toBe(30 * SECOND);
    expect(batches[0]!.bufferDurationMs).toBe(30 * SECOND);
    expect(batches[0]!.messageCount).toBe(10);
    // The message at 30 s lands while that batch is with the model, so its
    // draft is superseded; in the end every message is answered.
    const { messages } = await thread(t, session);
    expect(messages.filter((m) => m.author === "customer").every((m) => m.status === "answered")).toBe(true);
    expect(messages.filter((m) => m.author === "agent")).toHaveLength(batches.filter((b) => b.outcome === "replied").length);
  });

  test("a duplicate delivery stores nothing new and sends no second reply", async () => {
    const session = await newSession(t);
    await say(t, session, "Hey", "same-id");
    await say(t, session, "Hey", "same-id");
    await settle(t);
    const { messages } = await thread(t, session);
    expect(messages.filter((m) => m.author === "customer")).toHaveLength(1);
    expect(await agentReplies(t, session)).toHaveLength(1);
    expect(anthropic.requests).toHaveLength(1);
  });
});

describe("the customer keeps writing while the model works", () => {
  test("a message arriving during generation drops the draft; one reply covers both", async () => {
    const session = await newSession(t);
    await say(t, session, "Do you ship to Berlin?");
    anthropic.script({
      before: async () => {
        await say(t, session, "and to Hamburg?");
      },
      body: textMessage("Draft that only answers Berlin"),
    });
    await settle(t);
    const replies = await agentReplies(t, session);
    expect(replies).toHaveLength(1);
    expect(replies[0]!.text).toBe("Reply to: Do you ship to Berlin?\nand to Hamburg?");
    const batches = await batchesOf(t, await conversationOf(t, session));
    expect(batches.map((b) => b.outcome)).toEqual(["superseded", "replied"]);
    expect(batches[1]!.messageCount).toBe(2);
  });

  test("with the supersede guard off, the draft is sent and the new message gets its own reply", async () => {
    await asOwner(t).mutation(api.settings.update, { patch: { supersedeGuard: false } });
    const session = await newSession(t);
    await say(t, session, "one");
    anthropic.script({ before: () => say(t, session, "two"), body: textMessage("answer to one") });
    await settle(t);
    expect((await agentReplies(t, session)).map((r) => r.text)).toEqual(["answer to one", "Reply to: two"]);
  });
});

describe("model failures", () => {
  test("the model overloaded twice then answering gives exactly one reply", async () => {
    const session = await newSession(t);
    anthropic.script(overloaded, overloaded);
    await say(t, session, "Hello?");
    await settle(t);
    expect(anthropic.requests).toHaveLength(3);
    expect((await agentReplies(t, session)).map((r) => r.text)).toEqual(["Reply to: Hello?"]);
    const [batch] = await batchesOf(t, await conversationOf(t, session));
    expect(batch!.attempts).toBe(3);
    expect(batch!.outcome).toBe("replied");
  });

  test("a 429 waits at least as long as retry-after says", async () => {
    const session = await newSession(t);
    anthropic.script(rateLimited(20));
    await say(t, session, "Hi");
    await advance(t, 4 * SECOND + 19 * SECOND);
    expect(anthropic.requests).toHaveLength(1);
    await advance(t, 10 * SECOND);
    expect(anthropic.requests).toHaveLength(2);
    expect(await agentReplies(t, session)).toHaveLength(1);
  });

  test("a model that always fails leaves the messages, fails the batch and flags the conversation", async () => {
    const session = await newSession(t);
    anthropic.failAlways(overloaded);
    await say(t, session, "Is anyone there?");
    await say(t, session, "Hello?");
    await settle(t);
    expect(anthropic.requests).toHaveLength(4);
    const { messages, typing } = await thread(t, session);
    expect(typing).toBe(false);
    expect(messages.map((m) => [m.author, m.status])).toEqual([
      ["customer", "failed"],
      ["customer", "failed"],
    ]);
    const conversationId = await conversationOf(t, session);
    const [batch] = await batchesOf(t, conversationId);
    expect(batch!.outcome).toBe("failed");
    expect(batch!.lastError).toMatch(/529/);
    const conversation = await t.run((ctx) => ctx.db.get("conversations", conversationId));
    expect(conversation!.needsHuman?.reason).toMatch(/model failed 4 time/);
  });

  test("a rejected API key is not retried", async () => {
    const session = await newSession(t);
    anthropic.failAlways({
      status: 401,
      body: { type: "error", error: { type: "authentication_error", message: "invalid x-api-key" } },
    });
    await say(t, session, "Hi");
    await settle(t);
    expect(anthropic.requests).toHaveLength(1);
    const [batch] = await batchesOf(t, await conversationOf(t, session));
    expect(batch!.outcome).toBe("failed");
  });
});

describe("the prompt", () => {
  test("the system prompt comes from settings and is marked for caching; history precedes the burst", async () => {
    await asOwner(t).mutation(api.settings.update, { patch: { systemPrompt: "You sell shoes.", model: "claude-haiku-4-5" } });
    const session = await newSession(t);
    await say(t, session, "Hi");
    await settle(t);
    await say(t, session, "size 10?");
    await settle(t);
    const second = anthropic.requests[1]!;
    expect(second.model).toBe("claude-haiku-4-5");
    expect(second.system).toEqual([{ type: "text", text: "You sell shoes.", cache_control: { type: "ephemeral" } }]);
    expect(second.messages).toEqual([
      { role: "user", content: "Hi" },
      { role: "assistant", content: "Reply to: Hi" },
      { role: "user", content: "size 10?" },
    ]);
  });
});

describe("web chat typing", () => {
  test("the visitor sees typing while the burst buffers and until the reply arrives", async () => {
    const session = await newSession(t);
    await say(t, session, "Hey");
    expect((await thread(t, session)).typing).toBe(true);
    await advance(t, 2 * SECOND);
    expect((await thread(t, session)).typing).toBe(true);
    await settle(t);
    const after = await thread(t, session);
    expect(after.typing).toBe(false);
    expect(after.messages.map((m) => m.author)).toEqual(["customer", "agent"]);
  });
});

describe("web chat protection", () => {
  test("a visitor writing faster than a person types is refused with a clear error", async () => {
    await asOwner(t).mutation(api.settings.update, { patch: { webChatMessagesPerMinute: 3 } });
    const session = await newSession(t);
    for (const text of ["a", "b", "c"]) await say(t, session, text);
    await expect(say(t, session, "d")).rejects.toThrow(/sending messages very fast/);
    await advance(t, 61 * SECOND);
    await say(t, session, "e");
    expect((await thread(t, session)).messages.filter((m) => m.author === "customer").map((m) => m.text)).toEqual(["a", "b", "c", "e"]);
  });

  test("with the web chat turned off, visitors are told so and nothing is stored", async () => {
    await asOwner(t).mutation(api.settings.update, { patch: { webChatEnabled: false } });
    const session = await newSession(t);
    await expect(say(t, session, "hello")).rejects.toThrow(/web chat is turned off/);
    expect((await thread(t, session)).messages).toEqual([]);
  });
});

describe("offline responder", () => {
  test("without an API key the offline responder answers, says so, and lists every message", async () => {
    vi.stubEnv("ANTHROPIC_API_KEY", "");
    const session = await newSession(t);
    await say(t, session, "Hey");
    await say(t, session, "do you have shoes?");
    await settle(t);
    const [reply] = await agentReplies(t, session);
    expect(reply!.text).toBe(
      "Offline responder (no ANTHROPIC_API_KEY is set): I received your 2 messages:\n1. Hey\n2. do you have shoes?",
    );
    expect(anthropic.requests).toHaveLength(0);
    const [batch] = await batchesOf(t, await conversationOf(t, session));
    expect(batch!.responder).toBe("offline");
  });
});
