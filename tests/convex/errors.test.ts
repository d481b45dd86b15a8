/**
 * Errors an operator can see carry a code and words (ConvexError), since
 * Convex hides a plain Error's message in production.
 */
import { ConvexError } from "convex/values";
import { beforeEach, describe, expect, test } from "vitest";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { asOwner, offlineSuite, type Test } from "./setup";

const suite = offlineSuite();
let t: Test;
beforeEach(() => {
  ({ t } = suite);
});

/** A conversation id that existed and no longer does. */
async function goneConversation(): Promise<Id<"conversations">> {
  return await t.run(async (ctx) => {
    const contactId = await ctx.db.insert("contacts", { channel: "web", accountId: "web", externalId: "gone" });
    const id = await ctx.db.insert("conversations", {
      channel: "web",
      accountId: "web",
      chatId: "gone",
      contactId,
      state: { kind: "idle" },
      tickGeneration: 0,
      takeover: false,
      lastInboundAt: 0,
      lastMessagePreview: "",
      lastMessageAt: 0,
    });
    await ctx.db.delete("conversations", id);
    return id;
  });
}

async function errorOf(promise: Promise<unknown>) {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConvexError);
  return (error as ConvexError<{ code: string; message: string }>).data;
}

describe("operator errors", () => {
  test.each([
    ["setTakeover", (id: Id<"conversations">) => asOwner(t).mutation(api.conversations.setTakeover, { conversationId: id, takeover: true })],
    ["flushNow", (id: Id<"conversations">) => asOwner(t).mutation(api.conversations.flushNow, { conversationId: id })],
    ["sendAsHuman", (id: Id<"conversations">) => asOwner(t).mutation(api.conversations.sendAsHuman, { conversationId: id, text: "Hi" })],
    ["setContactTimeZone", (id: Id<"conversations">) => asOwner(t).mutation(api.conversations.setContactTimeZone, { conversationId: id, timeZone: "Europe/Berlin" })],
  ])("%s on a conversation that no longer exists says so with code NOT_FOUND", async (_name, call) => {
    const data = await errorOf(call(await goneConversation()));
    expect(data.code).toBe("NOT_FOUND");
    expect(data.message).toMatch(/conversation no longer exists/);
  });

  test("invalid settings are refused with code INVALID_SETTINGS and the field", async () => {
    const data = await errorOf(asOwner(t).mutation(api.settings.update, { patch: { llmConcurrency: 0 } }));
    expect(data.code).toBe("INVALID_SETTINGS");
    expect(data.message).toMatch(/llmConcurrency/);
  });
});
