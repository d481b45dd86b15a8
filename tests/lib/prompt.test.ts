import { describe, expect, test } from "vitest";
import { buildTurns, describeAttachment, inPlatformOrder, type PromptMessage } from "../../lib/prompt";

const msg = (author: PromptMessage["author"], text: string, extra: Partial<PromptMessage> = {}): PromptMessage => ({
  author,
  text,
  attachments: [],
  sentAt: 0,
  ...extra,
});

describe("the model's input", () => {
  test("the burst becomes one final user turn, one line per message", () => {
    const turns = buildTurns([], [msg("customer", "Hey"), msg("customer", "do you have shoes?"), msg("customer", "size 10?")]);
    expect(turns).toEqual([{ role: "user", content: "Hey\ndo you have shoes?\nsize 10?" }]);
  });

  test("history alternates turns, starts with the customer and marks human colleagues", () => {
    const turns = buildTurns(
      [msg("agent", "Welcome!"), msg("customer", "Hi"), msg("agent", "Hello"), msg("human", "Anna here")],
      [msg("customer", "thanks")],
    );
    expect(turns).toEqual([
      { role: "user", content: "Hi" },
      { role: "assistant", content: "Hello\n(a human colleague wrote) Anna here" },
      { role: "user", content: "thanks" },
    ]);
  });

  test("attachments are described in words the model can use", () => {
    expect(describeAttachment({ kind: "photo", caption: "red sneakers" })).toBe("[photo: red sneakers]");
    const turns = buildTurns([], [msg("customer", "", { attachments: [{ kind: "voice" }] }), msg("customer", "this one?")]);
    expect(turns[0]!.content).toBe("[voice]\nthis one?");
  });

  test("platform order wins over arrival order; arrival breaks ties of whole-second dates", () => {
    const ordered = inPlatformOrder([
      { id: "b", sentAt: 2000, receivedAt: 10 },
      { id: "a", sentAt: 1000, receivedAt: 20 },
      { id: "c", sentAt: 2000, receivedAt: 30 },
    ]);
    expect(ordered.map((m) => m.id)).toEqual(["a", "b", "c"]);
  });
});
