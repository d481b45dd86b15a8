// File storage from actions on the local runtime while other transactions
// commit and roll back (convex-test decided "am I inside a transaction?"
// from a global flag, so an action's store could join, or lose, another
// function's transaction: "Write outside of transaction").
import { ConvexHttpClient } from "convex/browser";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { api } from "./fixture/convex/_generated/api";
import { startLocalRuntime, type LocalRuntime } from "./harness";

const ROUNDS = 60;
let runtime: LocalRuntime;
let client: ConvexHttpClient;

beforeAll(async () => {
  runtime = await startLocalRuntime();
  client = new ConvexHttpClient(runtime.url, { logger: false });
});
afterAll(async () => {
  await runtime.stop();
});

describe("file storage under concurrent commits", () => {
  test("every store from an action lands once, whatever commits or rolls back beside it; deletes too", async () => {
    // Clients commit mutations the whole time as well.
    let clientsDone = false;
    const clients = (async () => {
      let n = 0;
      while (!clientsDone) await client.mutation(api.files.note, { body: `client ${n++}` });
      return n;
    })();
    const stores = await Promise.all([
      client.action(api.files.storeWhileCommitting, { rounds: ROUNDS }),
      client.action(api.files.storeWhileCommitting, { rounds: ROUNDS }),
    ]);
    clientsDone = true;
    expect(await clients).toBeGreaterThan(0);
    const ids = stores.flatMap((s) => s.stored);
    expect(stores.flatMap((s) => s.failures)).toEqual([]);
    expect(ids).toHaveLength(2 * ROUNDS);
    // None joined a transaction that rolled back, none was stored twice.
    expect(await client.query(api.files.files, { ids })).toEqual({ count: 2 * ROUNDS, found: 2 * ROUNDS });

    expect(await client.action(api.files.deleteWhileCommitting, { ids })).toEqual([]);
    expect(await client.query(api.files.files, { ids })).toEqual({ count: 0, found: 0 });
  }, 60_000);
});
