/**
 * Test doubles that speak real HTTP on 127.0.0.1: a fake platform API (Bot
 * API, Graph API) and a fake Convex deployment answering `/api/mutation`
 * the way ConvexHttpClient expects. Nothing is mocked at the module level.
 */
import { readFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import type { InboundEvent } from "../../convex/validators";

export function fixture<T = unknown>(path: string): T {
  return JSON.parse(readFileSync(new URL(`../fixtures/${path}`, import.meta.url), "utf8")) as T;
}

/** The raw text of a fixture, for bodies that must be signed byte for byte. */
export function fixtureText(path: string): string {
  return readFileSync(new URL(`../fixtures/${path}`, import.meta.url), "utf8");
}

export type RecordedRequest = {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  // Parsed JSON body (tests read fields from it).
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
};

export type FakeReply = {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Take the request, then drop the connection without answering: the sender cannot know whether it was delivered. */
  drop?: boolean;
};

export type FakeServer = {
  url: string;
  requests: RecordedRequest[];
  /** Replaces how the server answers from now on. */
  respond(handler: (request: RecordedRequest, index: number) => FakeReply | Promise<FakeReply>): void;
  close(): Promise<void>;
};

export async function startFakeServer(
  handler: (request: RecordedRequest, index: number) => FakeReply | Promise<FakeReply> = () => ({ body: {} }),
): Promise<FakeServer> {
  const requests: RecordedRequest[] = [];
  let current = handler;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      const recorded: RecordedRequest = {
        method: req.method ?? "",
        path: req.url ?? "",
        headers: req.headers,
        body: text ? (JSON.parse(text) as unknown) : undefined,
      };
      requests.push(recorded);
      void Promise.resolve(current(recorded, requests.length - 1)).then((reply) => {
        if (reply.drop) {
          req.socket.destroy();
          return;
        }
        res.writeHead(reply.status ?? 200, { "content-type": "application/json", ...reply.headers });
        res.end(reply.body === undefined ? "" : JSON.stringify(reply.body));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    respond(next) {
      current = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * A Convex deployment as ConvexHttpClient sees it: POST /api/mutation with
 * `{path, format, args: [args]}`, answered `{status: "success", value, logLines}`.
 */
export type RecordedMutation = { path: string; args: { secret: string; events: InboundEvent[] } };

export async function startFakeConvex(): Promise<FakeServer & { mutations: () => RecordedMutation[] }> {
  const server = await startFakeServer((request) => {
    if (request.method !== "POST" || request.path !== "/api/mutation") return { status: 404, body: { error: "no route" } };
    const events = (request.body.args[0]?.events ?? []) as unknown[];
    return {
      body: { status: "success", value: { accepted: events.length, duplicates: 0, ignored: 0 }, logLines: [] },
    };
  });
  return {
    ...server,
    mutations: () => server.requests.filter((r) => r.path === "/api/mutation").map((r) => ({ path: r.body.path, args: r.body.args[0] })),
  };
}

/** Records the pauses a sender asks for instead of waiting them out. */
export function recordingSleep(): { sleep: (ms: number) => Promise<void>; waits: number[] } {
  const waits: number[] = [];
  return {
    waits,
    sleep: async (ms) => {
      waits.push(ms);
    },
  };
}
