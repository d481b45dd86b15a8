/**
 * A data folder holding one web-chat conversation with a long history, for
 * the 10,000-message archive round trip on the real local runtime
 * (tests/local/archive-10k.test.ts, bench/archiveLocal.ts).
 *
 * Ingesting 10,000 messages through bursts and replies would take many
 * minutes on a shared machine, so: the runtime itself ingests and answers
 * two real bursts (web chat, offline responder), then the history before
 * them is written as copies of those rows into the runtime's own snapshot
 * format (as bench/inflate.ts does): each pair is a customer message and
 * the agent's reply hanging off one batch (`batchId` both ways,
 * `replyMessageId`), every tenth batch with a tool call, every 25th
 * customer message with a photo, unique platform ids for the dedupe keys.
 */
import { createHash } from "node:crypto";
import { readdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { api } from "../../convex/_generated/api";
import { readFolderState } from "../../bench/dataFolder";
import { ownerClient } from "../support/operator";
import { eventually, PROJECT_CONVEX_DIR, startLocalRuntime } from "./harness";

export type Row = { _id: string; _creationTime: number } & Record<string, unknown>;

/**
 * How these runs start the runtime: the project's functions, the offline
 * responder, nothing external. Loading every module takes 20 s and more
 * when the shared machine is busy, beyond the harness's usual 15 s.
 */
export const RUNTIME_OPTIONS = { convexDir: PROJECT_CONVEX_DIR, env: { ANTHROPIC_API_KEY: "" }, startTimeoutMs: 90_000 };

const tableOf = (id: string) => id.replace(/^[0-9]+/, "");

/** Two bursts ingested and answered by the runtime. The folder ends stopped. */
export async function seedTemplate(dataDir: string): Promise<{ conversationId: string; sessionId: string }> {
  const runtime = await startLocalRuntime(dataDir, RUNTIME_OPTIONS);
  try {
    const client = await ownerClient(runtime.url);
    await client.mutation(api.settings.update, { patch: { batchWindowMs: 250 } });
    const sessionId = await client.mutation(api.webchat.startSession, {});
    let conversationId: string | undefined;
    for (let i = 1; i <= 2; i++) {
      await client.mutation(api.webchat.send, { sessionId, clientMessageId: `m${i}`, text: `question ${i}` });
      const thread = await eventually(
        () => client.query(api.webchat.thread, { sessionId }),
        (t) => t.messages.filter((m) => m.author === "agent").length === i && !t.typing,
        20_000,
      );
      conversationId = thread.conversationId!;
    }
    return { conversationId: conversationId!, sessionId };
  } finally {
    await runtime.stop();
  }
}

/**
 * Adds history before the conversation's real rows until it holds `total`
 * messages, and rewrites the folder as one snapshot plus an empty log.
 * Returns the conversation's messages and batches as stored, oldest first.
 */
export async function inflateConversation(dataDir: string, conversationId: string, total: number) {
  const state = await readFolderState(dataDir);
  const docs = new Map<string, Row>([...state.docs].map(([id, line]) => [id, JSON.parse(line) as Row]));
  const ofConversation = (table: string) =>
    [...docs.values()].filter((d) => tableOf(d._id) === table && d.conversationId === conversationId).sort((a, b) => a._creationTime - b._creationTime);
  const realMessages = ofConversation("messages");
  const customerTemplate = realMessages.find((m) => m.author === "customer")!;
  const agentTemplate = realMessages.find((m) => m.author === "agent")!;
  const batchTemplate = docs.get(customerTemplate.batchId as string)!;
  const sessionPrefix = String(customerTemplate.externalId).split(":")[0];
  const pairs = Math.max(0, Math.ceil((total - realMessages.length) / 2));

  let counter = state.nextDocId;
  const newId = (table: string) => `${String(counter++).padStart(32 - table.length, "0")}${table}`;
  const conversation = docs.get(conversationId)!;
  // Two seconds a pair, ending a second before the conversation's real start.
  const base = conversation._creationTime - 1000 - pairs * 2000;
  for (let k = 0; k < pairs; k++) {
    const t = base + k * 2000;
    const customerId = newId("messages");
    const batchId = newId("batches");
    const agentId = newId("messages");
    const question = `Вопрос ${k}: do you have size ${k % 13} in red? 👟`;
    docs.set(customerId, {
      ...customerTemplate,
      _id: customerId,
      _creationTime: t,
      batchId,
      externalId: `${sessionPrefix}:h${k}`,
      text: question,
      sentAt: Math.floor(t) - 1,
      receivedAt: Math.floor(t) - 1,
      attachments: k % 25 === 0 ? [{ kind: "photo", caption: "red shoes", ref: `upload_${k}`, mimeType: "image/jpeg" }] : [],
    });
    const withTool = k % 10 === 0;
    docs.set(batchId, {
      ...batchTemplate,
      _id: batchId,
      _creationTime: t + 260,
      flushedAt: Math.floor(t) + 259,
      bufferDurationMs: 260,
      completedAt: Math.floor(t) + 300,
      leaseUntil: Math.floor(t) + 300_259,
      totalCharacters: question.length,
      replyMessageId: agentId,
      ...(withTool
        ? {
            responder: "claude",
            model: "claude-sonnet-4-6",
            toolCalls: [{ name: "schedule_followup", input: { when: "in 2 hours", note: `pair ${k}`, nested: { n: [1, 2, null] } }, result: "ok", isError: false }],
            usage: { inputTokens: 1200 + k, outputTokens: 80, cacheReadInputTokens: 1000, cacheCreationInputTokens: 0 },
            processingDurationMs: 1234.5,
          }
        : {}),
    });
    docs.set(agentId, {
      ...agentTemplate,
      _id: agentId,
      _creationTime: t + 280,
      batchId,
      externalId: `web:${agentId}`,
      text: `Reply ${k}: yes, size ${k % 13} is in stock.`,
      receivedAt: Math.floor(t) + 279,
      sentAt: Math.floor(t) + 300,
    });
  }
  conversation._creationTime = base - 1000;
  conversation.inboundCount = Number(conversation.inboundCount ?? 0) + pairs;
  await writeSnapshot(dataDir, docs, { nextDocId: counter, lastCreationTime: state.lastCreationTime, lastCommitTs: state.lastCommitTs });
  return { messages: ofConversation("messages"), batches: ofConversation("batches") };
}

/** The runtime's snapshot format (local/persistence.ts): header, one document a line, end marker with counts and checksum. */
async function writeSnapshot(dataDir: string, docs: Map<string, Row>, counters: { nextDocId: number; lastCreationTime: number; lastCommitTs: string }) {
  for (const name of await readdir(dataDir)) {
    if (/^wal-\d+\.log$/.test(name) || name === "snapshot.jsonl") await rm(path.join(dataDir, name));
  }
  const hash = createHash("sha256");
  const tables: Record<string, number> = {};
  const lines = [JSON.stringify({ format: "local-convex-snapshot/2", savedAt: new Date().toISOString(), walSeq: 1, ...counters })];
  for (const doc of docs.values()) {
    const line = JSON.stringify(doc);
    hash.update(line + "\n");
    tables[tableOf(doc._id)] = (tables[tableOf(doc._id)] ?? 0) + 1;
    lines.push(line);
  }
  lines.push(JSON.stringify({ end: true, documents: docs.size, tables, sha256: hash.digest("hex") }));
  await writeFile(path.join(dataDir, "snapshot.jsonl"), lines.join("\n") + "\n");
  await writeFile(path.join(dataDir, "wal-000001.log"), JSON.stringify({ format: "local-convex-wal/1", seq: 1, after: "snapshot" }) + "\n");
}

/** The folder's documents of one table as stored (snapshot plus logs), after the runtime stopped. */
export async function storedRows(dataDir: string, table: string, where: (row: Row) => boolean = () => true): Promise<Row[]> {
  const state = await readFolderState(dataDir);
  return [...state.docs]
    .filter(([id]) => tableOf(id) === table)
    .map(([, line]) => JSON.parse(line) as Row)
    .filter(where)
    .sort((a, b) => a._creationTime - b._creationTime);
}
