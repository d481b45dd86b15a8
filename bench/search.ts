// How long the inbox's server search takes on the local runtime as the
// message table grows. convex-test (the local engine) answers a search by
// scanning the whole table, so this is the number to watch; Convex cloud
// uses a real full-text index. Run: npx tsx bench/search.ts
import { spawn } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { ConvexHttpClient } from "convex/browser";
import { api } from "../convex/_generated/api";

const RUNS = 3;
const MESSAGE_COUNTS = [1_000, 10_000, 100_000];
const WORDS = ["доставка", "заказ", "size", "order", "привет", "shoes", "когда", "tomorrow", "Riga", "спасибо"];

const rows: string[] = [];
for (const count of MESSAGE_COUNTS) {
  const { url, stop } = await startRuntime(await dataDirWith(count));
  try {
    const convex = new ConvexHttpClient(url);
    const timings: number[] = [];
    const baseline: number[] = [];
    let hits = 0;
    for (let run = 0; run < RUNS; run++) {
      let started = performance.now();
      const result = await convex.query(api.dashboard.messageSearch, {
        text: "Самарканд",
        paginationOpts: { numItems: 25, cursor: null },
      });
      timings.push(performance.now() - started);
      hits = result.page.length;
      // Baseline: the inbox list, which reads through indexes only.
      started = performance.now();
      await convex.query(api.dashboard.conversations, { paginationOpts: { numItems: 20, cursor: null } });
      baseline.push(performance.now() - started);
    }
    const median = (xs: number[]) => Math.round([...xs].sort((a, b) => a - b)[RUNS >> 1]!);
    rows.push(`| ${count.toLocaleString("en")} | ${median(timings)} ms | ${median(baseline)} ms | ${hits} |`);
  } finally {
    await stop();
  }
}
console.log("| messages | search, median of 3 | inbox list (baseline), median of 3 | hits |\n| --- | --- | --- | --- |");
console.log(rows.join("\n"));

async function startRuntime(dataDir: string) {
  const child = spawn(process.execPath, ["--import", "tsx", "local/main.ts"], {
    env: { ...process.env, LOCAL_CONVEX_PORT: "0", LOCAL_DATA_DIR: dataDir },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let output = "";
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const match = output.match(/ready in \d+ ms on (\S+)/);
      if (match) resolve(match[1]!);
    });
    child.once("exit", (code) => reject(new Error(`runtime exited with ${code}:\n${output}`)));
  });
  const stop = async () => {
    child.kill("SIGTERM");
    await new Promise((resolve) => child.once("exit", resolve));
  };
  return { url, stop };
}

/** One contact and conversation with `count` messages; one message holds the rare word searched for. */
async function dataDirWith(count: number): Promise<string> {
  const dataDir = await mkdtemp(path.join(tmpdir(), "search-bench-"));
  const now = Date.now();
  const id = (n: number, table: string) => `${String(10_000 + n).padStart(27, "0")}${table}`;
  const contactId = id(0, "contacts");
  const conversationId = id(1, "conversations");
  const documents: Record<string, unknown>[] = [
    { _id: contactId, _creationTime: now - count - 2, channel: "web", accountId: "web", externalId: "s", displayName: "Bench", searchName: "Bench" },
    {
      _id: conversationId,
      _creationTime: now - count - 1,
      channel: "web",
      accountId: "web",
      chatId: "s",
      contactId,
      state: { kind: "idle" },
      tickGeneration: 0,
      takeover: false,
      lastInboundAt: now,
      lastMessagePreview: "",
      lastMessageAt: now,
    },
  ];
  for (let i = 0; i < count; i++) {
    const words = Array.from({ length: 8 }, (_, j) => WORDS[(i * 7 + j * 3) % WORDS.length]);
    if (i === Math.floor(count / 2)) words.push("Самарканд");
    documents.push({
      _id: id(2 + i, "messages"),
      _creationTime: now - count + i,
      conversationId,
      channel: "web",
      accountId: "web",
      direction: "in",
      author: "customer",
      text: words.join(" "),
      attachments: [],
      status: "answered",
      sentAt: now - count + i,
      receivedAt: now - count + i,
    });
  }
  const snapshot = {
    format: "local-convex-snapshot/1",
    savedAt: new Date().toISOString(),
    nextDocId: 10_000 + count + 2,
    lastCreationTime: now,
    lastCommitTs: String(BigInt(now) * 1_000_000n),
    documents,
  };
  await writeFile(path.join(dataDir, "snapshot.json"), JSON.stringify(snapshot));
  return dataDir;
}
