/**
 * A Convex deployment's HTTP mutation endpoint in front of a convex-test
 * instance: the route handlers' own `fetchMutation` (ConvexHttpClient) posts
 * `/api/mutation` here over real HTTP on 127.0.0.1, and the call runs in the
 * test's backend. Lets a test go webhook route → ingest → fake platform
 * while keeping convex-test's fake clock and `settle`.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { makeFunctionReference } from "convex/server";
import { ConvexError, convexToJson, jsonToConvex, type Value } from "convex/values";
import type { Test } from "../convex/setup";

export type ConvexBridge = { url: string; close: () => Promise<void> };

export async function startConvexBridge(getTest: () => Test): Promise<ConvexBridge> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const answer = (status: number, body: unknown) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
      if (req.method !== "POST" || req.url?.split("?")[0] !== "/api/mutation") return answer(404, { error: "no route" });
      const request = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { path: string; args: unknown[] };
      const fn = makeFunctionReference<"mutation">(request.path.replace(/\.js$/, ""));
      const args = jsonToConvex(request.args[0] as never) as Record<string, Value>;
      getTest()
        .mutation(fn, args)
        .then(
          (value: unknown) => answer(200, { status: "success", value: convexToJson((value ?? null) as Value), logLines: [] }),
          (error: unknown) =>
            answer(200, {
              status: "error",
              errorMessage: error instanceof Error ? error.message : String(error),
              ...(error instanceof ConvexError ? { errorData: convexToJson(error.data as Value) } : {}),
              logLines: [],
            }),
        );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
