/**
 * Accounts through the real Convex Auth actions (Password provider), with
 * tokens verified the way the local runtime verifies them (local/auth.ts):
 * first owner once, closed sign-up, invites, disabled operators, owner-only
 * actions, and who did what.
 */
import { ConvexError } from "convex/values";
import { afterEach, beforeAll, beforeEach, describe, expect, test, vi } from "vitest";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { requireRole } from "../../convex/functions";
import { generateAuthKeys, tokenVerifier, type AuthKeys } from "../../local/auth";
import { newSession, newTest, say, settle, thread, useFakeClock, type Accessor, type Test } from "./setup";

const SITE = "http://127.0.0.1:3211";
const PASSWORD = "correct horse battery";
let keys: AuthKeys;
let t: Test;

beforeAll(async () => {
  keys = await generateAuthKeys();
});
beforeEach(() => {
  useFakeClock();
  vi.stubEnv("JWT_PRIVATE_KEY", keys.JWT_PRIVATE_KEY);
  vi.stubEnv("JWKS", keys.JWKS);
  vi.stubEnv("CONVEX_SITE_URL", SITE);
  vi.stubEnv("SITE_URL", "http://localhost:3000");
  vi.stubEnv("ANTHROPIC_API_KEY", "");
  t = newTest();
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllEnvs();
});

type Params = { email: string; password: string; flow: "signUp" | "signIn"; invite?: string };

