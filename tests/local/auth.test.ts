// The local runtime honours Convex Auth: tokens its own `auth:signIn`
// issues are verified (keys made once per data folder) and functions run
// as that user over HTTP and over the sync protocol; bad tokens are refused.
import { ConvexHttpClient } from "convex/browser";
import { ConvexReactClient } from "convex/react";
import { ConvexError } from "convex/values";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import WebSocket from "ws";
import { api } from "../../convex/_generated/api";
import { OWNER, signInToken } from "../support/operator";
import { eventually, newDataDir, PROJECT_CONVEX_DIR, startLocalRuntime, type LocalRuntime } from "./harness";

let runtime: LocalRuntime;
let dataDir: string;
let token: string;

beforeAll(async () => {
  dataDir = await newDataDir();
  runtime = await startLocalRuntime(dataDir, { convexDir: PROJECT_CONVEX_DIR, env: { ANTHROPIC_API_KEY: "" } });
  token = await signInToken(runtime.url, { ...OWNER, flow: "signUp" });
}, 60_000);
afterAll(async () => {
  await runtime?.stop();
});

const page = { paginationOpts: { numItems: 5, cursor: null } };

function reactClient(url: string) {
  return new ConvexReactClient(url, {
    webSocketConstructor: WebSocket as unknown as typeof globalThis.WebSocket,
    unsavedChangesWarning: false,
    logger: false,
  });
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ConvexError) return (error.data as { code: string }).code;
    return (error as Error).message;
  }
  return "allowed";
}

describe("over HTTP", () => {
  test("a token from auth:signIn runs functions as its user; no token is anonymous", async () => {
    const signedIn = new ConvexHttpClient(runtime.url, { logger: false });
    signedIn.setAuth(token);
    expect(await signedIn.query(api.users.viewer, {})).toMatchObject({ email: OWNER.email, role: "owner" });
    expect(await signedIn.query(api.dashboard.conversations, page)).toMatchObject({ page: [] });

    const anonymous = new ConvexHttpClient(runtime.url, { logger: false });
    expect(await anonymous.query(api.users.viewer, {})).toBeNull();
    expect(await codeOf(anonymous.query(api.dashboard.conversations, page))).toBe("UNAUTHENTICATED");
  });

  test("a forged or tampered token is refused before anything runs", async () => {
    const [header, payload] = token.split(".");
    const claims = JSON.parse(Buffer.from(payload!, "base64url").toString()) as Record<string, unknown>;
    const forged = `${header}.${Buffer.from(JSON.stringify({ ...claims, sub: "1users|2authSessions" })).toString("base64url")}.${token.split(".")[2]}`;
    const client = new ConvexHttpClient(runtime.url, { logger: false });
    client.setAuth(forged);
    const message = await codeOf(client.query(api.users.viewer, {}));
    expect(message).toContain("Could not verify the auth token");
    expect(message).not.toContain(forged);
  });

  test("the signing keys are made once per data folder and kept private", async () => {
    const file = path.join(dataDir, "auth-keys.json");
    const keys = JSON.parse(await readFile(file, "utf8")) as { JWKS: string };
    expect(JSON.parse(keys.JWKS).keys).toHaveLength(1);
    const { stat } = await import("node:fs/promises");
    expect((await stat(file)).mode & 0o077).toBe(0);
  });
});

describe("over the sync protocol", () => {
  test("Authenticate with the token makes subscriptions run as the user", async () => {
    const client = reactClient(runtime.url);
    try {
      client.setAuth(async () => token);
      const watch = client.watchQuery(api.users.viewer, {});
      const seen: unknown[] = [];
      const stop = watch.onUpdate(() => seen.push(watch.localQueryResult()));
      const viewer = await eventually(
        () => seen.at(-1),
        (v) => (v as { role?: string } | null | undefined)?.role === "owner",
      );
      expect(viewer).toMatchObject({ email: OWNER.email });
      expect(await client.mutation(api.users.createInvite, {})).toHaveProperty("token");
      stop();
    } finally {
      await client.close();
    }
  });

  test("without a token operator queries fail and mutations are refused", async () => {
    const client = reactClient(runtime.url);
    try {
      expect(await codeOf(client.query(api.dashboard.conversations, page))).toBe("UNAUTHENTICATED");
      expect(await codeOf(client.mutation(api.users.createInvite, {}))).toBe("UNAUTHENTICATED");
    } finally {
      await client.close();
    }
  });
});

test("after a restart the account is still there and the keys are the same", async () => {
  const file = path.join(dataDir, "auth-keys.json");
  const before = await readFile(file, "utf8");
  await runtime.stop();
  runtime = await startLocalRuntime(dataDir, { convexDir: PROJECT_CONVEX_DIR, env: { ANTHROPIC_API_KEY: "" } });
  expect(await readFile(file, "utf8")).toBe(before);
  // Tokens name the site URL as issuer, which moves with the free test port, so sign in again.
  const client = new ConvexHttpClient(runtime.url, { logger: false });
  client.setAuth(await signInToken(runtime.url, { ...OWNER, flow: "signIn" }));
  expect(await client.query(api.users.viewer, {})).toMatchObject({ role: "owner" });
}, 60_000);
