/**
 * Every public function in convex/ either checks who calls it or is on the
 * allowlist below, with the reason it may be called by anyone. A new
 * function that does neither fails here.
 */
import { ConvexError } from "convex/values";
import { describe, expect, test } from "vitest";
import { modules, newTest, signedIn, type Accessor, type Test } from "./setup";

/**
 * Public functions anonymous callers may reach, and why. Keep it short.
 */
const ALLOWLIST: Record<string, string> = {
  // Convex Auth: signing in/out and "am I signed in" (its `store` is internal).
  "auth:signIn": "Convex Auth: sign-in itself (sign-up is closed after the owner; see auth.ts)",
  "auth:signOut": "Convex Auth: ends the caller's own session",
  "auth:isAuthenticated": "Convex Auth: whether the caller's own token is valid",
  "users:viewer": "the caller's own account, null when signed out",
  "users:setup": "only whether an owner exists yet (the login page's first-run form)",
  // Server-to-server: refuse callers without the shared secret.
  "ingest:inbound": "webhook ingest: refuses a wrong INGEST_SECRET",
  "deadLetters:record": "webhook route keeping events Convex refused: refuses a wrong INGEST_SECRET",
  // The HTTP API: refuse callers without a valid API key.
  "apiKeys:touch": "HTTP API: refuses a missing, unknown or revoked API key",
  "operatorApi:conversations": "HTTP API: refuses a missing, unknown or revoked API key",
  "lifecycle/api:archive": "HTTP API: refuses a missing, unknown or revoked API key",
  "lifecycle/api:archives": "HTTP API: refuses a missing, unknown or revoked API key",
  "lifecycle/api:unarchive": "HTTP API: refuses a missing, unknown or revoked API key",
  "lifecycle/api:sync": "HTTP API: refuses a missing, unknown or revoked API key",
  "lifecycle/api:syncStatus": "HTTP API: refuses a missing, unknown or revoked API key",
  "lifecycle/api:cleanup": "HTTP API: refuses a missing, unknown or revoked API key",
  "lifecycle/api:stats": "HTTP API: refuses a missing, unknown or revoked API key",
  "lifecycle/api:messages": "HTTP API: refuses a missing, unknown or revoked API key",
  "lifecycle/api:messageMetadata": "HTTP API: refuses a missing, unknown or revoked API key",
  "lifecycle/api:analyzeMessage": "HTTP API: refuses a missing, unknown or revoked API key",
  "analyticsApi:dashboard": "HTTP API: refuses a missing, unknown or revoked API key",
  "analyticsApi:timeseries": "HTTP API: refuses a missing, unknown or revoked API key",
  "analyticsApi:metrics": "HTTP API: refuses a missing, unknown or revoked API key",
  "reportsApi:timeZone": "HTTP API (GET /api/reports): refuses a missing, unknown or revoked API key",
  "reportsApi:eventsPage": "HTTP API (GET /api/reports): refuses a missing, unknown or revoked API key",
  "reportsApi:contactNames": "HTTP API (GET /api/reports): refuses a missing, unknown or revoked API key",
  "reportsApi:staffNames": "HTTP API (GET /api/reports): refuses a missing, unknown or revoked API key",
  // The public web chat: a visitor holds only their own minted session.
  "webchat:startSession": "web chat: mints a session, rate limited site-wide",
  "webchat:send": "web chat: refuses an id that was never issued; per-session and global limits",
  "webchat:thread": "web chat: the holder of a session id reads that one conversation",
};

/** Owner-only functions: an operator is refused. */
const OWNER_ONLY = new Set([
  "settings:update",
  "users:list",
  "users:createInvite",
  "users:setDisabled",
  "apiKeys:list",
  "apiKeys:create",
  "apiKeys:revoke",
  "auditLog:list",
  "lifecycle/maintenance:runNow",
  "deadLetters:retry",
  "deadLetters:dismiss",
]);

type Fn = { isQuery?: boolean; isMutation?: boolean; isAction?: boolean; isPublic?: boolean; exportArgs(): string };
type Validator =
  | { type: "string" | "number" | "boolean" | "null" | "any" | "bigint" | "bytes" }
  | { type: "id"; tableName: string }
  | { type: "literal"; value: unknown }
  | { type: "array"; value: Validator }
  | { type: "record"; keys: Validator; values: { fieldType: Validator } }
  | { type: "union"; value: Validator[] }
  | { type: "object"; value: Record<string, { fieldType: Validator; optional: boolean }> };

/** A value that passes the validator, so a refusal cannot be a validation error. */
function sample(validator: Validator): unknown {
  switch (validator.type) {
    case "string":
      return "x";
    case "number":
      return 1;
    case "boolean":
      return false;
    case "null":
      return null;
    case "any":
      return {};
    case "bigint":
      return 1n;
    case "bytes":
      return new ArrayBuffer(1);
    case "id":
      return `99999${validator.tableName}`;
    case "literal":
      return validator.value;
    case "array":
      return [];
    case "record":
      return {};
    case "union":
      return sample(validator.value[0]);
    case "object":
      return Object.fromEntries(
        Object.entries(validator.value)
          .filter(([, field]) => !field.optional)
          .map(([name, field]) => [name, sample(field.fieldType)]),
      );
  }
}

type Kind = "query" | "mutation" | "action";