/** Calls Convex Auth's signIn action and turns its token into a signed-in accessor. */
async function signIn(params: Params): Promise<Accessor> {
  const result = (await t.action(api.auth.signIn, { provider: "password", params })) as {
    tokens?: { token: string } | null;
  };
  if (!result.tokens) throw new Error("no tokens");
  const identity = await tokenVerifier(keys.JWKS, SITE)(result.tokens.token);
  return t.withIdentity(identity);
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

describe("accounts", () => {
  test("the first sign-up becomes the owner, and only the first", async () => {
    expect(await t.query(api.users.setup, {})).toEqual({ hasOwner: false });
    const owner = await signIn({ email: "Owner@Example.com", password: PASSWORD, flow: "signUp" });
    expect(await owner.query(api.users.viewer, {})).toMatchObject({ email: "owner@example.com", role: "owner", disabled: false });
    expect(await t.query(api.users.setup, {})).toEqual({ hasOwner: true });
    expect(await codeOf(signIn({ email: "second@example.com", password: PASSWORD, flow: "signUp" }))).toBe("SIGNUP_CLOSED");
    // Signing in again works; a wrong password does not.
    const again = await signIn({ email: "owner@example.com", password: PASSWORD, flow: "signIn" });
    expect((await again.query(api.users.viewer, {}))?.role).toBe("owner");
    expect(await codeOf(signIn({ email: "owner@example.com", password: "wrong password!", flow: "signIn" }))).not.toBe("allowed");
  });

  test("each sign-in records staff.login and a sign-out staff.logout for that operator, once", async () => {
    const owner = await signIn({ email: "owner@example.com", password: PASSWORD, flow: "signUp" });
    const { token } = await owner.mutation(api.users.createInvite, {});
    await signIn({ email: "op@example.com", password: PASSWORD, flow: "signUp", invite: token });
    const again = await signIn({ email: "owner@example.com", password: PASSWORD, flow: "signIn" });
    await codeOf(signIn({ email: "owner@example.com", password: "wrong password!", flow: "signIn" }));
    await again.action(api.auth.signOut, {});
    // The ended session's token signs out nothing more, and records nothing more.
    await again.action(api.auth.signOut, {});
    const { events, ids } = await t.run(async (ctx) => {
      const users = await ctx.db.query("users").collect();
      const ids = Object.fromEntries(users.map((u) => [u.email!, u._id as string]));
      const events = [];
      for (const type of ["staff.login", "staff.logout"] as const) {
        events.push(...(await ctx.db.query("analyticsEvents").withIndex("by_type_and_dedupe_key", (q) => q.eq("type", type)).collect()));
      }
      return { events: events.map((e) => ({ type: e.type, staffId: e.staffId })), ids };
    });
    expect(events).toEqual([
      { type: "staff.login", staffId: ids["owner@example.com"] },
      { type: "staff.login", staffId: ids["op@example.com"] },
      { type: "staff.login", staffId: ids["owner@example.com"] },
      { type: "staff.logout", staffId: ids["owner@example.com"] },
    ]);
    // The /analytics staff table counts sign-ins per operator (from the raw tail before any rollup).
    const now = Date.now();
    const table = await owner.query(api.analytics.queries.staffTable, { from: now - 24 * 3_600_000, to: now + 1 });
    expect(new Map(table.rows.map((r) => [r.staffId, r.logins]))).toEqual(
      new Map([[ids["owner@example.com"], 2], [ids["op@example.com"], 1]]),
    );
    expect(table.rows.every((r) => r.replies === 0)).toBe(true);
    // Rows name the operator, not their id.
    expect(table.rows.map((r) => r.operator).sort()).toEqual(["op@example.com", "owner@example.com"]);
  });

  test("an invite link makes one operator, once; a stranger's token does not", async () => {
    const owner = await signIn({ email: "owner@example.com", password: PASSWORD, flow: "signUp" });
    const { token } = await owner.mutation(api.users.createInvite, {});
    expect(await codeOf(signIn({ email: "x@example.com", password: PASSWORD, flow: "signUp", invite: "f".repeat(48) }))).toBe(
      "BAD_INVITE",
    );
    const operator = await signIn({ email: "op@example.com", password: PASSWORD, flow: "signUp", invite: token });
    expect((await operator.query(api.users.viewer, {}))?.role).toBe("operator");
    expect(await codeOf(signIn({ email: "op2@example.com", password: PASSWORD, flow: "signUp", invite: token }))).toBe("BAD_INVITE");
    // The token itself is not stored.
    const stored = await t.run(async (ctx) => JSON.stringify(await ctx.db.query("invites").collect()));
    expect(stored).not.toContain(token);
  });

  test("an expired invite is refused", async () => {
    const owner = await signIn({ email: "owner@example.com", password: PASSWORD, flow: "signUp" });
    const { token } = await owner.mutation(api.users.createInvite, {});
    vi.setSystemTime(Date.now() + 8 * 24 * 3_600_000);
    expect(await codeOf(signIn({ email: "late@example.com", password: PASSWORD, flow: "signUp", invite: token }))).toBe("BAD_INVITE");
  });

  test("a disabled operator is refused everywhere, signed out and cannot sign in; owner-only actions refuse operators", async () => {
    const owner = await signIn({ email: "owner@example.com", password: PASSWORD, flow: "signUp" });
    const { token } = await owner.mutation(api.users.createInvite, {});
    const operator = await signIn({ email: "op@example.com", password: PASSWORD, flow: "signUp", invite: token });
    const operatorId = (await operator.query(api.users.viewer, {}))!.id;

    expect(await codeOf(operator.mutation(api.settings.update, { patch: { batchWindowMs: 5000 } }))).toBe("FORBIDDEN");
    expect(await codeOf(operator.mutation(api.users.createInvite, {}))).toBe("FORBIDDEN");
    expect(await codeOf(operator.mutation(api.apiKeys.create, { name: "mine" }))).toBe("FORBIDDEN");
    expect(await codeOf(operator.query(api.auditLog.list, {}))).toBe("FORBIDDEN");
    await operator.query(api.dashboard.conversations, { paginationOpts: { numItems: 5, cursor: null } });

    await owner.mutation(api.users.setDisabled, { userId: operatorId, disabled: true });
    expect(await codeOf(operator.query(api.dashboard.conversations, { paginationOpts: { numItems: 5, cursor: null } }))).toBe(
      "DISABLED",
    );
    expect(await operator.query(api.users.viewer, {})).toMatchObject({ disabled: true });
    const sessions = await t.run(async (ctx) =>
      ctx.db
        .query("authSessions")
        .withIndex("userId", (q) => q.eq("userId", operatorId))
        .collect(),
    );
    expect(sessions).toEqual([]);
    // The password still matches, but no new session is made until the owner enables them again.
    const again = { email: "op@example.com", password: PASSWORD, flow: "signIn" } as const;
    expect(await codeOf(signIn(again))).toBe("DISABLED");
    await owner.mutation(api.users.setDisabled, { userId: operatorId, disabled: false });
    expect(await (await signIn(again)).query(api.users.viewer, {})).toMatchObject({ id: operatorId, disabled: false });
    expect(await codeOf(owner.mutation(api.users.setDisabled, { userId: (await owner.query(api.users.viewer, {}))!.id, disabled: true }))).toBe(
      "FORBIDDEN",
    );
  });

  test("replies, takeovers, resolved escalations and settings changes record the operator, and the owner sees them in the audit log", async () => {
    const owner = await signIn({ email: "owner@example.com", password: PASSWORD, flow: "signUp" });
    const { token } = await owner.mutation(api.users.createInvite, {});
    const operator = await signIn({ email: "op@example.com", password: PASSWORD, flow: "signUp", invite: token });
    const operatorId = (await operator.query(api.users.viewer, {}))!.id;
    const ownerId = (await owner.query(api.users.viewer, {}))!.id;

    const session = await newSession(t);
    await say(t, session, "hello");
    await settle(t);
    const conversationId = (await thread(t, session)).conversationId as Id<"conversations">;
    await operator.mutation(api.conversations.setTakeover, { conversationId, takeover: true });
    const messageId = await operator.mutation(api.conversations.sendAsHuman, { conversationId, text: "Hi, Sam here" });
    await t.run(async (ctx) => {
      await ctx.db.patch("conversations", conversationId, { needsHuman: { reason: "asked for a person", since: Date.now() } });
    });
    await operator.mutation(api.conversations.setTakeover, { conversationId, takeover: false });
    await owner.mutation(api.settings.update, { patch: { batchWindowMs: 5000 } });

    const { conversation, message, settings } = await t.run(async (ctx) => ({
      conversation: await ctx.db.get("conversations", conversationId),
      message: await ctx.db.get("messages", messageId),
      settings: await ctx.db.query("settings").first(),
    }));
    expect(message?.operatorId).toBe(operatorId);
    expect(conversation?.escalationResolvedBy).toBe(operatorId);
    expect(settings?.updatedBy).toBe(ownerId);

    const log = await owner.query(api.auditLog.list, {});
    expect(log.map((e) => [e.actor, e.action])).toEqual([
      ["owner@example.com", "settings.updated"],
      ["op@example.com", "escalation.resolved"],
      ["op@example.com", "message.sent"],
      ["op@example.com", "takeover.started"],
      ["op@example.com", "invite.accepted"],
      ["owner@example.com", "invite.created"],
      ["owner@example.com", "owner.created"],
    ]);
    // Targets read as words, not ids; a conversation links to its page.
    const byAction = new Map(log.map((e) => [e.action, e]));
    expect(byAction.get("settings.updated")?.targetLabel).toBe("settings");
    expect(byAction.get("owner.created")?.targetLabel).toBe("owner@example.com");
    expect(byAction.get("invite.created")?.targetLabel).toBe("operator invite");
    expect(byAction.get("takeover.started")?.targetLabel).toMatch(/\(conversation\)$/);
    expect(byAction.get("takeover.started")?.targetHref).toBe(`/conversations/${conversationId}`);
  });

  test("the auth check reads one document per operator call: the user", async () => {
    const owner = await signIn({ email: "owner@example.com", password: PASSWORD, flow: "signUp" });
    const withoutCheck = await t.run(async (ctx) => (await ctx.meta.getTransactionMetrics()).documentsRead.used);
    const withCheck = await (owner as unknown as Test).run(async (ctx) => {
      await requireRole(ctx, "operator");
      return (await ctx.meta.getTransactionMetrics()).documentsRead.used;
    });
    expect(withCheck - withoutCheck).toBe(1);
  });

  test("passwords and tokens are never stored in the clear", async () => {
    await signIn({ email: "owner@example.com", password: PASSWORD, flow: "signUp" });
    const everything = await t.run(async (ctx) =>
      JSON.stringify([
        await ctx.db.query("users").collect(),
        await ctx.db.query("authAccounts").collect(),
        await ctx.db.query("authRefreshTokens").collect(),
      ]),
    );
    expect(everything).not.toContain(PASSWORD);
  });
});
