/**
 * The follow-up contract on the real local runtime: asked for "in a few
 * seconds", it is sent about then even when the product was stopped in
 * between, exactly once.
 */
import { ConvexHttpClient } from "convex/browser";
import { ownerClient } from "../support/operator";
import { afterAll, beforeAll, expect, it } from "vitest";
import { api } from "../../convex/_generated/api";
import { replyWith, startFakeAnthropic, toolUse, type FakeAnthropic } from "../support/fakeAnthropic";
import { eventually, newDataDir, PROJECT_CONVEX_DIR, startLocalRuntime, type LocalRuntime } from "./harness";

const FOLLOWUP_IN_SECONDS = 6;
// "Within a few seconds" of its time; generous, since the restart itself takes a second or two.
const SEND_TOLERANCE_MS = 10_000;

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
  await eventually(() => agentTexts(client), (replies) => replies.length === 1, 10_000);

  // Down before the follow-up is due, back up after.
  await runtime.stop();
  await new Promise((resolve) => setTimeout(resolve, FOLLOWUP_IN_SECONDS * 1000 + 500));
  runtime = await startLocalRuntime(dataDir, { convexDir: PROJECT_CONVEX_DIR, env });
  client = new ConvexHttpClient(runtime.url);

  const replies = await eventually(() => agentTexts(client), (r) => r.length === 2, 10_000);
  expect(replies[1]!.text).toBe("How did the fitting go?");
  const dueAfter = FOLLOWUP_IN_SECONDS * 1000;
  expect(replies[1]!.at - askedAt).toBeGreaterThanOrEqual(dueAfter); // never early
  expect(replies[1]!.at - askedAt).toBeLessThan(dueAfter + SEND_TOLERANCE_MS);
  // Exactly once: nothing more arrives.
  await new Promise((resolve) => setTimeout(resolve, 2000));
  expect(await agentTexts(client)).toHaveLength(2);
  expect(anthropic.requests).toHaveLength(3);
}, 60_000);
