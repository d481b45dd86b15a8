/**
 * A local stand-in for the Anthropic Messages API on 127.0.0.1. The real
 * `@anthropic-ai/sdk` talks to it over HTTP (via ANTHROPIC_BASE_URL), so
 * tests exercise the SDK's request building and error handling for real.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export type RecordedRequest = {
  model: string;
  system: Array<{ type: string; text: string; cache_control?: unknown }>;
  messages: Array<{ role: string; content: unknown }>;
  tools?: Array<{ name: string }>;
  headers: Record<string, string | string[] | undefined>;
};

export type ScriptedResponse = {
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** Runs before the response is sent (e.g. the customer writes meanwhile). */
  before?: () => Promise<void>;
};

export type FakeAnthropic = {
  url: string;
  requests: RecordedRequest[];
  /** Responses used in order; when empty, a text reply echoing the last user turn. */
  script: (...responses: ScriptedResponse[]) => void;
  /** Every request fails like this until cleared with `failAlways(null)`. */
  failAlways: (response: ScriptedResponse | null) => void;
  close: () => Promise<void>;
};

export function textMessage(text: string, model = "claude-sonnet-4-6") {
  return {
    id: `msg_${Math.random().toString(36).slice(2, 12)}`,
    type: "message",
    role: "assistant",
    model,
    content: [{ type: "text", text }],
    stop_reason: "end_turn",
    stop_sequence: null,
    usage: { input_tokens: 120, output_tokens: 18, cache_creation_input_tokens: 0, cache_read_input_tokens: 96 },
  };
}

/** The model answers with this text. */
export function replyWith(text: string): ScriptedResponse {
  return { body: textMessage(text) };
}

export const overloaded: ScriptedResponse = {
  status: 529,
  body: { type: "error", error: { type: "overloaded_error", message: "Overloaded" }, request_id: "req_fake_529" },
};

export function rateLimited(retryAfterSeconds: number): ScriptedResponse {
  return {
    status: 429,
    headers: { "retry-after": String(retryAfterSeconds) },
    body: { type: "error", error: { type: "rate_limit_error", message: "Rate limited" }, request_id: "req_fake_429" },
  };
}

/** The text of the last user turn, flattened. */
export function lastUserText(request: RecordedRequest): string {
  const last = [...request.messages].reverse().find((m) => m.role === "user");
  if (!last) return "";
  if (typeof last.content === "string") return last.content;
  return (last.content as Array<{ type: string; text?: string }>).map((b) => b.text ?? "").join("\n");
}

export async function startFakeAnthropic(): Promise<FakeAnthropic> {
  const requests: RecordedRequest[] = [];
  const queue: ScriptedResponse[] = [];
  let always: ScriptedResponse | null = null;

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      void (async () => {
        if (req.method !== "POST" || !req.url?.startsWith("/v1/messages")) {
          res.writeHead(404, { "content-type": "application/json" }).end("{}");
          return;
        }
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Omit<RecordedRequest, "headers">;
        const request = { ...body, headers: req.headers };
        requests.push(request);
        const scripted = always ?? queue.shift();
        await scripted?.before?.();
        const status = scripted?.status ?? 200;
        const payload = scripted?.body ?? textMessage(`Reply to: ${lastUserText(request)}`, body.model);
        res.writeHead(status, {
          "content-type": "application/json",
          "request-id": `req_${requests.length}`,
          ...scripted?.headers,
        });
        res.end(JSON.stringify(payload));
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    script: (...responses) => queue.push(...responses),
    failAlways: (response) => {
      always = response;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** The model asks to run one tool. */
export function toolUse(name: string, input: Record<string, unknown>): ScriptedResponse {
  return {
    body: {
      id: `msg_${Math.random().toString(36).slice(2, 12)}`,
      type: "message",
      role: "assistant",
      model: "claude-sonnet-4-6",
      content: [
        { type: "text", text: "Let me do that." },
        { type: "tool_use", id: `toolu_${Math.random().toString(36).slice(2, 12)}`, name, input },
      ],
      stop_reason: "tool_use",
      stop_sequence: null,
      usage: { input_tokens: 300, output_tokens: 40, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    },
  };
}

/** The tool results the last request carried back to the model. */
export function toolResults(request: RecordedRequest): Array<{ content: string; is_error?: boolean }> {
  const last = request.messages[request.messages.length - 1];
  if (!last || !Array.isArray(last.content)) return [];
  return (last.content as Array<{ type: string; content: string; is_error?: boolean }>).filter((b) => b.type === "tool_result");
}
