/**
 * Signed-in callers for convex-test scenarios. Kept apart from setup.ts
 * (whose module map is Vite's `import.meta.glob`) so benches run by tsx
 * can use them too.
 */
import type { TestConvex } from "convex-test";
import type schema from "../../convex/schema";

type Test = TestConvex<typeof schema>;

export type Accessor = ReturnType<Test["withIdentity"]>;

/**
 * A signed-in user of this role, as Convex Auth's JWT would name them
 * (subject "<userId>|<sessionId>"). The user document is inserted directly;
 * tests/convex/auth.test.ts covers the real sign-up.
 */
export async function signedIn(t: Test, role: "owner" | "operator", email = `${role}@example.com`): Promise<Accessor> {
  const userId = await t.run(async (ctx) => {
    const sessionUser = await ctx.db.insert("users", { email, role });
    const sessionId = await ctx.db.insert("authSessions", { userId: sessionUser, expirationTime: Date.now() + 3_600_000 });
    return `${sessionUser}|${sessionId}`;
  });
  return t.withIdentity({ subject: userId, issuer: "https://convex.test" });
}

const owners = new WeakMap<Test, Promise<Accessor>>();

/**
 * The test's owner, made on first use: `asOwner(t).query(api.dashboard…)`
 * reads like the anonymous call it replaces.
 */
export function asOwner(t: Test): Pick<Accessor, "query" | "mutation" | "action"> {
  const owner = () => {
    let found = owners.get(t);
    if (!found) owners.set(t, (found = signedIn(t, "owner")));
    return found;
  };
  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    query: (async (fn: any, args?: any) => (await owner()).query(fn, args)) as Accessor["query"],
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    mutation: (async (fn: any, args?: any) => (await owner()).mutation(fn, args)) as Accessor["mutation"],
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    action: (async (fn: any, args?: any) => (await owner()).action(fn, args)) as Accessor["action"],
  };
}
