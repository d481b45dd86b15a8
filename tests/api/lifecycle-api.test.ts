/**
 * The lifecycle's operator API (issue 12): every endpoint's success, 401
 * and 4xx on bad input, through the real route handlers with real Requests,
 * over HTTP to the local runtime running the project's functions.
 */
import type { ConvexHttpClient } from "convex/browser";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import * as archiveRoute from "../../app/api/conversations/archive/route";
import * as archivesRoute from "../../app/api/conversations/archives/route";
import * as messagesRoute from "../../app/api/conversations/[id]/messages/route";
import * as syncRoute from "../../app/api/conversations/sync/route";
import * as syncStatusRoute from "../../app/api/conversations/sync-status/route";
import * as unarchiveRoute from "../../app/api/conversations/unarchive/route";
import * as cleanupRoute from "../../app/api/database/cleanup/route";
import * as statsRoute from "../../app/api/database/stats/route";
import * as analyzeRoute from "../../app/api/messages/[id]/analyze/route";
import * as metadataRoute from "../../app/api/messages/[id]/metadata/route";
import { GET as openApi } from "../../app/api/openapi.json/route";
import { api } from "../../convex/_generated/api";
import { eventually, PROJECT_CONVEX_DIR, startLocalRuntime, type LocalRuntime } from "../local/harness";
import { ownerClient } from "../support/operator";

const ENV_KEY = "env-operator-key-lifecycle-0123456789";
let runtime: LocalRuntime;
let owner: ConvexHttpClient;
/** A key made in the dashboard, and how it shows as an actor. */
let key: string;
let actor: string;
let conversationId: string;

type Handler = (request: Request, context?: { params?: Promise<Record<string, string>> }) => Promise<Response>;
type Call = { key?: string | null; body?: unknown; rawBody?: string; params?: Record<string, string>; query?: string };

async function call(handler: Handler, path: string, method: "GET" | "POST", options: Call = {}) {
  const headers: Record<string, string> = { "content-type": "application/json" };
  const bearer = options.key === undefined ? key : options.key;
  if (bearer !== null) headers.authorization = `Bearer ${bearer}`;
  const body = method === "POST" ? (options.rawBody ?? JSON.stringify(options.body ?? {})) : undefined;
  const response = await handler(new Request(`http://localhost${path}${options.query ?? ""}`, { method, headers, body }), {
    params: Promise.resolve(options.params ?? {}),
  });
  const text = await response.text();
  return { status: response.status, text, json: JSON.parse(text) };
}

const get = (route: { GET: Handler }, path: string, options?: Call) => call(route.GET, path, "GET", options);
const post = (route: { POST: Handler }, path: string, options?: Call) => call(route.POST, path, "POST", options);

async function conversationMessages() {
  const response = await get(messagesRoute, `/api/conversations/${conversationId}/messages`, { params: { id: conversationId } });
  expect(response.status).toBe(200);
  return response.json.items as { id: string; archived: boolean; author: string; text: string; labels?: { manual?: Record<string, unknown>; auto?: Record<string, unknown> } }[];
}

async function archives() {
  const response = await get(archivesRoute, "/api/conversations/archives");
  expect(response.status).toBe(200);
  return response.json.items as { id: string; conversationId: string; status: string; requestedBy: string; note?: string; counts?: Record<string, number> }[];
}

beforeAll(async () => {
  runtime = await startLocalRuntime(undefined, {
    convexDir: PROJECT_CONVEX_DIR,
    env: { ANTHROPIC_API_KEY: "", OPERATOR_API_KEY: ENV_KEY },
  });
  process.env.NEXT_PUBLIC_CONVEX_URL = runtime.url;
  owner = await ownerClient(runtime.url);
  await owner.mutation(api.settings.update, { patch: { batchWindowMs: 250 } });
  const sessionId = await owner.mutation(api.webchat.startSession, {});
  await owner.mutation(api.webchat.send, { sessionId, clientMessageId: "1", text: "Do you open on Sundays?", name: "Dana Visitor" });
  // Answered by the offline responder and idle, so it can be archived.
  const thread = await eventually(
    () => owner.query(api.webchat.thread, { sessionId }),
    (t) => t.messages.some((m) => m.author === "agent") && !t.typing,
    20_000,
  );
  conversationId = thread.conversationId!;
  const made = await owner.mutation(api.apiKeys.create, { name: "lifecycle test" });
  key = made.key;
  const listed = (await owner.query(api.apiKeys.list, {})).find((k) => k.id === made.id)!;
  actor = `api:${listed.prefix}`;
}, 90_000);
afterAll(async () => {
  await runtime?.stop();
});

