// The tools the agent may call, as Anthropic Messages API `tools` entries,
// and the parsers for what the model sends back. One zod schema per tool is
// the single source: the JSON Schema the model sees is generated from it, and
// the same schema checks the model's input before anything runs.
import type Anthropic from "@anthropic-ai/sdk";
import { z } from "zod";

// Appended to every description: the model should treat a tool error as a
// message to act on, not as a dead end or something to read out.
const ON_ERROR =
  "If the tool fails, its result is an error explaining what to fix: correct the input or ask the customer, and never show the error text to the customer.";

const TIME_ZONE_NOTE = "Times are read and shown in the customer's time zone.";

export const TOOL_INPUT_SCHEMAS = {
  schedule_followup: z.object({
    when: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .describe(
        "When to write, in the customer's own words in English or Russian (“in 2 hours”, “tomorrow at 10”, “next week”, “через 2 часа”, “завтра в 10”, “в понедельник”) or ISO 8601 (“2026-12-01T10:00”, local to the customer unless it carries an offset).",
      ),
    note: z
      .string()
      .trim()
      .min(1)
      .max(1000)
      .describe(
        "What to follow up about, for you to write the message then, e.g. “ask whether size 42 fitted”. Not sent as is.",
      ),
  }),
  cancel_followups: z.object({
    reason: z
      .string()
      .trim()
      .max(500)
      .optional()
      .describe("Why, in a few words, for the operators."),
  }),
  find_meeting_slots: z.object({
    from: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .optional()
      .describe(
        "Earliest day or time the customer wants, in their words or ISO 8601 (“friday”, “next week”, “2026-12-01”). Omit for as soon as possible.",
      ),
    days: z
      .number()
      .int()
      .min(1)
      .max(60)
      .optional()
      .describe(
        "How many days from `from` to search. Omit for the business's default.",
      ),
  }),
  book_meeting: z.object({
    start: z.iso
      .datetime({ offset: true, local: true })
      .meta({ format: "date-time" })
      .describe(
        "The start of one slot returned by find_meeting_slots, copied exactly.",
      ),
    topic: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .describe(
        "What the meeting is about, as the calendar entry's title, e.g. “Shoe fitting for Anna”.",
      ),
    email: z
      .email()
      .optional()
      .describe(
        "The customer's email for the calendar invitation, only if they gave it in this conversation.",
      ),
  }),
  handoff_to_human: z.object({
    reason: z
      .string()
      .trim()
      .min(1)
      .max(500)
      .describe(
        "One line for the operator: what the customer needs and why you are handing over.",
      ),
  }),
  tag_conversation: z.object({
    tags: z
      .array(z.string().trim().toLowerCase().min(1).max(40))
      .min(1)
      .max(10)
      .describe("Short lowercase labels, e.g. [“lead”, “order-status”]."),
  }),
};

const descriptions: Record<ToolName, string> = {
  schedule_followup: [
    "Schedule a message to this customer later: when they ask to be contacted later (“write me in 2 hours”, “напиши завтра”) or when you promised to come back to them.",
    `${TIME_ZONE_NOTE} The result states the exact time it resolved to; confirm that time to the customer.`,
    "A time in the past, more than a year ahead or not understood comes back as an error: ask the customer for a clearer time instead of guessing.",
    "Any new message from the customer cancels pending follow-ups, so schedule again if one is still wanted.",
    ON_ERROR,
  ].join(" "),
  cancel_followups: [
    "Cancel every follow-up scheduled for this customer, when they no longer want to be contacted or the matter is settled.",
    ON_ERROR,
  ].join(" "),
  find_meeting_slots: [
    "List free times for a meeting (a call or a visit) with the business. Call it before book_meeting and offer the customer two or three of the returned times; never invent times.",
    TIME_ZONE_NOTE,
    ON_ERROR,
  ].join(" "),
  book_meeting: [
    "Book a meeting at a time the customer chose from find_meeting_slots. The result confirms the time and, when video meetings are connected, gives a join link to share with the customer.",
    "If the slot was taken meanwhile the result is an error: call find_meeting_slots again and offer new times.",
    ON_ERROR,
  ].join(" "),
  handoff_to_human: [
    "Hand the conversation to a human operator when the customer asks for a person, is upset, or needs something you cannot do or are unsure about (refunds, complaints, account changes).",
    "An operator is notified and you stop answering this customer until they hand it back; tell the customer that a person will reply.",
    ON_ERROR,
  ].join(" "),
  tag_conversation: [
    "Label the conversation for the operators' dashboard and analytics, e.g. “lead”, “order-status”, “complaint”. Call once when the topic is clear; tags are added to the existing ones.",
    ON_ERROR,
  ].join(" "),
};

export type ToolName = keyof typeof TOOL_INPUT_SCHEMAS;
export type ToolInputs = { [N in ToolName]: z.infer<(typeof TOOL_INPUT_SCHEMAS)[N]> };
/** A validated call, discriminated by `name` so a switch narrows `input`. */
export type ParsedToolCall = {
  [N in ToolName]: { name: N; input: ToolInputs[N] };
}[ToolName];

export const TOOL_NAMES = Object.keys(TOOL_INPUT_SCHEMAS) as ToolName[];

/** The `tools` array for messages.create, in a fixed order so the prompt prefix caches. */
export const AGENT_TOOLS: Anthropic.Tool[] = TOOL_NAMES.map((name) => {
  const { $schema: _dialect, ...schema } = z.toJSONSchema(TOOL_INPUT_SCHEMAS[name], {
    io: "input",
    // zod spells out its ISO-datetime and email checks as long regexes: tokens
    // the model does not need on every call. The parser still enforces them.
    override: ({ jsonSchema }) => {
      delete jsonSchema.pattern;
    },
  });
  return {
    name,
    description: descriptions[name],
    input_schema: { ...schema, type: "object" },
  };
});

/**
 * Checks the model's input for a tool. The error is written for the model,
 * to send back as an `is_error` tool result it can correct.
 */
export function parseToolInput(
  name: string,
  input: unknown,
): { ok: true; value: ParsedToolCall } | { ok: false; error: string } {
  if (!isToolName(name)) {
    return {
      ok: false,
      error: `Unknown tool “${name}”. Available tools: ${TOOL_NAMES.join(", ")}.`,
    };
  }
  const parsed = TOOL_INPUT_SCHEMAS[name].safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join(".") || "input"}: ${issue.message}`,
    );
    return {
      ok: false,
      error: `Invalid input for ${name}: ${problems.join("; ")}. Fix these and call ${name} again.`,
    };
  }
  return { ok: true, value: { name, input: parsed.data } as ParsedToolCall };
}

function isToolName(name: string): name is ToolName {
  return Object.hasOwn(TOOL_INPUT_SCHEMAS, name);
}
