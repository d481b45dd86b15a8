// How long the local runtime takes from `node` to answering requests, empty
// and with a restored database. Run: npx tsx bench/localStartup.ts [convexDir]
// (default: the project's convex/; the fixture app is tests/local/fixture/convex).
import { spawn } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

const RUNS = 5;
const DOCUMENT_COUNTS = [0, 10_000, 100_000];
const convexDir = path.resolve(process.argv[2] ?? "convex");

for (const count of DOCUMENT_COUNTS) {
  const timings: number[] = [];
  for (let run = 0; run < RUNS; run++)
    timings.push(await timeStart(await dataDirWith(count)));
  timings.sort((a, b) => a - b);
  console.log(
    `${String(count).padStart(7)} documents: median ${timings[RUNS >> 1]} ms, ` +
      `min ${timings[0]} ms, max ${timings[RUNS - 1]} ms`,
  );
}

/** Spawn to first `GET /version` answer, in ms; then a clean stop. */
async function timeStart(dataDir: string): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, ["--import", "tsx", "local/main.ts"], {
    env: {
      ...process.env,
      LOCAL_CONVEX_DIR: convexDir,
      LOCAL_CONVEX_PORT: "0",
      LOCAL_DATA_DIR: dataDir,
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let output = "";
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const match = output.match(/ready in \d+ ms on (\S+)/);
      if (match) resolve(match[1]);
    });
    child.once("exit", (code) =>
      reject(new Error(`runtime exited with ${code}:\n${output}`)),
    );
  });
  await fetch(`${url}/version`);
  const elapsed = Math.round(performance.now() - started);
  child.kill("SIGTERM");
  await new Promise((resolve) => child.once("exit", resolve));
  return elapsed;
}

/** A data folder holding `count` small documents in a "notes" table. */
async function dataDirWith(count: number): Promise<string> {
  const dataDir = await mkdtemp(path.join(tmpdir(), "local-startup-bench-"));
  if (count === 0) return dataDir;
  const now = Date.now();
  const documents = Array.from({ length: count }, (_, i) => ({
    _id: `${String(10_000 + i).padStart(27, "0")}notes`,
    _creationTime: now - count + i,
    body: `note ${i}: a line of text about the size of a short chat message`,
  }));
  const snapshot = {
    format: "local-convex-snapshot/1",
    savedAt: new Date().toISOString(),
    nextDocId: 10_000 + count,
    lastCreationTime: now,
    lastCommitTs: String(BigInt(now) * 1_000_000n),
    documents,
  };
  await writeFile(
    path.join(dataDir, "snapshot.json"),
    JSON.stringify(snapshot),
  );
  return dataDir;
}