/** Every lifecycle endpoint with a valid request, for the 401 checks. */
function everyEndpoint(): [string, (options: Call) => Promise<{ status: number; text: string; json: { error?: { code: string } } }>][] {
  const params = { id: conversationId };
  return [
    ["POST archive", (o) => post(archiveRoute, "/api/conversations/archive", { ...o, body: { conversationIds: [conversationId] } })],
    ["GET archives", (o) => get(archivesRoute, "/api/conversations/archives", o)],
    ["POST unarchive", (o) => post(unarchiveRoute, "/api/conversations/unarchive", { ...o, body: { conversationId } })],
    ["POST sync", (o) => post(syncRoute, "/api/conversations/sync", { ...o, body: { mode: "full" } })],
    ["GET sync-status", (o) => get(syncStatusRoute, "/api/conversations/sync-status", o)],
    ["POST cleanup", (o) => post(cleanupRoute, "/api/database/cleanup", o)],
    ["GET stats", (o) => get(statsRoute, "/api/database/stats", o)],
    ["GET messages", (o) => get(messagesRoute, `/api/conversations/${conversationId}/messages`, { ...o, params })],
    ["POST metadata", (o) => post(metadataRoute, "/api/messages/x/metadata", { ...o, params: { id: "x" }, body: { tags: ["a"] } })],
    ["POST analyze", (o) => post(analyzeRoute, "/api/messages/x/analyze", { ...o, params: { id: "x" } })],
  ];
}

describe("authentication", () => {
  test("every endpoint refuses a missing, unknown or revoked key with 401, changing nothing and echoing no key", async () => {
    const revoked = await owner.mutation(api.apiKeys.create, { name: "revoked" });
    await owner.mutation(api.apiKeys.revoke, { keyId: revoked.id });
    for (const [name, run] of everyEndpoint()) {
      for (const bad of [null, "brk_not_a_real_key", revoked.key]) {
        const response = await run({ key: bad });
        expect(response.status, `${name} with ${bad === null ? "no key" : "a bad key"}`).toBe(401);
        expect(response.json.error?.code).toBe("UNAUTHENTICATED");
        if (bad) expect(response.text).not.toContain(bad);
      }
    }
    expect(await archives()).toEqual([]);
    expect((await owner.query(api.lifecycle.maintenance.overview, {})).runs).toEqual([]);
  });
});

