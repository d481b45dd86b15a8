/**
 * Signing in against a running deployment (the local runtime) the way the
 * Next.js auth proxy does: Convex Auth's `auth:signIn` action over HTTP.
 */
import { ConvexHttpClient } from "convex/browser";
import { api } from "../../convex/_generated/api";

export const OWNER = { email: "owner@example.com", password: "owner password 1" };

/** A token for `email`, creating the account first when `flow` is signUp. */
export async function signInToken(
  url: string,
  params: { email: string; password: string; flow: "signUp" | "signIn"; invite?: string },
): Promise<string> {
  const client = new ConvexHttpClient(url, { logger: false });
  const result = await client.action(api.auth.signIn, { provider: "password", params });
  const token = (result as { tokens?: { token: string } | null }).tokens?.token;
  if (!token) throw new Error(`signIn returned no token for ${params.email}`);
  return token;
}

/**
 * An HTTP client signed in as the installation's owner: made on the first
 * call (`signUp`), signed in again after a restart (`signIn`).
 */
export async function ownerClient(url: string, flow: "signUp" | "signIn" = "signUp"): Promise<ConvexHttpClient> {
  const client = new ConvexHttpClient(url, { logger: false });
  client.setAuth(await signInToken(url, { ...OWNER, flow }));
  return client;
}
