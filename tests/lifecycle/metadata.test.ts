import { beforeEach, describe, expect, test, vi } from "vitest";
import { api, internal } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { METADATA_TOOL_NAME } from "../../lib/lifecycle/metadata";
import { replyWith, toolUse, type FakeAnthropic } from "../support/fakeAnthropic";
import { INGEST_SECRET, modelBackedSuite, settle, telegramMessage, type Test } from "../convex/setup";
import { drain, op, seedHistory } from "./support";

const suite = modelBackedSuite();
let t: Test;
let anthropic: FakeAnthropic;
beforeEach(() => {
  ({ t, anthropic } = suite);
});

const good = {
  sentiment: "positive",
  category: "inquiry",
  tags: ["Shoes", "sizes"],
  summary: "The customer asked about shoe sizes. The agent confirmed they are in stock.",
  language: "ru",
};

async function analyze(conversationId: Id<"conversations">) {
  return await t.action(internal.lifecycle.metadata.analyzeConversation, { conversationId });
}

describe("metadata by Claude", () => {
  test("a valid structured answer is stored, labelled as Claude's, with the prompt cached", async () => {
    const { conversationId } = await seedHistory(t, 6);
    anthropic.script(toolUse(METADATA_TOOL_NAME, good));
    expect(await analyze(conversationId)).toMatchObject({ outcome: "labelled", tokens: 340 });
    const request = anthropic.requests[0];
    expect(request.system[0].cache_control).toEqual({ type: "ephemeral" });
    expect((request as unknown as { tool_choice: unknown }).tool_choice).toEqual({ type: "tool", name: METADATA_TOOL_NAME });
    expect(JSON.stringify(request.messages)).toContain("customer: Сообщение 0");
    const { auto } = (await op(t).query(api.lifecycle.metadata.metadataOf, { conversationId }))!;
    expect(auto).toMatchObject({ ...good, tags: ["shoes", "sizes"], source: "claude", model: "claude-sonnet-4-6" });
  });

  test("an invalid answer is retried with the reason, and a second invalid one is rejected, keeping the old labels", async () => {
    const { conversationId } = await seedHistory(t, 6);
    anthropic.script(toolUse(METADATA_TOOL_NAME, { ...good, sentiment: "furious" }), toolUse(METADATA_TOOL_NAME, good));
    expect(await analyze(conversationId)).toMatchObject({ outcome: "labelled" });
    const retry = anthropic.requests[1];
    expect(JSON.stringify(retry.messages.at(-1))).toMatch(/Invalid labels: sentiment.*is_error|is_error.*Invalid labels: sentiment/);

    anthropic.requests.length = 0;
    await t.run((ctx) => ctx.db.patch("conversations", conversationId, { lastMessageAt: Date.now() + 1 }));
    anthropic.script(toolUse(METADATA_TOOL_NAME, { ...good, summary: "One. Two. Three. Four." }), replyWith("I would rather chat."));
    expect(await analyze(conversationId)).toMatchObject({ outcome: "rejected", error: expect.stringContaining(`did not call ${METADATA_TOOL_NAME}`) });
    expect(anthropic.requests).toHaveLength(2);
    expect((await op(t).query(api.lifecycle.metadata.metadataOf, { conversationId }))!.auto).toMatchObject({ sentiment: "positive" });
  });

  test("manual edits win and a later run never overwrites them", async () => {
    const { conversationId } = await seedHistory(t, 6);
    await op(t).mutation(api.lifecycle.metadata.editMetadata, { conversationId, category: "complaint", tags: ["vip", "refund"] });
    anthropic.script(toolUse(METADATA_TOOL_NAME, good));
    await analyze(conversationId);
    const { auto, manual } = (await op(t).query(api.lifecycle.metadata.metadataOf, { conversationId }))!;
    expect(auto).toMatchObject({ category: "inquiry" });
    expect(manual).toMatchObject({ category: "complaint", tags: ["vip", "refund"], editedBy: (await op(t).query(api.users.viewer, {}))!.id });
    await op(t).mutation(api.lifecycle.metadata.editMetadata, { conversationId, category: null });
    expect((await op(t).query(api.lifecycle.metadata.metadataOf, { conversationId }))!.manual?.category).toBeUndefined();
  });

  test("a run stops when its token budget is spent and says so", async () => {
    for (let i = 0; i < 5; i++) await seedHistory(t, 4, { chatId: `80000${i}` });
    await op(t).mutation(api.settings.update, { patch: { metadataTokenBudget: 1000 } });
    anthropic.failAlways(toolUse(METADATA_TOOL_NAME, good)); // 340 tokens a call
    const runId = await op(t).mutation(api.lifecycle.maintenance.runNow, { kind: "metadata" });
    await settle(t); // not drain: jumping every timer would fire the SDK's request timeout
    const run = (await op(t).query(api.lifecycle.maintenance.overview, {})).runs.find((r) => r._id === runId)!;
    expect(run).toMatchObject({ status: "done", note: expect.stringContaining("token budget of 1000"), counts: { labelled: 3, tokens: 1020 } });
    expect(anthropic.requests).toHaveLength(3);
  });

  test("without an API key the offline heuristic labels, marked offline, and no request is made", async () => {
    vi.stubEnv("ANTHROPIC_API_KEY", "");
    const { conversationId } = await seedHistory(t, 6);
    expect(await analyze(conversationId)).toMatchObject({ outcome: "offline", tokens: 0 });
    expect(anthropic.requests).toHaveLength(0);
    expect((await op(t).query(api.lifecycle.metadata.metadataOf, { conversationId }))!.auto).toMatchObject({ source: "offline", language: "ru", category: "inquiry" });
  });
});