describe("messages and their labels", () => {
  test("GET /api/conversations/{id}/messages: in order; unknown or malformed id 404; bad query 400", async () => {
    const items = await conversationMessages();
    expect(items.map((m) => m.author)).toEqual(["customer", "agent"]);
    expect(items[0]).toMatchObject({ direction: "in", text: "Do you open on Sundays?" });

    const first = await get(messagesRoute, "", { params: { id: conversationId }, query: "?limit=1" });
    expect(first.json.items).toHaveLength(1);
    const second = await get(messagesRoute, "", { params: { id: conversationId }, query: `?limit=1&cursor=${encodeURIComponent(first.json.nextCursor)}` });
    expect(second.json.items.map((m: { id: string }) => m.id)).toEqual([items[1]!.id]);

    const unknownId = items[0]!.id; // a message id is not a conversation id
    for (const id of ["not-an-id", unknownId]) {
      const response = await get(messagesRoute, "", { params: { id } });
      expect(response.status).toBe(404);
      expect(response.json.error).toMatchObject({ code: "NOT_FOUND", message: expect.stringContaining(id) });
    }
    const badLimit = await get(messagesRoute, "", { params: { id: conversationId }, query: "?limit=0" });
    expect(badLimit.status).toBe(400);
    expect(badLimit.json.error.message).toContain("limit");
    const unknownParam = await get(messagesRoute, "", { params: { id: conversationId }, query: "?order=desc" });
    expect(unknownParam.status).toBe(400);
    expect(unknownParam.json.error.message).toContain('"order"');
  });

  test("POST /api/messages/{id}/metadata: tags, category and custom fields, recorded as the key; bad input refused", async () => {
    const [message] = await conversationMessages();
    const id = message!.id;
    const ok = await post(metadataRoute, "", { params: { id }, body: { tags: ["hours", " weekend "], category: "inquiry", orderId: "A-1042" } });
    expect(ok).toMatchObject({ status: 200, json: { ok: true } });
    const labelled = (await conversationMessages())[0]!.labels?.manual;
    expect(labelled).toMatchObject({ tags: ["hours", "weekend"], category: "inquiry", custom: { orderId: "A-1042" }, editedBy: actor });

    const bad: [Call["body"] | string, string][] = [
      [{}, "at least one field"],
      [{ tags: "hours" }, "tags"],
      [{ tags: [""] }, "tags"],
      [{ priority: 3 }, "priority"],
      [{ tags: Array.from({ length: 21 }, (_, i) => `t${i}`) }, "tags"],
      ["[1,2]", "JSON object"],
      ["{not json", "JSON object"],
    ];
    for (const [body, reason] of bad) {
      const response = await post(metadataRoute, "", typeof body === "string" ? { params: { id }, rawBody: body } : { params: { id }, body });
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.json.error.message).toContain(reason);
    }
    expect((await post(metadataRoute, "", { params: { id: conversationId }, body: { tags: ["x"] } })).status).toBe(404);
    expect((await conversationMessages())[0]!.labels?.manual).toEqual(labelled);
  });

  test("POST /api/messages/{id}/analyze: labels the message (offline without a key); unknown id 404, unknown field 400", async () => {
    const [message] = await conversationMessages();
    const ok = await post(analyzeRoute, "", { params: { id: message!.id } });
    expect(ok).toMatchObject({ status: 200, json: { ok: true } });
    const labels = await eventually(async () => (await conversationMessages())[0]!.labels, (l) => l?.auto !== undefined, 15_000);
    expect(labels?.auto).toMatchObject({ source: "offline" });
    expect(labels?.manual).toMatchObject({ category: "inquiry" }); // manual edits are never overwritten

    expect((await post(analyzeRoute, "", { params: { id: "nope" } })).status).toBe(404);
    const extra = await post(analyzeRoute, "", { params: { id: message!.id }, body: { model: "opus" } });
    expect(extra.status).toBe(400);
    expect(extra.json.error.message).toContain('"model"');
  });
});

describe("sync", () => {
  test("POST /api/conversations/sync and GET sync-status: a web chat says it has no history API", async () => {
    const one = await post(syncRoute, "/api/conversations/sync", { body: { conversationId, mode: "incremental" } });
    expect(one).toMatchObject({ status: 200, json: { scheduled: 1 } });
    const status = await eventually(
      async () => (await get(syncStatusRoute, "", { query: `?conversationId=${conversationId}` })).json.items,
      (items: { status: string }[]) => items.length === 1,
      15_000,
    );
    expect(status[0]).toMatchObject({ conversationId, status: "unsupported" });
    const all = await get(syncStatusRoute, "");
    expect(all.json.items.map((s: { conversationId: string }) => s.conversationId)).toContain(conversationId);
    // No Messenger or Instagram conversations: nothing to schedule.
    expect((await post(syncRoute, "", { body: { mode: "full" } })).json).toEqual({ scheduled: 0 });

    for (const body of [{}, { mode: "partial" }, { mode: "full", since: 1 }]) {
      expect((await post(syncRoute, "", { body })).status, JSON.stringify(body)).toBe(400);
    }
    expect((await post(syncRoute, "", { body: { mode: "full", conversationId: "nope" } })).status).toBe(404);
    expect((await get(syncStatusRoute, "", { query: "?limit=500" })).status).toBe(400);
    expect((await get(syncStatusRoute, "", { query: "?conversationId=nope" })).status).toBe(404);
  });
});

