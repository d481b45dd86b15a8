/**
 * Archive jobs whose action stops half-way: a restore that fails after
 * some pages resumes where it stopped (from the recovery cron or the
 * Unarchive button) and still restores exactly, no row twice; a write whose
 * action died is run again once its lease runs out.
 */
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { api, internal } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { ROW_OWNERS } from "../../convex/lifecycle/rows";
import { ARCHIVE_LEASE_MS } from "../../convex/lifecycle/archive";
import { MAX_RESUMES } from "../../convex/lifecycle/recover";
import { RESTORE_PAGE } from "../../convex/lifecycle/unarchive";
import { offlineSuite, type Test } from "../convex/setup";
import { drain, op, runsOf, seedHistory, snapshot } from "./support";
import { expectRestoredExactly } from "./roundTrip";

const suite = offlineSuite();
let t: Test;
beforeEach(() => {
  ({ t } = suite);
});

const originalRestore = ROW_OWNERS.messages.restore;
afterEach(() => {
  ROW_OWNERS.messages.restore = originalRestore;
});

/** The next restore of messages fails once, after `okCalls` messages went in (a page's transaction rolls back whole). */
function failMessagesOnceAfter(okCalls: number) {
  let calls = 0;
  let failed = false;
  ROW_OWNERS.messages.restore = async (ctx, fields) => {
    calls++;
    if (!failed && calls > okCalls) {
      failed = true;
      throw new Error("the runtime went away");
    }
    return await originalRestore(ctx, fields);
  };
}

async function archiveOf(conversationId: Id<"conversations">) {
  const [archive] = await op(t).query(api.lifecycle.archive.archivesOf, { conversationId });
  return archive!;
}

async function leftovers() {
  return await t.run(async (ctx) => ({
    keys: (await ctx.db.query("archivedMessageKeys").take(10)).length,
    restoredIds: (await ctx.db.query("restoredRowIds").take(10)).length,
    blobs: (await ctx.db.system.query("_storage").collect()).length,
  }));
}

/** A 1,200-message conversation archived, then a restore that stops in its third page of messages. */
async function halfRestored() {
  const { conversationId } = await seedHistory(t, 1200);
  const before = await snapshot(t, conversationId);
  await op(t).mutation(api.lifecycle.archive.archiveConversations, { conversationIds: [conversationId] });
  await drain(t);
  failMessagesOnceAfter(2 * RESTORE_PAGE + 17);
  await op(t).mutation(api.lifecycle.unarchive.unarchiveConversation, { conversationId });
  await drain(t);
  const stopped = await archiveOf(conversationId);
  const partial = await snapshot(t, conversationId);
  // Batches, the meeting and the follow-up went first, then two whole pages of messages; the third rolled back.
  expect(partial.messages).toHaveLength(2 * RESTORE_PAGE);
  expect(partial.batches).toHaveLength(60);
  expect(stopped).toMatchObject({ status: "restoring", restoredRows: 60 + 1 + 1 + 2 * RESTORE_PAGE });
  expect(stopped.lastError).toMatch(/Restore stopped after 1062 rows: .*the runtime went away.*resumes where it stopped/);
  return { conversationId, before };
}

