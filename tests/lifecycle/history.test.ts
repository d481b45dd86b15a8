import { ConvexError } from "convex/values";
import { beforeEach, describe, expect, test } from "vitest";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { offlineSuite, type Test } from "../convex/setup";
import { drain, op, seedHistory, snapshot } from "./support";

const suite = offlineSuite();
let t: Test;
beforeEach(() => {
  ({ t } = suite);
});

async function archived(conversationId: Id<"conversations">) {
  await op(t).mutation(api.lifecycle.archive.archiveConversations, { conversationIds: [conversationId] });
  await drain(t);
  const [archive] = await op(t).query(api.lifecycle.archive.archivesOf, { conversationId });
  expect(archive).toMatchObject({ status: "archived", counts: { messages: 120 } });
  return archive;
}

async function codeOf(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    return error instanceof ConvexError ? (error.data as { code: string }).code : String(error);
  }
  return "allowed";
}

describe("archived history in the dashboard", () => {
  test("pages backwards through every archived message, each page oldest first, ≤ 50", { timeout: 60_000 }, async () => {
    const { conversationId } = await seedHistory(t, 120);
    const texts = (await snapshot(t, conversationId)).messages.map((m) => m.text);
    await archived(conversationId);

    const pages: string[][] = [];
    let cursor: string | null = null;
    do {
      const page: { items: { text: string; archived: boolean; at: number }[]; nextCursor: string | null } = await op(t).action(api.lifecycle.history.archivedPage, { conversationId, cursor });
      expect(page.items.length).toBeLessThanOrEqual(50);
      expect(page.items.every((m) => m.archived)).toBe(true);
      pages.push(page.items.map((m) => m.text));
      cursor = page.nextCursor;
    } while (cursor !== null && pages.length < 10);

    expect(pages.map((p) => p.length)).toEqual([50, 50, 20]);
    expect(pages[0]!.at(-1)).toBe(texts.at(-1));
    expect(pages.reverse().flat()).toEqual(texts);
  });

  test("anonymous callers are refused; a missing blob is ARCHIVE_UNREADABLE; a hot conversation has none", { timeout: 60_000 }, async () => {
    const { conversationId } = await seedHistory(t, 120);
    expect(await op(t).action(api.lifecycle.history.archivedPage, { conversationId })).toEqual({ items: [], nextCursor: null });
    const archive = await archived(conversationId);
    expect(await codeOf(t.action(api.lifecycle.history.archivedPage, { conversationId }))).toBe("UNAUTHENTICATED");
    expect(await codeOf(op(t).action(api.lifecycle.history.archivedPage, { conversationId, cursor: "nonsense" }))).toBe("BAD_CURSOR");
    await t.run(async (ctx) => {
      const row = await ctx.db.get("archives", archive!._id as Id<"archives">);
      await ctx.storage.delete(row!.storageId!);
    });
    expect(await codeOf(op(t).action(api.lifecycle.history.archivedPage, { conversationId }))).toBe("ARCHIVE_UNREADABLE");
  });
});