describe("labels of one message", () => {
  test("analyzed on request by Claude; an operator's category and custom fields win; unknown fields are refused", async () => {
    const { conversationId } = await seedHistory(t, 4);
    const [message] = await t.run((ctx) => ctx.db.query("messages").withIndex("by_conversation", (q) => q.eq("conversationId", conversationId)).take(1));
    anthropic.script(toolUse(METADATA_TOOL_NAME, { ...good, summary: "Asks about a size." }));
    await t.action(internal.lifecycle.metadata.labelMessage, { messageId: message._id });
    expect(JSON.stringify(anthropic.requests[0].messages)).toContain(message.text.slice(0, 20));
    await op(t).mutation(api.lifecycle.metadata.setMessageLabels, { messageId: message._id, category: "complaint", custom: { orderId: "A-1042" } });
    await expect(
      op(t).mutation(api.lifecycle.metadata.setMessageLabels, { messageId: message._id, priority: "high" } as never),
    ).rejects.toThrow(/priority/);
    const labels = (await t.run((ctx) => ctx.db.get("messages", message._id)))!.labels;
    expect(labels).toMatchObject({
      auto: { sentiment: "positive", category: "inquiry", source: "claude" },
      manual: { category: "complaint", custom: { orderId: "A-1042" }, editedBy: (await op(t).query(api.users.viewer, {}))!.id },
    });
  });
});

test("a customer back in an archived conversation is answered with the stored summary in the agent's instructions", async () => {
  const { conversationId, chatId } = await seedHistory(t, 6);
  anthropic.script(toolUse(METADATA_TOOL_NAME, { ...good, summary: "Ivan bought running shoes in size 43 last spring." }));
  await analyze(conversationId);
  await op(t).mutation(api.lifecycle.archive.archiveConversations, { conversationIds: [conversationId] });
  await drain(t);
  anthropic.requests.length = 0;
  const back = telegramMessage({ messageId: 7, chatId, externalId: `${chatId}:7`, sender: { externalId: chatId }, text: "the shoes are worn out, same size again?" });
  await t.mutation(api.ingest.inbound, { secret: INGEST_SECRET, events: [back] });
  await settle(t);
  expect(anthropic.requests[0].system[0].text).toContain("Their summary: Ivan bought running shoes in size 43 last spring.");
});
