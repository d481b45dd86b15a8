/**
 * Archive and unarchive of one conversation with 10,000 messages, on
 * convex-test's engine (the one the local runtime serves) with transaction
 * limits enforced and real timers. Run: `npx tsx bench/archive.ts`. Prints
 * a Markdown report (medians of 3); bench/ARCHIVE_RESULTS.md keeps the last one.
 *
 * Baseline, side by side: reading the same rows page by page and nothing
 * else, the floor any archive must pay.
 */
import { convexTest } from "convex-test";
import { api, internal } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import schema from "../convex/schema";
import { loadConvexModules } from "../local/modules";
import { seedHistory } from "../tests/lifecycle/support";
import { asOwner } from "../tests/convex/operators";
import type { Test } from "../tests/convex/setup";

const MESSAGES = 10_000;
const RUNS = 3;

const modules = (await loadConvexModules(new URL("../convex", import.meta.url).pathname)).glob;

async function idle(t: Test) {
  // Real timers: wait until nothing is pending or running.
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 2));
    await t.finishInProgressScheduledFunctions();
    const busy = await t.run(async (ctx) =>
      (await ctx.db.system.query("_scheduled_functions").collect()).some((j) => j.state.kind === "pending" || j.state.kind === "inProgress"),
    );
    if (!busy) return;
  }
}

async function hotRows(t: Test, conversationId: Id<"conversations">) {
  return await t.run(async (ctx) => {
    let n = 0;
    for await (const row of ctx.db.query("messages").withIndex("by_conversation", (q) => q.eq("conversationId", conversationId))) {
      void row;
      n++;
    }
    return n;
  });
}

async function jobsNamed(t: Test, name: string) {
  return await t.run(async (ctx) => (await ctx.db.system.query("_scheduled_functions").collect()).filter((j) => j.name === name).length);
}

type Sample = { baselineMs: number; archiveMs: number; unarchiveMs: number; removePages: number; before: number; afterArchive: number; afterRestore: number; rawBytes: number; compressedBytes: number };

async function once(): Promise<Sample> {
  const t = convexTest({ schema, modules, transactionLimits: true }) as unknown as Test;
  const { conversationId } = await seedHistory(t, MESSAGES);
  const before = await hotRows(t, conversationId);

  let started = performance.now();
  let cursor: string | null = null;
  for (;;) {
    const page: { isDone: boolean; continueCursor: string } = await t.query(internal.lifecycle.archive.readRows, { conversationId, table: "messages", cutoff: Number.MAX_SAFE_INTEGER, cursor });
    if (page.isDone) break;
    cursor = page.continueCursor;
  }
  const baselineMs = performance.now() - started;

  started = performance.now();
  await asOwner(t).mutation(api.lifecycle.archive.archiveConversations, { conversationIds: [conversationId] });
  await idle(t);
  const archiveMs = performance.now() - started;
  const [archive] = await asOwner(t).query(api.lifecycle.archive.archivesOf, { conversationId });
  if (archive.status !== "archived") throw new Error(`archive ended ${archive.status}: ${archive.lastError}`);
  const afterArchive = await hotRows(t, conversationId);
  const removePages = await jobsNamed(t, "lifecycle/archive:removePage");

  started = performance.now();
  await asOwner(t).mutation(api.lifecycle.unarchive.unarchiveConversation, { conversationId });
  await idle(t);
  const unarchiveMs = performance.now() - started;
  const afterRestore = await hotRows(t, conversationId);
  return { baselineMs, archiveMs, unarchiveMs, removePages, before, afterArchive, afterRestore, rawBytes: archive.rawBytes!, compressedBytes: archive.compressedBytes! };
}

const samples: Sample[] = [];
for (let i = 0; i < RUNS; i++) samples.push(await once());
const median = (pick: (s: Sample) => number) => samples.map(pick).sort((a, b) => a - b)[Math.floor(RUNS / 2)];
const s = samples[0];
const rows = s.before + 500 + 2; // messages + batches + meeting + follow-up, as seeded
const ms = (n: number) => `${Math.round(n)} ms`;
console.log(`## Archive and unarchive (${MESSAGES.toLocaleString("en")} messages, convex-test engine, transaction limits on)

Measured ${new Date().toISOString()} on ${process.platform}, node ${process.version}; medians of ${RUNS}.

| step | time | transactions | documents per transaction |
| --- | --- | --- | --- |
| baseline: read the messages in pages, nothing else | ${ms(median((x) => x.baselineMs))} | ${Math.ceil(s.before / 1000)} queries | 1,000 read |
| archive: read, gzip, store, remove | ${ms(median((x) => x.archiveMs))} | ${s.removePages} removal pages (+ reads) | ≤ 400 deleted + ≤ 400 dedupe keys written |
| unarchive: verify, restore, remap, drop keys | ${ms(median((x) => x.unarchiveMs))} | ${Math.ceil(rows / 500)} insert pages + patch pages | ≤ 500 inserted |

Blob: ${(s.rawBytes / 1e6).toFixed(2)} MB of JSON → ${(s.compressedBytes / 1e6).toFixed(2)} MB gzip (${(s.rawBytes / s.compressedBytes).toFixed(1)}×).
Hot messages of the conversation: ${s.before.toLocaleString("en")} before, ${s.afterArchive} after archiving, ${s.afterRestore.toLocaleString("en")} after unarchiving.
Per run: ${samples.map((x) => `${ms(x.archiveMs)} / ${ms(x.unarchiveMs)}`).join(", ")} (archive / unarchive).
`);
process.exit(0);
