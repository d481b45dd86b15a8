/**
 * The follow-up contract on the real local runtime: asked for "in a few
 * seconds", it is sent about then even when the product was stopped in
 * between, exactly once.
 *
 * Written for a slow, shared machine: every wait is on a condition with a
 * generous limit, and "about then" is measured from the later of the due
 * time and the moment the restarted runtime was ready, since a loaded
 * machine may take many seconds just to start again (issue 8: 18.7 s
 * against a 16 s limit counted from the request).
 */
import { ConvexHttpClient } from "convex/browser";
import { ownerClient } from "../support/operator";
import { afterAll, beforeAll, expect, it } from "vitest";
import { api } from "../../convex/_generated/api";
import { replyWith, startFakeAnthropic, toolUse, type FakeAnthropic } from "../support/fakeAnthropic";
import { eventually, newDataDir, PROJECT_CONVEX_DIR, startLocalRuntime, type LocalRuntime } from "./harness";

// Long enough that the first reply lands before it even on a loaded machine.
const FOLLOWUP_IN_SECONDS = 10;
// "Within a few seconds" of when it could first go out; generous for a loaded machine.
const SEND_TOLERANCE_MS = 15_000;
// Waits for a reply: a model round trip and a send, on a busy 2-core machine.
const REPLY_WAIT_MS = 45_000;

let anthropic: FakeAnthropic;
let runtime: LocalRuntime | undefined;

beforeAll(async () => {
  anthropic = await startFakeAnthropic();
});
afterAll(async () => {
  await runtime?.stop();
  await anthropic.close();
});

it("a follow-up due while the product was stopped is sent once, right after it starts again", async () => {
  const dataDir = await newDataDir();
  const env = { ANTHROPIC_API_KEY: "sk-ant-local", ANTHROPIC_BASE_URL: anthropic.url };
  runtime = await startLocalRuntime(dataDir, { convexDir: PROJECT_CONVEX_DIR, env });
  let client = new ConvexHttpClient(runtime.url);
  await (await ownerClient(runtime.url)).mutation(api.settings.update, { patch: { batchWindowMs: 300 } });

  anthropic.script(
    toolUse("schedule_followup", { when: `in ${FOLLOWUP_IN_SECONDS} seconds`, note: "ask how the fitting went" }),
    replyWith("I will check in shortly."),
    replyWith("How did the fitting go?"),
  );
  const sessionId = await client.mutation(api.webchat.startSession, {});
  const askedAt = Date.now();
  await client.mutation(api.webchat.send, { sessionId, clientMessageId: "1", text: `write me in ${FOLLOWUP_IN_SECONDS} seconds` });
  const agentTexts = async (c: ConvexHttpClient) =>
    (await c.query(api.webchat.thread, { sessionId })).messages.filter((m) => m.author === "agent");
  await eventually(() => agentTexts(client), (replies) => replies.length === 1, REPLY_WAIT_MS);
  const dueAt = askedAt + FOLLOWUP_IN_SECONDS * 1000;

  // Down before the follow-up is due, back up after.
  await runtime.stop();
  expect(Date.now(), "the runtime must stop before the follow-up is due, or this tests nothing").toBeLessThan(dueAt);
  await eventually(() => Date.now(), (now) => now > dueAt + 500, FOLLOWUP_IN_SECONDS * 1000 + 5_000);
  runtime = await startLocalRuntime(dataDir, { convexDir: PROJECT_CONVEX_DIR, env });
  const readyAt = Date.now();
  client = new ConvexHttpClient(runtime.url);

  const replies = await eventually(() => agentTexts(client), (r) => r.length === 2, REPLY_WAIT_MS);
  expect(replies[1]!.text).toBe("How did the fitting go?");
  expect(replies[1]!.at).toBeGreaterThanOrEqual(dueAt); // never early
  expect(replies[1]!.at - Math.max(dueAt, readyAt)).toBeLessThan(SEND_TOLERANCE_MS); // right after the restart
  // Exactly once: the follow-up is recorded as sent and nothing is left pending to send again.
  const owner = await ownerClient(runtime.url, "signIn");
  const followups = async (status: "pending" | "sent") =>
    (await owner.query(api.followups.list, { status, paginationOpts: { numItems: 10, cursor: null } })).page;
  expect(await followups("sent")).toHaveLength(1);
  expect(await followups("pending")).toHaveLength(0);
  expect(await agentTexts(client)).toHaveLength(2);
  expect(anthropic.requests).toHaveLength(3);
}, 180_000);
