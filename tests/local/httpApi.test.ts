// The function API as ConvexHttpClient and convex/nextjs use it, plus the
// app's http.ts routes, against the real local runtime.
import { ConvexHttpClient } from "convex/browser";
import { fetchMutation, fetchQuery } from "convex/nextjs";
import { makeFunctionReference } from "convex/server";
import { ConvexError } from "convex/values";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { api } from "./fixture/convex/_generated/api";
import { startLocalRuntime, type LocalRuntime } from "./harness";

let runtime: LocalRuntime;
let client: ConvexHttpClient;

beforeAll(async () => {
  runtime = await startLocalRuntime();
  client = new ConvexHttpClient(runtime.url, { logger: false });
});
afterAll(async () => {
  await runtime.stop();
});

describe("ConvexHttpClient", () => {
  test("a note added by a mutation is listed by a query", async () => {
    const id = await client.mutation(api.notes.add, { body: "first" });
    expect(typeof id).toBe("string");
    expect(await client.query(api.notes.list, {})).toContain("first");
  });

  test("an action's result comes back and its internal writes are visible", async () => {
    expect(await client.action(api.notes.shout, { body: "quiet" })).toBe(
      "QUIET",
    );
    expect(await client.query(api.notes.list, {})).toContain("QUIET");
  });

  test("an internal function is refused as if it did not exist", async () => {
    const internalAdd = makeFunctionReference<"mutation">("notes:addInternal");
    await expect(
      client.mutation(internalAdd, { body: "sneaky" }),
    ).rejects.toThrow("Could not find public function for 'notes:addInternal'");
    expect(await client.query(api.notes.list, {})).not.toContain("sneaky");
  });

  test("a function called as the wrong kind is refused", async () => {
    const listAsMutation = makeFunctionReference<"mutation">("notes:list");
    await expect(client.mutation(listAsMutation, {})).rejects.toThrow(
      "Trying to execute notes:list as Mutation, but it is defined as Query.",
    );
  });

  test("arguments that fail the validator are rejected before the handler runs", async () => {
    const add = makeFunctionReference<"mutation", { body: unknown }>(
      "notes:add",
    );
    await expect(client.mutation(add, { body: 42 })).rejects.toThrow(
      /Validator error/,
    );
  });

  test("a ConvexError reaches the client with its data", async () => {
    const error = await client
      .mutation(api.notes.reject, {})
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConvexError);
    expect((error as ConvexError<{ code: string }>).data).toEqual({
      code: "NOT_ALLOWED",
      message: "notes are read-only today",
    });
  });

  test("the terminal names each failed function", () => {
    expect(runtime.output()).toMatch(
      /✖ mutation notes:reject: Uncaught ConvexError/,
    );
  });
});

describe("convex/nextjs helpers", () => {
  test("fetchMutation and fetchQuery work against the local URL", async () => {
    await fetchMutation(
      api.notes.add,
      { body: "from next" },
      { url: runtime.url },
    );
    expect(
      await fetchQuery(api.notes.list, {}, { url: runtime.url }),
    ).toContain("from next");
  });
});

describe("deployment endpoints", () => {
  test("GET /version answers in plain text, as health probes expect", async () => {
    const response = await fetch(`${runtime.url}/version`);
    expect(response.status).toBe(200);
    expect(await response.text()).toMatch(/^\d+\.\d+\.\d+/);
  });

  test("an http.ts route answers on the next port", async () => {
    await client.mutation(api.notes.add, { body: "over http" });
    const response = await fetch(`${runtime.siteUrl}/notes`);
    expect(response.status).toBe(200);
    expect(((await response.json()) as { notes: string[] }).notes).toContain(
      "over http",
    );
  });

  test("an unknown http route is a 404", async () => {
    expect((await fetch(`${runtime.siteUrl}/nowhere`)).status).toBe(404);
  });
});