async function publicFunctions(): Promise<Array<{ path: string; kind: Kind; fn: Fn }>> {
  const found: Array<{ path: string; kind: Kind; fn: Fn }> = [];
  for (const [file, load] of Object.entries(modules)) {
    if (file.includes("/_generated/")) continue;
    const modulePath = file.replace(/^.*\/convex\//, "").replace(/\.[cm]?[jt]s$/, "");
    const exports = (await load()) as Record<string, unknown>;
    for (const [name, value] of Object.entries(exports)) {
      const fn = value as Fn | null;
      if (!fn || (typeof fn !== "object" && typeof fn !== "function") || fn.isPublic !== true) continue;
      const kind: Kind | null = fn.isQuery ? "query" : fn.isMutation ? "mutation" : fn.isAction ? "action" : null;
      if (kind) found.push({ path: `${modulePath}:${name}`, kind, fn });
    }
  }
  return found;
}

// Functions found at run time have no generated reference; a name is one.
type Untyped = { query(ref: string, args: unknown): Promise<unknown>; mutation(ref: string, args: unknown): Promise<unknown>; action(ref: string, args: unknown): Promise<unknown> };

async function call(caller: Test | Accessor, kind: Kind, path: string, args: unknown) {
  const untyped = caller as unknown as Untyped;
  if (kind === "query") return await untyped.query(path, args);
  if (kind === "mutation") return await untyped.mutation(path, args);
  return await untyped.action(path, args);
}

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ConvexError) return (error.data as { code: string }).code;
    return `not a ConvexError: ${String(error)}`;
  }
  return "allowed";
}

describe("access", () => {
  test("the allowlist names only functions that exist", async () => {
    const paths = new Set((await publicFunctions()).map((f) => f.path));
    expect(Object.keys(ALLOWLIST).filter((p) => !paths.has(p))).toEqual([]);
    expect([...OWNER_ONLY].filter((p) => !paths.has(p))).toEqual([]);
  });

  test("every public function off the allowlist refuses anonymous, disabled and under-privileged callers", async () => {
    const functions = (await publicFunctions()).filter((f) => !(f.path in ALLOWLIST));
    expect(functions.length).toBeGreaterThan(15);
    const t = newTest();
    const operator = await signedIn(t, "operator");
    const disabled = await signedIn(t, "operator", "gone@example.com");
    await t.run(async (ctx) => {
      const gone = await ctx.db.query("users").withIndex("email", (q) => q.eq("email", "gone@example.com")).unique();
      await ctx.db.patch("users", gone!._id, { disabledAt: 1 });
    });
    const outcomes: Record<string, string[]> = {};
    for (const { path, kind, fn } of functions) {
      const args = sample(JSON.parse(fn.exportArgs()) as Validator);
      outcomes[path] = [
        await refusal(call(t, kind, path, args)),
        await refusal(call(disabled, kind, path, args)),
        ...(OWNER_ONLY.has(path) ? [await refusal(call(operator, kind, path, args))] : []),
      ];
    }
    const expected = Object.fromEntries(
      functions.map(({ path }) => [
        path,
        ["UNAUTHENTICATED", "DISABLED", ...(OWNER_ONLY.has(path) ? ["FORBIDDEN"] : [])],
      ]),
    );
    expect(outcomes).toEqual(expected);
  });

  test("API-key functions refuse a missing or made-up key", async () => {
    const t = newTest();
    for (const key of ["", "brk_made_up"]) {
      expect(await refusal(call(t, "mutation", "apiKeys:touch", { apiKey: key }))).toBe("UNAUTHENTICATED");
      expect(await refusal(call(t, "query", "operatorApi:conversations", { apiKey: key, limit: 5 }))).toBe(
        "UNAUTHENTICATED",
      );
      const lifecycle: [string, "query" | "mutation" | "action", Record<string, unknown>][] = [
        ["lifecycle/api:archive", "mutation", { conversationIds: ["x"] }],
        ["lifecycle/api:archives", "query", { limit: 5 }],
        ["lifecycle/api:unarchive", "mutation", { conversationId: "x" }],
        ["lifecycle/api:sync", "mutation", { mode: "full" }],
        ["lifecycle/api:syncStatus", "query", { limit: 5 }],
        ["lifecycle/api:cleanup", "mutation", {}],
        ["lifecycle/api:stats", "query", {}],
        ["lifecycle/api:messages", "action", { conversationId: "x", limit: 5 }],
        ["lifecycle/api:messageMetadata", "mutation", { messageId: "x", tags: ["a"] }],
        ["lifecycle/api:analyzeMessage", "mutation", { messageId: "x" }],
      ];
      for (const [path, kind, args] of lifecycle) {
        expect(await refusal(call(t, kind, path, { apiKey: key, ...args })), path).toBe("UNAUTHENTICATED");
      }
      for (const [path, args] of [
        ["analyticsApi:dashboard", { now: 1 }],
        ["analyticsApi:timeseries", { type: "message.received", granularity: "day", dimension: "all", from: 0, to: 1 }],
        ["analyticsApi:metrics", { now: 1 }],
      ] as const) {
        expect(await refusal(call(t, "query", path, { apiKey: key, ...args }))).toBe("UNAUTHENTICATED");
      }
      expect(await refusal(call(t, "query", "reportsApi:timeZone", { apiKey: key }))).toBe("UNAUTHENTICATED");
      const page = { apiKey: key, channel: "web", from: 0, to: 1, cursor: null };
      expect(await refusal(call(t, "query", "reportsApi:eventsPage", page))).toBe("UNAUTHENTICATED");
      expect(await refusal(call(t, "query", "reportsApi:contactNames", { apiKey: key, contactIds: [] }))).toBe("UNAUTHENTICATED");
      expect(await refusal(call(t, "query", "reportsApi:staffNames", { apiKey: key, staffIds: [] }))).toBe("UNAUTHENTICATED");
    }
  });
});
