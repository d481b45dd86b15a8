// GET /api/health against a running local runtime, and against nothing.
import { createServer } from "node:net";
import { afterAll, afterEach, beforeAll, expect, test } from "vitest";
import { GET } from "../../app/api/health/route";
import { startLocalRuntime, type LocalRuntime } from "./harness";

let runtime: LocalRuntime;
const originalUrl = process.env.NEXT_PUBLIC_CONVEX_URL;

beforeAll(async () => {
  runtime = await startLocalRuntime();
});
afterAll(async () => {
  await runtime.stop();
});
afterEach(() => {
  if (originalUrl === undefined) delete process.env.NEXT_PUBLIC_CONVEX_URL;
  else process.env.NEXT_PUBLIC_CONVEX_URL = originalUrl;
});

test("reports ok with Convex's latency when the deployment answers", async () => {
  process.env.NEXT_PUBLIC_CONVEX_URL = runtime.url;
  const response = await GET();
  expect(response.status).toBe(200);
  expect(await response.json()).toMatchObject({
    status: "ok",
    app: "ok",
    convex: {
      reachable: true,
      url: runtime.url,
      latencyMs: expect.any(Number),
    },
  });
});

test("answers 503 when nothing listens at the Convex URL", async () => {
  process.env.NEXT_PUBLIC_CONVEX_URL = `http://127.0.0.1:${await closedPort()}`;
  const response = await GET();
  expect(response.status).toBe(503);
  expect(await response.json()).toMatchObject({
    status: "degraded",
    app: "ok",
    convex: { reachable: false },
  });
});

test("answers 503 and says why when no Convex URL is configured", async () => {
  delete process.env.NEXT_PUBLIC_CONVEX_URL;
  const response = await GET();
  expect(response.status).toBe(503);
  expect(await response.json()).toMatchObject({
    convex: { error: "NEXT_PUBLIC_CONVEX_URL is not set" },
  });
});

// A port that was free a moment ago: connecting to it is refused.
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
