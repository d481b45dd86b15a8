// The WebSocket sync protocol, spoken by the real ConvexReactClient.
import { ConvexHttpClient } from "convex/browser";
import { ConvexReactClient } from "convex/react";
import { makeFunctionReference } from "convex/server";
import { ConvexError } from "convex/values";
import {
  afterAll,
  afterEach,
  beforeAll,
  beforeEach,
  expect,
  test,
} from "vitest";
import WebSocket from "ws";
import { api } from "./fixture/convex/_generated/api";
import { eventually, startLocalRuntime, type LocalRuntime } from "./harness";

let runtime: LocalRuntime;
let client: ConvexReactClient;

beforeAll(async () => {
  runtime = await startLocalRuntime();
});
afterAll(async () => {
  await runtime.stop();
});
beforeEach(() => {
  client = new ConvexReactClient(runtime.url, {
    webSocketConstructor: WebSocket as unknown as typeof globalThis.WebSocket,
    unsavedChangesWarning: false,
    logger: false,
  });
});
afterEach(async () => {
  await client.close();
});

test("a subscribed query receives a live update when another client writes", async () => {
  const watch = client.watchQuery(api.notes.list, {});
  const seen: string[][] = [];
  const unsubscribe = watch.onUpdate(() =>
    seen.push(watch.localQueryResult() ?? []),
  );
  await eventually(
    () => seen.length,
    (count) => count > 0,
  );

  await new ConvexHttpClient(runtime.url, { logger: false }).mutation(
    api.notes.add,
    { body: "pushed" },
  );

  const latest = await eventually(
    () => seen.at(-1) ?? [],
    (notes) => notes.includes("pushed"),
  );
  expect(latest).toContain("pushed");
  unsubscribe();
});

test("a mutation resolves only once its own write is visible to subscribed queries", async () => {
  const watch = client.watchQuery(api.notes.list, {});
  const unsubscribe = watch.onUpdate(() => {});
  await eventually(
    () => watch.localQueryResult(),
    (notes) => notes !== undefined,
  );

  await client.mutation(api.notes.add, { body: "read your writes" });

  // No polling: the Transition carrying the write arrived before the promise settled.
  expect(watch.localQueryResult()).toContain("read your writes");
  unsubscribe();
});

test("a mutation that changes nothing the client watches still resolves", async () => {
  const watch = client.watchQuery(api.jobs.runs, { label: "unrelated" });
  const unsubscribe = watch.onUpdate(() => {});
  await eventually(
    () => watch.localQueryResult(),
    (runs) => runs !== undefined,
  );

  await expect(
    client.mutation(api.notes.add, { body: "elsewhere" }),
  ).resolves.toEqual(expect.any(String));
  unsubscribe();
});

test("an action runs over the socket", async () => {
  expect(await client.action(api.notes.shout, { body: "socket" })).toBe(
    "SOCKET",
  );
});

test("a ConvexError from a mutation keeps its data over the socket", async () => {
  const error = await client
    .mutation(api.notes.reject, {})
    .catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ConvexError);
  expect((error as ConvexError<{ code: string }>).data).toMatchObject({
    code: "NOT_ALLOWED",
  });
});

test("an internal mutation is refused over the socket too", async () => {
  const internalAdd = makeFunctionReference<"mutation">("notes:addInternal");
  await expect(
    client.mutation(internalAdd, { body: "sneaky" }),
  ).rejects.toThrow("Could not find public function for 'notes:addInternal'");
});

test("a client that sends an auth token still gets its queries", async () => {
  client.setAuth(async () => "header.payload.signature");
  expect(await client.query(api.jobs.runs, { label: "none" })).toBe(0);
});
