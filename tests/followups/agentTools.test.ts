// The agent's tool definitions (lib/agent/tools.ts): what the model is told
// and how its inputs are checked. Here with the follow-up tests because
// schedule_followup is the tool that feeds parseWhen.
import { describe, expect, test } from "vitest";
import { AGENT_TOOLS, parseToolInput } from "../../lib/agent/tools";

const tool = (name: string) => {
  const found = AGENT_TOOLS.find((t) => t.name === name);
  if (!found) throw new Error(`no tool ${name}`);
  return found;
};

describe("the tools the model is offered", () => {
  test("are the six agent actions, each telling the model how to recover from an error", () => {
    expect(AGENT_TOOLS.map((t) => t.name)).toEqual([
      "schedule_followup",
      "cancel_followups",
      "find_meeting_slots",
      "book_meeting",
      "handoff_to_human",
      "tag_conversation",
    ]);
    for (const t of AGENT_TOOLS) {
      expect(t.description).toContain(
        "If the tool fails, its result is an error explaining what to fix",
      );
      expect(t.input_schema.type).toBe("object");
      expect(t.input_schema).not.toHaveProperty("$schema");
    }
  });

  test("time-taking tools say times are in the customer's time zone", () => {
    for (const name of ["schedule_followup", "find_meeting_slots"]) {
      expect(tool(name).description).toContain("customer's time zone");
    }
  });

  test("input schemas name required fields and stay free of zod's long regexes", () => {
    expect(tool("schedule_followup").input_schema.required).toEqual([
      "when",
      "note",
    ]);
    expect(tool("book_meeting").input_schema.required).toEqual([
      "start",
      "topic",
    ]);
    expect(tool("cancel_followups").input_schema.required).toBeUndefined();
    expect(JSON.stringify(AGENT_TOOLS)).not.toContain('"pattern"');
  });
});

describe("parsing what the model sends", () => {
  test("a follow-up request comes back typed and trimmed", () => {
    const result = parseToolInput("schedule_followup", {
      when: " завтра в 10 ",
      note: "check size 42",
    });
    expect(result).toEqual({
      ok: true,
      value: {
        name: "schedule_followup",
        input: { when: "завтра в 10", note: "check size 42" },
      },
    });
  });

  test("a bad input names each field to fix", () => {
    const result = parseToolInput("schedule_followup", { when: "", note: 42 });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toMatch(
      /^Invalid input for schedule_followup: when: .*; note: .*expected string.*call schedule_followup again\.$/,
    );
  });

  test("a booking takes an ISO start with or without an offset, and rejects words and bad emails", () => {
    expect(
      parseToolInput("book_meeting", {
        start: "2026-11-30T10:00:00+01:00",
        topic: "Fitting",
      }).ok,
    ).toBe(true);
    expect(
      parseToolInput("book_meeting", {
        start: "2026-11-30T10:00:00",
        topic: "Fitting",
        email: "anna@example.com",
      }).ok,
    ).toBe(true);
    const words = parseToolInput("book_meeting", {
      start: "monday at 10",
      topic: "Fitting",
      email: "anna at example",
    });
    expect(words).toEqual({
      ok: false,
      error: expect.stringMatching(
        /start: Invalid ISO datetime; email: Invalid email/,
      ),
    });
  });

  test("meeting search bounds are whole days", () => {
    expect(parseToolInput("find_meeting_slots", {})).toEqual({
      ok: true,
      value: { name: "find_meeting_slots", input: {} },
    });
    expect(
      parseToolInput("find_meeting_slots", { from: "friday", days: 3 }).ok,
    ).toBe(true);
    expect(parseToolInput("find_meeting_slots", { days: 2.5 }).ok).toBe(false);
    expect(parseToolInput("find_meeting_slots", { days: 0 }).ok).toBe(false);
  });

  test("tags are trimmed and lowercased; empty or too many are refused", () => {
    expect(
      parseToolInput("tag_conversation", { tags: [" Lead ", "order-status"] }),
    ).toEqual({
      ok: true,
      value: {
        name: "tag_conversation",
        input: { tags: ["lead", "order-status"] },
      },
    });
    expect(parseToolInput("tag_conversation", { tags: [] }).ok).toBe(false);
    expect(
      parseToolInput("tag_conversation", {
        tags: Array.from({ length: 11 }, (_, i) => `t${i}`),
      }).ok,
    ).toBe(false);
  });

  test("handoff needs a reason; cancelling follow-ups does not", () => {
    expect(parseToolInput("handoff_to_human", {}).ok).toBe(false);
    expect(parseToolInput("cancel_followups", {})).toEqual({
      ok: true,
      value: { name: "cancel_followups", input: {} },
    });
  });

  test("an unknown tool lists the real ones", () => {
    expect(parseToolInput("send_discount", {})).toEqual({
      ok: false,
      error:
        "Unknown tool “send_discount”. Available tools: schedule_followup, cancel_followups, find_meeting_slots, book_meeting, handoff_to_human, tag_conversation.",
    });
    expect(parseToolInput("toString", {}).ok).toBe(false); // not fooled by Object.prototype
  });
});
