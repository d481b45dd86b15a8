import { beforeEach, describe, expect, test, vi } from "vitest";
import { api, internal } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { DEFAULT_SETTINGS } from "../../lib/settings";
import { DAY, MINUTE } from "../../lib/time";
import { offlineSuite, type Test } from "../convex/setup";
import { drain, op, seedHistory } from "./support";

const suite = offlineSuite(Date.UTC(2026, 10, 30, 0, 30));
let t: Test;
beforeEach(() => {
  ({ t } = suite);
});

async function runNow(kind: "cleanup" | "stats" | "archive") {
  const runId = await op(t).mutation(api.lifecycle.maintenance.runNow, { kind });
  await drain(t);
  return (await op(t).query(api.lifecycle.maintenance.overview, {})).runs.find((r) => r._id === runId)!;
}

async function archiveNow(conversationId: Id<"conversations">) {
  await op(t).mutation(api.lifecycle.archive.archiveConversations, { conversationIds: [conversationId] });
  await drain(t);
  return (await op(t).query(api.lifecycle.archive.archivesOf, { conversationId }))[0];
}

describe("retention cleanup", () => {
  test("archives past retention are deleted with their blobs and keys; younger ones stay; the run says what it freed", async () => {
    const old = await seedHistory(t, 30, { chatId: "700001" });
    const oldArchive = await archiveNow(old.conversationId);
    vi.setSystemTime(Date.now() + 300 * DAY);
    const recent = await seedHistory(t, 20, { chatId: "700002" });
    const recentArchive = await archiveNow(recent.conversationId);
    vi.setSystemTime(Date.now() + 66 * DAY); // the first archive is now 366 days old

    const run = await runNow("cleanup");
    expect(run).toMatchObject({ status: "done", counts: { archivesDeleted: 1, keysDeleted: 30 }, bytesFreed: oldArchive.compressedBytes });
    expect(run.finishedAt).toBeGreaterThanOrEqual(run.startedAt);
    const left = await t.run(async (ctx) => ({
      archives: (await ctx.db.query("archives").collect()).map((a) => a._id),
      keys: (await ctx.db.query("archivedMessageKeys").collect()).length,
      blobs: (await ctx.db.system.query("_storage").collect()).length,
    }));
    expect(left).toEqual({ archives: [recentArchive._id], keys: 20, blobs: 1 });
  });

  test("rows whose conversation is gone and blobs no archive owns are removed and counted", async () => {
    const kept = await seedHistory(t, 10, { chatId: "700003" });
    const doomed = await seedHistory(t, 24, { chatId: "700004" });
    await t.run(async (ctx) => {
      await ctx.db.delete("conversations", doomed.conversationId);
      await ctx.storage.store(new Blob(["left behind by a crashed writer"]));
    });
    vi.setSystemTime(Date.now() + 2 * DAY);
    const run = await runNow("cleanup");
    expect(run.counts).toMatchObject({ orphan_messages: 24, orphan_batches: 2, orphan_scheduledActions: 1, orphan_meetings: 1, orphanBlobs: 1 });
    const remaining = await t.run(async (ctx) => (await ctx.db.query("messages").collect()).map((m) => m.conversationId));
    expect(new Set(remaining)).toEqual(new Set([kept.conversationId]));
  });
});

describe("database stats", () => {
  test("documents and bytes per table are counted in pages and shown with their time", async () => {
    await seedHistory(t, 2500, { chatId: "700005" });
    const run = await runNow("stats");
    expect(run.status).toBe("done");
    expect(run.pages).toBeGreaterThan(3); // 2,500 messages at 1,000 per page, plus the other tables
    const { stats } = await op(t).query(api.lifecycle.maintenance.overview, {});
    const messages = stats.find((s) => s.table === "messages")!;
    expect(messages).toMatchObject({ documents: 2500, computedAt: expect.any(Number) });
    expect(messages.approxBytes).toBeGreaterThan(2500 * 200);
    expect(stats.find((s) => s.table === "conversations")).toMatchObject({ documents: 1 });
  });
});

describe("archive sweep", () => {
  test("the nightly sweep archives an inactive conversation and leaves an active one", async () => {
    const stale = await seedHistory(t, 10, { chatId: "700006", ageMs: 70 * DAY });
    const active = await seedHistory(t, 10, { chatId: "700007", ageMs: 1 * DAY });
    const run = await runNow("archive");
    expect(run).toMatchObject({ status: "done", counts: { started: 1 } });
    expect(await op(t).query(api.lifecycle.archive.archivesOf, { conversationId: stale.conversationId })).toMatchObject([{ reason: "inactivity", status: "archived", requestedBy: "auto" }]);
    expect(await op(t).query(api.lifecycle.archive.archivesOf, { conversationId: active.conversationId })).toEqual([]);
  });
});

describe("local-time schedule", () => {
  test("cleanup runs once per business day, at 02:00 in the business's zone", async () => {
    await op(t).mutation(api.settings.update, { patch: { workingHours: { ...DEFAULT_SETTINGS.workingHours, timeZone: "Europe/Berlin" } } });
    // 00:30 UTC is 01:30 in Berlin: not yet.
    expect(await t.mutation(internal.lifecycle.maintenance.localTimeGate, { kind: "cleanup" })).toBeNull();
    vi.setSystemTime(Date.UTC(2026, 10, 30, 1, 7)); // 02:07 Berlin
    const runId = await t.mutation(internal.lifecycle.maintenance.localTimeGate, { kind: "cleanup" });
    expect(runId).not.toBeNull();
    await drain(t);
    vi.setSystemTime(Date.UTC(2026, 10, 30, 2, 7));
    expect(await t.mutation(internal.lifecycle.maintenance.localTimeGate, { kind: "cleanup" })).toBeNull();
    vi.setSystemTime(Date.UTC(2026, 11, 1, 1, 7) + MINUTE);
    expect(await t.mutation(internal.lifecycle.maintenance.localTimeGate, { kind: "cleanup" })).not.toBeNull();
    const runs = (await op(t).query(api.lifecycle.maintenance.overview, {})).runs.filter((r) => r.kind === "cleanup");
    expect(runs.map((r) => r.localDate)).toEqual(["2026-12-01", "2026-11-30"]);
  });

  test("run now refuses to start a second run of a job still paging", async () => {
    await op(t).mutation(api.lifecycle.maintenance.runNow, { kind: "stats" });
    await expect(op(t).mutation(api.lifecycle.maintenance.runNow, { kind: "stats" })).rejects.toThrow(/still running/);
    await drain(t);
  });
});
