/**
 * Writes what the agent says: the reply to a burst, or a follow-up it
 * promised. Claude when ANTHROPIC_API_KEY is set, otherwise the labelled
 * offline responder. Runs inside actions.
 */
import type Anthropic from "@anthropic-ai/sdk";
import { offlineFollowup, offlineReply, OFFLINE_MODEL } from "../../lib/offline";
import { buildTurns, renderMessage, type PromptMessage } from "../../lib/prompt";
import type { Settings } from "../../lib/settings";
import { callClaude, NO_USAGE, type ToolCall, type ToolRunner, type TokenUsage } from "./claude";

type ModelSettings = Pick<Settings, "model" | "systemPrompt" | "maxOutputTokens" | "llmTimeoutMs">;

export type ReplyInput = {
  settings: ModelSettings;
  history: PromptMessage[];
  burst: PromptMessage[];
  /** Outside working hours with the "notice" mode: this text is the reply, no model call. */
  notice?: string;
  tools?: Anthropic.Tool[];
  runTool?: ToolRunner;
};

export type Reply = {
  text: string;
  usage: TokenUsage;
  model: string;
  responder: "claude" | "offline" | "notice";
  toolCalls: ToolCall[];
};

export async function writeReply({ settings, history, burst, notice, tools, runTool }: ReplyInput): Promise<Reply> {
  if (notice !== undefined) {
    return { text: notice, usage: NO_USAGE, model: "after-hours-notice", responder: "notice", toolCalls: [] };
  }
  const apiKey = process.env.ANTHROPIC_API_KEY;
  if (!apiKey) {
    const text = offlineReply(burst.map(renderMessage));
    return { text, usage: NO_USAGE, model: OFFLINE_MODEL, responder: "offline", toolCalls: [] };
  }
  const result = await callClaude({
    apiKey,
    model: settings.model,
    system: settings.systemPrompt,
    turns: buildTurns(history, burst),
    maxTokens: settings.maxOutputTokens,
    timeoutMs: settings.llmTimeoutMs,
    tools,
    runTool,
  });
  return { ...result, responder: "claude" };
}

/** The follow-up the agent promised, written from the conversation and the note it left itself. */
export async function writeFollowup(input: { settings: ModelSettings; history: PromptMessage[]; note: string }) {
  const apiKey = process.env.ANTHROPIC_API_KEY;
  if (!apiKey) return offlineFollowup(input.note);
  const instruction: PromptMessage = {
    author: "customer",
    text:
      `(System note, not from the customer: it is time for the follow-up you scheduled. Your note: "${input.note}". ` +
      "Write the follow-up message to the customer now, short and friendly, in their language. Do not mention this note.)",
    attachments: [],
    sentAt: 0,
  };
  const { text } = await callClaude({
    apiKey,
    model: input.settings.model,
    system: input.settings.systemPrompt,
    turns: buildTurns(input.history, [instruction]),
    maxTokens: input.settings.maxOutputTokens,
    timeoutMs: input.settings.llmTimeoutMs,
  });
  return text;
}