describe("resumable archive jobs", { timeout: 90_000 }, () => {
  test("a restore that stops half-way is resumed by the recovery cron: exact round trip, no row twice", async () => {
    const { conversationId, before } = await halfRestored();
    const inserts = await runsOf(t, "lifecycle/unarchive:restore");
    expect(inserts).toBe(1);

    vi.advanceTimersByTime(1);
    expect(await t.mutation(internal.lifecycle.recover.resumeStuck, {})).toEqual({ writes: 0, restores: 1, gaveUp: 0 });
    await drain(t);
    expect(await archiveOf(conversationId)).toMatchObject({ status: "restored", resumes: 1, restoredRows: before.messages.length + 62 });
    expect(await runsOf(t, "lifecycle/unarchive:restore")).toBe(2);
    expectRestoredExactly(before, await snapshot(t, conversationId));
    expect(await leftovers()).toEqual({ keys: 0, restoredIds: 0, blobs: 0 });
  });

  test("a restore whose action died waits for its lease, then resumes; the Unarchive button resumes at once", async () => {
    const { conversationId, before } = await halfRestored();
    // As if the action had died without a word: its lease still runs.
    const { _id: archiveId } = await archiveOf(conversationId);
    await t.run((ctx) => ctx.db.patch("archives", archiveId, { leaseUntil: Date.now() + ARCHIVE_LEASE_MS, lastError: undefined }));
    expect(await t.mutation(internal.lifecycle.recover.resumeStuck, {})).toEqual({ writes: 0, restores: 0, gaveUp: 0 });
    vi.advanceTimersByTime(ARCHIVE_LEASE_MS + 1);

    // The operator does not wait for the cron; pressing twice starts two runs, the second supersedes the first, nothing is doubled.
    await op(t).mutation(api.lifecycle.unarchive.unarchiveConversation, { conversationId });
    await op(t).mutation(api.lifecycle.unarchive.unarchiveConversation, { conversationId });
    await drain(t);
    expect(await archiveOf(conversationId)).toMatchObject({ status: "restored" });
    expectRestoredExactly(before, await snapshot(t, conversationId));
    expect(await leftovers()).toEqual({ keys: 0, restoredIds: 0, blobs: 0 });
    expect(await t.mutation(internal.lifecycle.recover.resumeStuck, {})).toEqual({ writes: 0, restores: 0, gaveUp: 0 });
  });

  test("the cron stops restarting a restore that keeps failing; the archive stays restoring for the operator", async () => {
    const { conversationId, before } = await halfRestored();
    for (let i = 1; i <= MAX_RESUMES; i++) {
      failMessagesOnceAfter(0);
      vi.advanceTimersByTime(1);
      expect(await t.mutation(internal.lifecycle.recover.resumeStuck, {})).toMatchObject({ restores: 1 });
      await drain(t);
    }
    vi.advanceTimersByTime(ARCHIVE_LEASE_MS + 1);
    expect(await t.mutation(internal.lifecycle.recover.resumeStuck, {})).toEqual({ writes: 0, restores: 0, gaveUp: 1 });
    expect(await t.mutation(internal.lifecycle.recover.resumeStuck, {})).toEqual({ writes: 0, restores: 0, gaveUp: 0 });
    const stuck = await archiveOf(conversationId);
    expect(stuck).toMatchObject({ status: "restoring", resumes: MAX_RESUMES });
    expect(stuck.lastError).toMatch(/press Unarchive to resume/);
    expect((await snapshot(t, conversationId)).messages).toHaveLength(2 * RESTORE_PAGE);

    ROW_OWNERS.messages.restore = originalRestore;
    await op(t).mutation(api.lifecycle.unarchive.unarchiveConversation, { conversationId });
    await drain(t);
    expect(await archiveOf(conversationId)).toMatchObject({ status: "restored" });
    expectRestoredExactly(before, await snapshot(t, conversationId));
  });

  test("an archive whose writer died is written again once its lease runs out", async () => {
    const { conversationId } = await seedHistory(t, 200);
    const before = await snapshot(t, conversationId);
    await op(t).mutation(api.lifecycle.archive.archiveConversations, { conversationIds: [conversationId] });
    // The write action never runs: its process died before it started.
    await t.run(async (ctx) => {
      for (const job of await ctx.db.system.query("_scheduled_functions").collect()) {
        if (job.name === "lifecycle/archive:write" && job.state.kind === "pending") await ctx.scheduler.cancel(job._id);
      }
    });
    await drain(t);
    expect(await archiveOf(conversationId)).toMatchObject({ status: "writing" });
    expect(await t.mutation(internal.lifecycle.recover.resumeStuck, {})).toEqual({ writes: 0, restores: 0, gaveUp: 0 });
    vi.advanceTimersByTime(ARCHIVE_LEASE_MS + 1);
    expect(await t.mutation(internal.lifecycle.recover.resumeStuck, {})).toEqual({ writes: 1, restores: 0, gaveUp: 0 });
    await drain(t);
    expect(await archiveOf(conversationId)).toMatchObject({ status: "archived", resumes: 1, counts: { messages: 200 } });
    expect((await snapshot(t, conversationId)).messages).toHaveLength(0);

    await op(t).mutation(api.lifecycle.unarchive.unarchiveConversation, { conversationId });
    await drain(t);
    expectRestoredExactly(before, await snapshot(t, conversationId));
  });

  test("a second writer of one archive (a restart racing a slow original) is told to drop its blob", async () => {
    const { conversationId } = await seedHistory(t, 100);
    await op(t).mutation(api.lifecycle.archive.archiveConversations, { conversationIds: [conversationId] });
    await drain(t);
    const archive = await archiveOf(conversationId);
    expect(archive).toMatchObject({ status: "archived", counts: { messages: 100 } });
    const late = await t.run(async (ctx) => await ctx.storage.store(new Blob(["a second copy"])));
    const manifest = { sha256: "0".repeat(64), rawBytes: 1, compressedBytes: 1, counts: archive.counts! };
    expect(await t.mutation(internal.lifecycle.archive.stored, { archiveId: archive._id, storageId: late, ...manifest })).toBe(false);
    await t.mutation(internal.lifecycle.archive.writeFailed, { archiveId: archive._id, error: "late writer failed" });
    expect(await archiveOf(conversationId)).toMatchObject({ status: "archived", sha256: archive.sha256 });
    expect((await archiveOf(conversationId)).lastError).toBeUndefined();
  });
});