describe("database", () => {
  test("POST /api/database/cleanup starts a run; GET /api/database/stats shows the last stats run; bad input 400", async () => {
    const bad: [unknown, string][] = [
      [{ dryRun: true }, '"dryRun"'],
      [{ config: { vacuum: true } }, '"vacuum"'],
      [{ config: { phases: ["vacuum"] } }, "phases"],
      [{ config: { phases: [] } }, "phases"],
      [{ config: { archiveRetentionDays: -1 } }, "archiveRetentionDays"],
      [{ config: { archiveRetentionDays: 1.5 } }, "archiveRetentionDays"],
    ];
    for (const [body, reason] of bad) {
      const refused = await post(cleanupRoute, "", { body });
      expect(refused.status, JSON.stringify(body)).toBe(400);
      expect(refused.json.error.message).toContain(reason);
    }
    expect((await owner.query(api.lifecycle.maintenance.overview, {})).runs).toEqual([]);

    const started = await post(cleanupRoute, "");
    expect(started.status).toBe(200);
    const runs = await eventually(
      () => owner.query(api.lifecycle.maintenance.overview, {}),
      (o) => o.runs.some((r) => r._id === started.json.runId && r.status !== "running"),
      20_000,
    );
    expect(runs.runs.find((r) => r._id === started.json.runId)).toMatchObject({ kind: "cleanup", trigger: "manual" });
    expect(await owner.query(api.auditLog.list, {})).toContainEqual(
      expect.objectContaining({ action: "maintenance.run_now", target: "cleanup", detail: `via ${actor}` }),
    );
    const config = { phases: ["archives", "blobs"], archiveRetentionDays: 3650 };
    const withConfig = await post(cleanupRoute, "", { body: { config } });
    expect(withConfig.status).toBe(200);
    await eventually(
      () => owner.query(api.lifecycle.maintenance.overview, {}),
      (o) => o.runs.some((r) => r._id === withConfig.json.runId && r.status === "done"),
      20_000,
    );
    expect(await owner.query(api.auditLog.list, {})).toContainEqual(
      expect.objectContaining({
        action: "maintenance.run_now",
        detail: expect.stringMatching(new RegExp(`^via ${actor}: .*"phases":\\["archives","blobs"\\].*`)),
      }),
    );

    expect((await get(statsRoute, "")).json).toEqual({ tables: [] });
    await owner.mutation(api.lifecycle.maintenance.runNow, { kind: "stats" });
    const stats = await eventually(async () => (await get(statsRoute, "")).json.tables, (t: unknown[]) => t.length > 0, 20_000);
    expect(stats).toContainEqual(expect.objectContaining({ table: "messages", documents: 2 }));
    expect((await get(statsRoute, "", { query: "?fresh=1" })).status).toBe(400);
  });
});

