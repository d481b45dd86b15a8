/**
 * The round trip at full size on the real local runtime: one
 * conversation of 10,000 messages (5,000 batches with their tool calls)
 * archived through the operator's function, the runtime restarted, hot
 * rows checked gone and the manifest kept, unarchived, restarted again,
 * and every field of every message and batch compared with the original,
 * ids remapped. The runtime enforces Convex's transaction limits
 * (local/engine.ts), so finishing proves every page stayed inside them.
 *
 * Slow for `npm test` (about 100 s on the shared 2-core machine, most of
 * it starting the runtime four times): it runs in the
 * reliability suite (`npm run test:reliability`).
 */
import { afterAll, expect, it } from "vitest";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { ownerClient } from "../support/operator";
import { inflateConversation, RUNTIME_OPTIONS, seedTemplate, storedRows, type Row } from "./archiveFolder";
import { eventually, newDataDir, startLocalRuntime, type LocalRuntime } from "./harness";

const MESSAGES = 10_000;
let runtime: LocalRuntime | undefined;
afterAll(async () => {
  await runtime?.stop();
});

const start = async (dataDir: string) => {
  runtime = await startLocalRuntime(dataDir, RUNTIME_OPTIONS);
  return { runtime, client: await ownerClient(runtime.url, "signIn") };
};

/** `row` without its own id and creation time, its references replaced through `ids`. */
function comparable(row: Row, references: Record<string, Map<string, string>>) {
  const { _id, _creationTime, ...fields } = row;
  void _id;
  void _creationTime;
  for (const [field, ids] of Object.entries(references)) {
    if (typeof fields[field] === "string") fields[field] = ids.get(fields[field] as string) ?? `unmapped ${String(fields[field])}`;
  }
  return fields;
}

it("10,000 messages archive and unarchive exactly on the real runtime, across restarts", async () => {
  const dataDir = await newDataDir();
  const { conversationId: cid, sessionId } = await seedTemplate(dataDir);
  const conversationId = cid as Id<"conversations">;
  const original = await inflateConversation(dataDir, conversationId, MESSAGES);
  expect(original.messages).toHaveLength(MESSAGES);
  expect(original.batches).toHaveLength(MESSAGES / 2);
  const ofConversation = (row: Row) => row.conversationId === conversationId;

  // Archive through the operator's own function, as the dashboard's button does.
  let { client } = await start(dataDir);
  const newestPage = await client.query(api.dashboard.messages, { conversationId, paginationOpts: { numItems: 50, cursor: null } });
  expect(newestPage.page).toHaveLength(50);
  await client.mutation(api.lifecycle.archive.archiveConversations, { conversationIds: [conversationId], note: "10k round trip" });
  const [archived] = await eventually(
    () => client.query(api.lifecycle.archive.archivesOf, { conversationId }),
    (a) => a[0]?.status === "archived" || a[0]?.status === "failed",
    120_000,
  );
  expect(archived, archived!.lastError).toMatchObject({ status: "archived", counts: { messages: MESSAGES, batches: MESSAGES / 2, meetings: 0, scheduledActions: 0 } });

  // Restart: the hot tables hold nothing of it, the manifest, blob and dedupe keys are kept.
  await runtime!.stop();
  expect(await storedRows(dataDir, "messages", ofConversation)).toHaveLength(0);
  expect(await storedRows(dataDir, "batches", ofConversation)).toHaveLength(0);
  expect(await storedRows(dataDir, "archivedMessageKeys", (k) => k.archiveId === archived!._id)).toHaveLength(MESSAGES);
  const [manifest] = await storedRows(dataDir, "archives", (a) => a._id === archived!._id);
  expect(manifest).toMatchObject({ status: "archived", sha256: archived!.sha256, rawBytes: archived!.rawBytes });
  expect(await storedRows(dataDir, "_storage", (s) => s._id === manifest!.storageId)).toHaveLength(1);
  ({ client } = await start(dataDir));
  expect((await client.query(api.lifecycle.archive.archivesOf, { conversationId }))[0]).toMatchObject({ status: "archived", sha256: archived!.sha256 });
  expect((await client.query(api.dashboard.messages, { conversationId, paginationOpts: { numItems: 50, cursor: null } })).page).toEqual([]);
  // The web chat re-sending an archived message creates nothing.
  await client.mutation(api.webchat.send, { sessionId, clientMessageId: "h42", text: "Вопрос 42 again" });
  expect((await client.query(api.webchat.thread, { sessionId })).messages).toEqual([]);

  await client.mutation(api.lifecycle.unarchive.unarchiveConversation, { conversationId });
  const [restored] = await eventually(
    () => client.query(api.lifecycle.archive.archivesOf, { conversationId }),
    (a) => a[0]?.status === "restored" || a[0]?.lastError !== undefined,
    120_000,
  );
  expect(restored, restored!.lastError).toMatchObject({ status: "restored" });

  // Restart again: what the runtime serves is what it stored.
  await runtime!.stop();
  ({ client } = await start(dataDir));
  const servedPage = await client.query(api.dashboard.messages, { conversationId, paginationOpts: { numItems: 50, cursor: null } });
  expect(servedPage.page.map((m) => m.text)).toEqual(newestPage.page.map((m) => m.text));
  expect(servedPage.page.map((m) => m.id)).not.toEqual(newestPage.page.map((m) => m.id));
  await runtime!.stop();
  runtime = undefined;

  // Every field of every row, ids remapped: rows come back in their original order.
  const messages = await storedRows(dataDir, "messages", ofConversation);
  const batches = await storedRows(dataDir, "batches", ofConversation);
  expect(messages).toHaveLength(MESSAGES);
  expect(batches).toHaveLength(MESSAGES / 2);
  const messageIds = new Map(original.messages.map((m, i) => [m._id, messages[i]!._id]));
  const batchIds = new Map(original.batches.map((b, i) => [b._id, batches[i]!._id]));
  expect(new Set([...messageIds.values()]).size).toBe(MESSAGES);
  for (const [old, id] of messageIds) expect(id).not.toBe(old);
  const noRefs = {};
  expect(messages.map((m) => comparable(m, noRefs))).toEqual(original.messages.map((m) => comparable(m, { batchId: batchIds })));
  expect(batches.map((b) => comparable(b, noRefs))).toEqual(original.batches.map((b) => comparable(b, { replyMessageId: messageIds })));
  expect(batches.filter((b) => Array.isArray(b.toolCalls)).length).toBe(MESSAGES / 20);
  // The dedupe keys went once the messages were hot again.
  expect(await storedRows(dataDir, "archivedMessageKeys", (k) => k.archiveId === archived!._id)).toHaveLength(0);
}, 300_000);
