/**
 * A local stand-in for a messaging platform's HTTP API on 127.0.0.1: it
 * records every call (path and JSON body, with the time it arrived) and
 * answers with a per-path handler, so tests aim the real adapters at it
 * through the *_BASE_URL variables.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export type PlatformCall = { path: string; body: Record<string, unknown>; at: number };
export type PlatformReply = { status?: number; body: unknown };

export type FakePlatform = {
  url: string;
  calls: PlatformCall[];
  /** Calls whose path ends with `suffix` (e.g. "/sendMessage"). */
  callsTo: (suffix: string) => PlatformCall[];
  /** Overrides the answer for paths ending with `suffix`; the handler may return different replies per call. */
  on: (suffix: string, reply: (call: PlatformCall) => PlatformReply) => void;
  close: () => Promise<void>;
};

export async function startFakePlatform(defaultReply: (call: PlatformCall) => PlatformReply): Promise<FakePlatform> {
  const calls: PlatformCall[] = [];
  const overrides: Array<[string, (call: PlatformCall) => PlatformReply]> = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      const call: PlatformCall = { path: req.url ?? "", body: raw ? (JSON.parse(raw) as Record<string, unknown>) : {}, at: Date.now() };
      calls.push(call);
      const handler = overrides.find(([suffix]) => call.path.split("?")[0]!.endsWith(suffix))?.[1] ?? defaultReply;
      const reply = handler(call);
      res.writeHead(reply.status ?? 200, { "content-type": "application/json" }).end(JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    callsTo: (suffix) => calls.filter((c) => c.path.split("?")[0]!.endsWith(suffix)),
    on: (suffix, reply) => overrides.unshift([suffix, reply]),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

let telegramMessageIds = 9000;
/** Telegram Bot API answers: `{ok: true, result}` with a message for sendMessage. */
export function telegramOk(call: PlatformCall): PlatformReply {
  if (call.path.endsWith("/sendMessage")) {
    return {
      body: {
        ok: true,
        result: { message_id: ++telegramMessageIds, date: Math.floor(Date.now() / 1000), chat: { id: Number(call.body.chat_id), type: "private" }, text: call.body.text },
      },
    };
  }
  return { body: { ok: true, result: true } };
}
