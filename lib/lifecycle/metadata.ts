// Conversation metadata: what Claude is asked for, how its answer is
// validated, and the offline heuristic used when there is no API key. The
// heuristic is deterministic and always labelled `source: "offline"` so no
// screen mistakes it for the model's judgement.
import { z } from "zod";

export const SENTIMENTS = ["positive", "neutral", "negative", "mixed"] as const;
export const BUILTIN_CATEGORIES = ["appointment", "inquiry", "complaint", "feedback", "general"] as const;

/** The zod schema for the model's structured answer; `categories` adds the business's own list. */
export function metadataSchema(extraCategories: readonly string[] = []) {
  const categories = [...new Set([...BUILTIN_CATEGORIES, ...extraCategories.map((c) => c.trim()).filter(Boolean)])];
  return z
    .object({
      sentiment: z.enum(SENTIMENTS),
      category: z.string().refine((c) => categories.includes(c), { message: `category must be one of: ${categories.join(", ")}` }),
      tags: z.array(z.string().min(1).max(40)).max(8),
      summary: z
        .string()
        .min(1)
        .max(600)
        .refine((s) => sentenceCount(s) >= 1 && sentenceCount(s) <= 3, { message: "summary must be 1–3 sentences" }),
      /** BCP 47 primary tag, e.g. "en", "ru". */
      language: z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]+)?$/, "language must be a code like en or pt-BR"),
    })
    .strict();
}

export type ConversationMetadata = z.infer<ReturnType<typeof metadataSchema>>;

export function sentenceCount(text: string): number {
  return text
    .split(/(?<=[.!?…])\s+/)
    .map((s) => s.trim())
    .filter((s) => /[\p{L}\p{N}]/u.test(s)).length;
}

/** The JSON schema shown to the model as the one tool it must call (forced tool use = structured output). */
export function metadataToolSchema(extraCategories: readonly string[] = []) {
  const categories = [...new Set([...BUILTIN_CATEGORIES, ...extraCategories])];
  return {
    type: "object" as const,
    properties: {
      sentiment: { type: "string", enum: [...SENTIMENTS], description: "The customer's overall sentiment" },
      category: { type: "string", enum: categories, description: "What the conversation is mainly about" },
      tags: { type: "array", items: { type: "string" }, maxItems: 8, description: "Short lowercase topics, e.g. shoes, refund" },
      summary: { type: "string", description: "1–3 sentences an operator reads instead of the conversation" },
      language: { type: "string", description: "The customer's language as a code: en, ru, de…" },
    },
    required: ["sentiment", "category", "tags", "summary", "language"],
    additionalProperties: false,
  };
}

export const METADATA_TOOL_NAME = "record_conversation_metadata";

export const METADATA_SYSTEM_PROMPT = [
  "You label customer conversations of a small business for its operators.",
  `Call ${METADATA_TOOL_NAME} exactly once with the sentiment of the customer, the main category, a few short tags, a summary of one to three sentences in English, and the customer's language.`,
  "Do not reply to the customer.",
].join("\n");

export type TranscriptLine = { author: "customer" | "agent" | "human"; text: string };

/** Newest messages the model sees; older ones are summarised away by the previous run anyway. */
export const METADATA_TRANSCRIPT_LINES = 60;
const LINE_CHARS = 500;

export function transcriptText(lines: TranscriptLine[]): string {
  return lines
    .slice(-METADATA_TRANSCRIPT_LINES)
    .map((l) => `${l.author}: ${l.text.replace(/\s+/g, " ").slice(0, LINE_CHARS)}`)
    .join("\n");
}

/** Validates the model's tool input; returns the issues so a retry can tell the model what was wrong. */
export function parseMetadata(
  input: unknown,
  extraCategories: readonly string[] = [],
): { ok: true; value: ConversationMetadata } | { ok: false; error: string } {
  const parsed = metadataSchema(extraCategories).safeParse(input);
  if (parsed.success) return { ok: true, value: { ...parsed.data, tags: normalizeTags(parsed.data.tags) } };
  return { ok: false, error: parsed.error.issues.map((i) => `${i.path.join(".") || "answer"}: ${i.message}`).join("; ") };
}

function normalizeTags(tags: string[]): string[] {
  return [...new Set(tags.map((t) => t.trim().toLowerCase()).filter(Boolean))];
}

// ---- offline heuristic ----------------------------------------------------

const WORDS: Record<"positive" | "negative", RegExp> = {
  positive: /\b(thanks?|thank you|great|perfect|awesome|love|excellent|good|nice|спасибо|отлично|супер|danke|gracias)\b/iu,
  negative: /\b(bad|terrible|awful|angry|refund|broken|worst|disappointed|never again|late|wrong|плохо|ужасно|возврат|жалоба)\b/iu,
};

const CATEGORY_RULES: Array<[(typeof BUILTIN_CATEGORIES)[number], RegExp]> = [
  ["complaint", /\b(complain|complaint|refund|broken|terrible|awful|wrong|жалоба|возврат)\b/iu],
  ["appointment", /\b(appointment|book|booking|meeting|schedule|reschedule|запис|встреч)\w*/iu],
  ["feedback", /\b(feedback|review|suggest|recommend|отзыв)\w*/iu],
  ["inquiry", /\?|\b(how much|price|do you have|available|when|where|сколько|есть ли|цена)\b/iu],
];

const STOPWORDS = new Set(
  "the a an and or but is are was were be to of in on at for with you your i me my we our it this that do does have has can could would will please hi hello hey thanks thank just what when where how why which there their they them from about".split(" "),
);

/**
 * A deterministic stand-in for the model: keyword sentiment and category,
 * the most frequent content words as tags, the first customer message as
 * the summary, and the script (Cyrillic or Latin) as the language.
 */
export function offlineMetadata(lines: TranscriptLine[], extraCategories: readonly string[] = []): ConversationMetadata {
  const customer = lines.filter((l) => l.author === "customer").map((l) => l.text);
  const text = customer.join("\n");
  const positive = WORDS.positive.test(text);
  const negative = WORDS.negative.test(text);
  const sentiment = positive && negative ? "mixed" : positive ? "positive" : negative ? "negative" : "neutral";
  const extra = extraCategories.find((c) => c.trim() && text.toLowerCase().includes(c.trim().toLowerCase()));
  const category = extra?.trim() ?? CATEGORY_RULES.find(([, re]) => re.test(text))?.[0] ?? "general";
  const counts = new Map<string, number>();
  for (const word of text.toLowerCase().match(/[\p{L}]{4,}/gu) ?? []) {
    if (!STOPWORDS.has(word)) counts.set(word, (counts.get(word) ?? 0) + 1);
  }
  const tags = [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, 3)
    .map(([word]) => word);
  // Sentence marks inside the quote would make one summary sentence look like several.
  const first = (customer[0] ?? "").replace(/\s+/g, " ").replace(/[.!?…]+/g, "").trim();
  const summary = first
    ? `The customer wrote ${customer.length} message${customer.length === 1 ? "" : "s"}, starting with “${first.slice(0, 120)}${first.length > 120 ? "…" : ""}”.`
    : "No customer messages yet.";
  const language = /[\u0400-\u04FF]/u.test(text) ? "ru" : "en";
  return { sentiment, category, tags, summary, language };
}
