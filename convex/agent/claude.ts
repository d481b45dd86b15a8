/**
 * The one place that talks to Anthropic. Uses the official SDK, which
 * honours ANTHROPIC_BASE_URL (tests aim it at a local fake). Retries are
 * ours, not the SDK's: a failed attempt is recorded and re-scheduled on the
 * Convex scheduler, so a long `retry-after` never holds an action open.
 */
import Anthropic from "@anthropic-ai/sdk";
import { parseRetryAfter } from "../../lib/backoff";
import type { ModelTurn } from "../../lib/prompt";
import type { TokenUsage, ToolCall } from "../validators";

// The shapes are declared once, as the validators the batch records them with.
export type { TokenUsage, ToolCall };

export const NO_USAGE: TokenUsage = { inputTokens: 0, outputTokens: 0, cacheReadInputTokens: 0, cacheCreationInputTokens: 0 };

/** A failed model attempt, classified for the retry policy. */
export class ModelError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = "ModelError";
  }
}

/** Runs one tool the model asked for; errors go back to the model as `is_error` results it can recover from. */
export type ToolRunner = (name: string, input: unknown) => Promise<{ content: string; isError: boolean }>;

export type ClaudeRequest = {
  apiKey: string;
  model: string;
  system: string;
  turns: ModelTurn[];
  maxTokens: number;
  timeoutMs: number;
  tools?: Anthropic.Tool[];
  runTool?: ToolRunner;
};

export type ClaudeReply = { text: string; usage: TokenUsage; model: string; toolCalls: ToolCall[] };

/** Model ↔ tool round trips per reply; a loop past this is a model stuck, not a conversation. */
const MAX_TOOL_ROUNDS = 6;

export async function callClaude(request: ClaudeRequest): Promise<ClaudeReply> {
  const client = new Anthropic({
    apiKey: request.apiKey,
    baseURL: process.env.ANTHROPIC_BASE_URL || undefined,
    maxRetries: 0,
    timeout: request.timeoutMs,
  });
  const messages: Anthropic.MessageParam[] = [...request.turns];
  const toolCalls: ToolCall[] = [];
  let usage = NO_USAGE;
  try {
    for (let round = 0; round < MAX_TOOL_ROUNDS; round++) {
      const response = await client.messages.create({
        model: request.model,
        max_tokens: request.maxTokens,
        // Tools and the system prompt are the static prefix every call shares: cache it.
        system: [{ type: "text", text: request.system, cache_control: { type: "ephemeral" } }],
        ...(request.tools?.length ? { tools: request.tools } : {}),
        messages,
      });
      usage = addUsage(usage, response.usage);
      const toolUses = response.content.filter((block) => block.type === "tool_use");
      if (response.stop_reason === "tool_use" && toolUses.length > 0 && request.runTool) {
        messages.push({ role: "assistant", content: response.content });
        const results: Anthropic.ToolResultBlockParam[] = [];
        for (const use of toolUses) {
          const { content, isError } = await request.runTool(use.name, use.input);
          toolCalls.push({ name: use.name, input: use.input, result: content, isError });
          results.push({ type: "tool_result", tool_use_id: use.id, content, is_error: isError });
        }
        messages.push({ role: "user", content: results });
        continue;
      }
      const text = response.content
        .flatMap((block) => (block.type === "text" ? [block.text] : []))
        .join("\n")
        .trim();
      if (text.length === 0) throw new ModelError(`The model returned no text (stop_reason ${response.stop_reason})`, true);
      return { text, usage, model: response.model, toolCalls };
    }
    throw new ModelError(`The model kept calling tools after ${MAX_TOOL_ROUNDS} rounds`, false);
  } catch (error) {
    throw classify(error);
  }
}

function addUsage(total: TokenUsage, usage: Anthropic.Usage): TokenUsage {
  return {
    inputTokens: total.inputTokens + usage.input_tokens,
    outputTokens: total.outputTokens + usage.output_tokens,
    cacheReadInputTokens: total.cacheReadInputTokens + (usage.cache_read_input_tokens ?? 0),
    cacheCreationInputTokens: total.cacheCreationInputTokens + (usage.cache_creation_input_tokens ?? 0),
  };
}

/** 408/409/429/5xx (incl. 529 overloaded), timeouts and network errors are worth another try. */
export function classify(error: unknown): ModelError {
  if (error instanceof ModelError) return error;
  if (error instanceof Anthropic.APIConnectionError) {
    return new ModelError(`Anthropic unreachable: ${error.message}`, true);
  }
  if (error instanceof Anthropic.APIError) {
    const status = error.status ?? 0;
    const retryable = status === 408 || status === 409 || status === 429 || status >= 500;
    const retryAfterMs = parseRetryAfter(error.headers?.get("retry-after"), Date.now());
    return new ModelError(`Anthropic ${status}: ${error.message}`, retryable, retryAfterMs);
  }
  return new ModelError(error instanceof Error ? error.message : String(error), false);
}
