/**
 * Writes the reply to one burst: Claude when ANTHROPIC_API_KEY is set,
 * otherwise the labelled offline responder. Runs inside an action.
 */
import { offlineReply, OFFLINE_MODEL } from "../../lib/offline";
import { buildTurns, renderMessage, type PromptMessage } from "../../lib/prompt";
import type { Settings } from "../../lib/settings";
import { callClaude, NO_USAGE, type TokenUsage } from "./claude";

export type ReplyInput = {
  settings: Pick<Settings, "model" | "systemPrompt" | "maxOutputTokens" | "llmTimeoutMs">;
  history: PromptMessage[];
  burst: PromptMessage[];
};

export type Reply = {
  text: string;
  usage: TokenUsage;
  model: string;
  responder: "claude" | "offline";
};

export async function writeReply({ settings, history, burst }: ReplyInput): Promise<Reply> {
  const apiKey = process.env.ANTHROPIC_API_KEY;
  if (!apiKey) {
    return { text: offlineReply(burst.map(renderMessage)), usage: NO_USAGE, model: OFFLINE_MODEL, responder: "offline" };
  }
  const result = await callClaude({
    apiKey,
    model: settings.model,
    system: settings.systemPrompt,
    turns: buildTurns(history, burst),
    maxTokens: settings.maxOutputTokens,
    timeoutMs: settings.llmTimeoutMs,
  });
  return { ...result, responder: "claude" };
}
