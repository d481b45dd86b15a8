/**
 * The operator HTTP API: route handlers called with real Requests, talking
 * over HTTP to the local runtime running the project's functions.
 */
import Ajv from "ajv";
import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import type { ConvexHttpClient } from "convex/browser";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { GET as listConversations } from "../../app/api/conversations/route";
import { GET as openApi } from "../../app/api/openapi.json/route";
import { api } from "../../convex/_generated/api";
import { ENDPOINTS } from "../../lib/api/endpoints";
import { PROJECT_CONVEX_DIR, startLocalRuntime, type LocalRuntime } from "../local/harness";
import { ownerClient } from "../support/operator";

const ENV_KEY = "env-operator-key-0123456789abcdef";
let runtime: LocalRuntime;
let owner: ConvexHttpClient;

beforeAll(async () => {
  runtime = await startLocalRuntime(undefined, {
    convexDir: PROJECT_CONVEX_DIR,
    env: { ANTHROPIC_API_KEY: "", OPERATOR_API_KEY: ENV_KEY },
  });
  process.env.NEXT_PUBLIC_CONVEX_URL = runtime.url;
  owner = await ownerClient(runtime.url);
  // One web chat conversation to list.
  const sessionId = await owner.mutation(api.webchat.startSession, {});
  await owner.mutation(api.webchat.send, { sessionId, clientMessageId: "1", text: "hello", name: "Dana Visitor" });
}, 60_000);
afterAll(async () => {
  await runtime?.stop();
});

function get(query = "", key?: string) {
  const headers: Record<string, string> = key === undefined ? {} : { authorization: `Bearer ${key}` };
  return listConversations(new Request(`http://localhost/api/conversations${query}`, { headers }));
}

describe("API keys", () => {
  test("no key or a wrong key is 401 with a JSON reason that does not echo the key", async () => {
    const none = await get();
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({ error: { code: "UNAUTHENTICATED", message: "Send Authorization: Bearer <API key>" } });
    const wrong = await get("", "brk_not_a_real_key");
    expect(wrong.status).toBe(401);
    const body = await wrong.text();
    expect(JSON.parse(body).error.code).toBe("UNAUTHENTICATED");
    expect(body).not.toContain("brk_not_a_real_key");
  });

  test("a key made in the dashboard works, shows when it was last used, and stops working once revoked", async () => {
    const { id, key } = await owner.mutation(api.apiKeys.create, { name: "zapier" });
    const ok = await get("?limit=10", key);
    expect(ok.status).toBe(200);
    const body = await ok.json();
    expect(body.items).toHaveLength(1);
    expect(body.items[0]).toMatchObject({ channel: "web", accountId: "web", contact: { name: "Dana Visitor" }, needsHuman: false });
    expect(body.nextCursor).toBeNull();

    const listed = (await owner.query(api.apiKeys.list, {})).find((k) => k.id === id);
    expect(listed?.lastUsedAt).toEqual(expect.any(Number));
    expect(JSON.stringify(await owner.query(api.apiKeys.list, {}))).not.toContain(key);

    await owner.mutation(api.apiKeys.revoke, { keyId: id });
    expect((await get("", key)).status).toBe(401);
  });

  test("OPERATOR_API_KEY from the deployment's environment is accepted", async () => {
    const response = await get("?channel=web&q=dana", ENV_KEY);
    expect(response.status).toBe(200);
    expect((await response.json()).items).toHaveLength(1);
  });

  test("bad input is 400 with the reason", async () => {
    const response = await get("?limit=1000", ENV_KEY);
    expect(response.status).toBe(400);
    expect((await response.json()).error).toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("limit") });
    expect((await get("?channel=fax", ENV_KEY)).status).toBe(400);
  });

  test("pages follow nextCursor to the end", async () => {
    const sessionId = await owner.mutation(api.webchat.startSession, {});
    await owner.mutation(api.webchat.send, { sessionId, clientMessageId: "1", text: "second" });
    const first = await (await get("?limit=1", ENV_KEY)).json();
    expect(first.items).toHaveLength(1);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await (await get(`?limit=1&cursor=${encodeURIComponent(first.nextCursor)}`, ENV_KEY)).json();
    expect(second.items).toHaveLength(1);
    expect(second.items[0].id).not.toBe(first.items[0].id);
  });
});

describe("OpenAPI", () => {
  test("the document is OpenAPI 3.1 and its schemas are valid JSON Schema that real responses satisfy", async () => {
    const doc = await (openApi()).json();
    expect(doc.openapi).toBe("3.1.0");
    const ajv = new Ajv({ strictDefaults: false });
    const operation = doc.paths["/api/conversations"].get;
    expect(operation.security).toEqual([{ bearerAuth: [] }]);
    expect(operation.parameters.map((p: { name: string }) => p.name).sort()).toEqual(["channel", "cursor", "limit", "q"]);
    for (const parameter of operation.parameters) expect(ajv.validateSchema(parameter.schema)).toBe(true);
    const validate = ajv.compile(operation.responses["200"].content["application/json"].schema);
    const live = await (await get("", ENV_KEY)).json();
    expect(validate(live)).toBe(true);
    expect(validate({ items: [{ id: 1 }], nextCursor: null })).toBe(false);
    const error = ajv.compile(operation.responses["401"].content["application/json"].schema);
    expect(error(await (await get()).json())).toBe(true);
  });

  test("every documented endpoint has its route handler, and every operator route is documented", async () => {
    const appApi = path.resolve(__dirname, "../../app/api");
    const routes: string[] = [];
    async function walk(dir: string) {
      for (const entry of await readdir(dir)) {
        const full = path.join(dir, entry);
        if ((await stat(full)).isDirectory()) await walk(full);
        else if (entry === "route.ts") routes.push("/api/" + path.relative(appApi, dir).replace(/\[(\w+)\]/g, "{$1}"));
      }
    }
    await walk(appApi);
    // Not the operator API: platform webhooks, the health probe, and this document.
    const operatorRoutes = routes.filter((r) => !/^\/api\/(webhooks|health|openapi\.json)(\/|$)/.test(r)).sort();
    expect(operatorRoutes).toEqual(ENDPOINTS.map((e) => e.path).sort());
    const doc = await (openApi()).json();
    expect(Object.keys(doc.paths).sort()).toEqual(operatorRoutes);
    for (const endpoint of ENDPOINTS) {
      const file = path.join(appApi, endpoint.path.replace(/^\/api\//, "").replace(/\{(\w+)\}/g, "[$1]"), "route.ts");
      const module = (await import(file)) as Record<string, unknown>;
      expect(typeof module[endpoint.method.toUpperCase()]).toBe("function");
    }
  });
});