describe("archive and unarchive", () => {
  test("bad selections are refused with the reason and archive nothing", async () => {
    const [message] = await conversationMessages();
    const cases: [unknown, number, string][] = [
      [{ conversationIds: [] }, 400, "conversationIds"],
      [{ conversationIds: [conversationId], compress: false }, 400, "compress"],
      [{ conversationIds: [conversationId], keepHot: true }, 400, '"keepHot"'],
      [{ conversationIds: [conversationId, "nope"] }, 404, "nope"],
      [{ conversationIds: [conversationId, message!.id] }, 404, message!.id],
      [{ conversationIds: [conversationId, conversationId] }, 400, "different"],
    ];
    for (const [body, status, reason] of cases) {
      const response = await post(archiveRoute, "", { body });
      expect(response.status, JSON.stringify(body)).toBe(status);
      expect(response.json.error.message).toContain(reason);
    }
    expect(await archives()).toEqual([]);
    expect(await conversationMessages()).toHaveLength(2);
    const notArchived = await post(unarchiveRoute, "", { body: { conversationId } });
    expect(notArchived.status).toBe(400);
    expect(notArchived.json.error.code).toBe("NOT_ARCHIVED");
  });

  test("archive, refuse a second archive, unarchive, refuse a second unarchive", async () => {
    const before = await conversationMessages();
    const archived = await post(archiveRoute, "/api/conversations/archive", { body: { conversationIds: [conversationId], reason: "closed by CRM", compress: true } });
    expect(archived.status).toBe(200);
    expect(archived.json.archiveIds).toHaveLength(1);
    const [manifest] = await eventually(archives, (a) => a[0]?.status === "archived", 20_000);
    expect(manifest).toMatchObject({ id: archived.json.archiveIds[0], conversationId, reason: "manual", note: "closed by CRM", requestedBy: actor, counts: { messages: 2 } });
    // Still readable, in order, from the archive.
    const fromArchive = await conversationMessages();
    expect(fromArchive.map(({ id, author, text, labels }) => ({ id, author, text, labels }))).toEqual(
      before.map(({ id, author, text, labels }) => ({ id, author, text, labels })),
    );
    expect(fromArchive.every((m) => (m as { archived?: boolean }).archived)).toBe(true);
    const firstPage = await get(messagesRoute, "", { params: { id: conversationId }, query: "?limit=1" });
    expect(firstPage.json.items.map((m: { id: string }) => m.id)).toEqual([before[0]!.id]);
    const rest = await get(messagesRoute, "", { params: { id: conversationId }, query: `?limit=1&cursor=${encodeURIComponent(firstPage.json.nextCursor)}` });
    expect(rest.json.items.map((m: { id: string }) => m.id)).toEqual([before[1]!.id]);
    const end = await get(messagesRoute, "", { params: { id: conversationId }, query: `?cursor=${encodeURIComponent(rest.json.nextCursor)}` });
    expect(end.json).toEqual({ items: [], nextCursor: null });
    expect((await get(messagesRoute, "", { params: { id: conversationId }, query: "?cursor=zzz" })).status).toBe(400);
    // An archived message is not a document: labelling it is a 404 with nothing changed.
    expect((await post(metadataRoute, "", { params: { id: before[0]!.id }, body: { tags: ["x"] } })).status).toBe(404);
    const audited = await owner.query(api.auditLog.list, {});
    expect(audited).toContainEqual(
      expect.objectContaining({ action: "conversations.archived", target: conversationId, detail: `via ${actor}: closed by CRM` }),
    );

    const again = await post(archiveRoute, "", { body: { conversationIds: [conversationId] } });
    expect(again.status).toBe(400);
    expect(again.json.error).toMatchObject({ code: "CANNOT_ARCHIVE", message: expect.stringContaining("already archived") });
    expect(await archives()).toHaveLength(1);

    for (const body of [{}, { conversationId, archiveId: manifest!.id }]) {
      expect((await post(unarchiveRoute, "", { body })).status, JSON.stringify(body)).toBe(400);
    }
    expect((await post(unarchiveRoute, "", { body: { conversationId: "nope" } })).status).toBe(404);

    const restored = await post(unarchiveRoute, "/api/conversations/unarchive", { body: { conversationId } });
    expect(restored).toMatchObject({ status: 200, json: { archiveId: manifest!.id } });
    await eventually(archives, (a) => a[0]?.status === "restored", 20_000);
    const after = await conversationMessages();
    const strip = (items: typeof before) => items.map(({ author, text, labels }) => ({ author, text, labels }));
    expect(strip(after)).toEqual(strip(before));

    const twice = await post(unarchiveRoute, "", { body: { conversationId } });
    expect(twice.status).toBe(400);
    expect(twice.json.error.code).toBe("NOT_ARCHIVED");
  });
});

describe("OpenAPI", () => {
  test("documents bodies and path parameters from the same schemas", async () => {
    const doc = await openApi().json();
    const archive = doc.paths["/api/conversations/archive"].post;
    expect(archive.requestBody.content["application/json"].schema).toMatchObject({
      required: expect.arrayContaining(["conversationIds"]),
      additionalProperties: false,
    });
    const messages = doc.paths["/api/conversations/{id}/messages"].get;
    expect(messages.parameters).toContainEqual(expect.objectContaining({ name: "id", in: "path", required: true }));
    expect(messages.parameters.map((p: { name: string }) => p.name).sort()).toEqual(["cursor", "id", "limit"]);
    expect(doc.paths["/api/messages/{id}/metadata"].post.requestBody.content["application/json"].schema.additionalProperties).toMatchObject({ type: "string" });
  });
});
