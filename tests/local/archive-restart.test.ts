/**
 * Archive and unarchive on the real local runtime, with the product
 * stopped and started again in between: the archive (manifest, blob, dedupe
 * keys) survives the restart and restores the conversation exactly.
 */
import type { ConvexHttpClient } from "convex/browser";
import { ownerClient } from "../support/operator";
import { afterAll, expect, it } from "vitest";
import { api } from "../../convex/_generated/api";
import { eventually, newDataDir, PROJECT_CONVEX_DIR, startLocalRuntime, type LocalRuntime } from "./harness";

let runtime: LocalRuntime | undefined;
afterAll(async () => {
  await runtime?.stop();
});

it("an archived conversation survives a restart and unarchives to the same messages", async () => {
  const dataDir = await newDataDir();
  const env = { ANTHROPIC_API_KEY: "" };
  runtime = await startLocalRuntime(dataDir, { convexDir: PROJECT_CONVEX_DIR, env });
  let client = await ownerClient(runtime.url);
  await client.mutation(api.settings.update, { patch: { batchWindowMs: 250 } });
  const sessionId = await client.mutation(api.webchat.startSession, {});
  const thread = (c: ConvexHttpClient) => c.query(api.webchat.thread, { sessionId });
  for (let i = 1; i <= 4; i++) {
    await client.mutation(api.webchat.send, { sessionId, clientMessageId: `m${i}`, text: `question ${i}` });
    // Each burst answered (offline responder) before the next, so the conversation ends idle.
    await eventually(() => thread(client), (t) => t.messages.filter((m) => m.author === "agent").length === i && !t.typing, 15_000);
  }
  const before = await thread(client);
  const conversationId = before.conversationId!;
  const strip = (messages: typeof before.messages) => messages.map(({ author, text, status, at }) => ({ author, text, status, at }));

  await client.mutation(api.lifecycle.archive.archiveConversations, { conversationIds: [conversationId], note: "restart test" });
  const archived = await eventually(
    () => client.query(api.lifecycle.archive.archivesOf, { conversationId }),
    (a) => a[0]?.status === "archived",
    15_000,
  );
  expect(archived[0]!.counts).toMatchObject({ messages: 8, batches: 4 });
  expect((await thread(client)).messages).toEqual([]);

  await runtime.stop();
  runtime = await startLocalRuntime(dataDir, { convexDir: PROJECT_CONVEX_DIR, env });
  client = await ownerClient(runtime.url, "signIn");
  expect((await client.query(api.lifecycle.archive.archivesOf, { conversationId }))[0]).toMatchObject({ status: "archived", sha256: archived[0]!.sha256 });

  await client.mutation(api.lifecycle.unarchive.unarchiveConversation, { conversationId });
  await eventually(() => client.query(api.lifecycle.archive.archivesOf, { conversationId }), (a) => a[0]?.status === "restored", 15_000);
  const after = await thread(client);
  expect(strip(after.messages)).toEqual(strip(before.messages));
  expect(after.messages.map((m) => m.id)).not.toEqual(before.messages.map((m) => m.id));
}, 90_000);
