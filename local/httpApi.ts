// The two HTTP faces of a Convex deployment:
// - the function API that ConvexHttpClient and convex/nextjs speak
//   (node_modules/convex/dist/esm/browser/http_client.js), like `.convex.cloud`;
// - the app's own `http.ts` routes, like `.convex.site`.
import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { convexToJson, jsonToConvex, type JSONValue } from "convex/values";
import { AuthError, type Identity, type VerifyToken } from "./auth.js";
import type { Engine, FunctionKind } from "./engine.js";
import { logFunctionError, RefusedCallError, toClientError } from "./errors.js";
import { encodeTs } from "./sync.js";

// What http_client.js treats as "the function failed" (as opposed to a bad request).
const STATUS_FUNCTION_FAILED = 560;
// Convex caps function arguments at 16 MiB; leave room for the envelope.
const MAX_BODY_BYTES = 20 * 1024 * 1024;
const ENDPOINT_KIND: Record<string, FunctionKind | undefined> = {
  "/api/query": "query",
  "/api/query_at_ts": "query", // no history here: answered at the latest state
  "/api/mutation": "mutation",
  "/api/action": "action",
  "/api/function": undefined, // any kind
};
// Browsers call the API from the Next.js origin.
const CORS_HEADERS = {
  "access-control-allow-origin": "*",
  "access-control-allow-methods": "GET, POST, OPTIONS",
  "access-control-allow-headers": "content-type, authorization, convex-client",
};

type FunctionRequest = {
  path?: unknown;
  args?: unknown;
  format?: unknown;
  componentPath?: unknown;
};

export function createApiServer(engine: Engine, version: string, verifyToken: VerifyToken): Server {
  return createServer((request, response) => {
    void serveApi(engine, version, verifyToken, request, response).catch((error: unknown) =>
      sendText(response, 500, `Internal runtime error: ${String(error)}`),
    );
  });
}

async function serveApi(
  engine: Engine,
  version: string,
  verifyToken: VerifyToken,
  request: IncomingMessage,
  response: ServerResponse,
) {
  const { pathname } = new URL(request.url ?? "/", "http://localhost");
  if (request.method === "OPTIONS") return sendText(response, 204, "");
  // Health probes ask this, as they would a Convex backend.
  if (request.method === "GET" && pathname === "/version")
    return sendText(response, 200, version);
  if (request.method !== "POST")
    return sendText(
      response,
      404,
      `No route for ${request.method} ${pathname}`,
    );
  if (pathname === "/api/query_ts")
    return sendJson(response, 200, { ts: encodeTs(engine.lastCommitTs()) });
  if (!(pathname in ENDPOINT_KIND))
    return sendText(response, 404, `No route for POST ${pathname}`);

  let body: FunctionRequest;
  try {
    body = JSON.parse(
      (await readBody(request)).toString("utf8"),
    ) as FunctionRequest;
  } catch (error) {
    return sendText(response, 400, `Invalid request body: ${String(error)}`);
  }
  if (typeof body?.path !== "string")
    return sendText(response, 400, "Missing function `path`");
  if (
    body.format !== undefined &&
    body.format !== "convex_encoded_json" &&
    body.format !== "json"
  ) {
    return sendText(response, 400, `Unsupported format ${String(body.format)}`);
  }
  // /api/function sends the arguments object itself; the others wrap it in an array.
  const args =
    pathname === "/api/function"
      ? body.args
      : (body.args as JSONValue[] | undefined)?.[0];
  const expected = ENDPOINT_KIND[pathname];
  // Convex answers a bad token with 401 before running anything.
  let identity: Identity | undefined;
  const bearer = /^Bearer (.+)$/i.exec(request.headers.authorization ?? "")?.[1];
  if (bearer) {
    try {
      identity = await verifyToken(bearer);
    } catch (error) {
      if (!(error instanceof AuthError)) throw error;
      return sendJson(response, 401, { code: "Unauthenticated", message: error.message });
    }
  }
  try {
    if (body.componentPath)
      throw new RefusedCallError(
        "Components are not supported by the local runtime",
      );
    const { value } = await engine.callPublic(
      body.path,
      jsonToConvex((args ?? {}) as JSONValue),
      expected,
      identity,
    );
    sendJson(response, 200, {
      status: "success",
      value: convexToJson(value),
      logLines: [],
    });
  } catch (error) {
    logFunctionError(expected ?? "function", body.path, error);
    sendJson(response, STATUS_FUNCTION_FAILED, {
      status: "error",
      ...toClientError(error),
      logLines: [],
    });
  }
}

/** Serves `convex/http.ts` routes, as `<deployment>.convex.site` does. */
export function createSiteServer(engine: Engine): Server {
  return createServer((request, response) => {
    void serveSite(engine, request, response).catch((error: unknown) => {
      logFunctionError(
        "http action",
        `${request.method} ${request.url}`,
        error,
      );
      const { errorMessage } = toClientError(error);
      sendText(response, 500, errorMessage);
    });
  });
}

async function serveSite(
  engine: Engine,
  request: IncomingMessage,
  response: ServerResponse,
) {
  const method = request.method ?? "GET";
  const headers = new Headers();
  for (let i = 0; i < request.rawHeaders.length; i += 2) {
    const name = request.rawHeaders[i].toLowerCase();
    if (!HOP_BY_HOP.has(name)) headers.append(name, request.rawHeaders[i + 1]);
  }
  const body =
    method === "GET" || method === "HEAD"
      ? undefined
      : new Uint8Array(await readBody(request));
  const result = await engine.fetchHttpAction(request.url ?? "/", {
    method,
    headers,
    body,
  });
  const outgoing: Record<string, string | string[]> = {};
  result.headers.forEach((value, name) => {
    if (name !== "set-cookie") outgoing[name] = value;
  });
  const cookies = result.headers.getSetCookie();
  if (cookies.length > 0) outgoing["set-cookie"] = cookies;
  response.writeHead(result.status, outgoing);
  response.end(Buffer.from(await result.arrayBuffer()));
}

// Headers about this hop's connection, not the request itself.
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "transfer-encoding",
  "upgrade",
  "host",
  "content-length",
]);

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES)
      throw new Error(`request body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
): void {
  response.writeHead(status, {
    "content-type": "application/json",
    ...CORS_HEADERS,
  });
  response.end(JSON.stringify(body));
}

function sendText(
  response: ServerResponse,
  status: number,
  text: string,
): void {
  if (response.headersSent) return void response.end();
  response.writeHead(status, {
    "content-type": "text/plain; charset=utf-8",
    ...CORS_HEADERS,
  });
  response.end(text);
}
