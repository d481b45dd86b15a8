// Convex Auth on the local runtime. On Convex cloud the deployment holds
// JWT_PRIVATE_KEY and JWKS (set once with `npx @convex-dev/auth`) and
// verifies the tokens convex/auth.ts signs against the JWKS. Here the keys
// are made once per data folder, like INGEST_SECRET, and this module does
// the verifying: a request's bearer token becomes the identity its
// functions run with (convex-test's `withIdentity`).
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import {
  createLocalJWKSet,
  exportJWK,
  exportPKCS8,
  generateKeyPair,
  jwtVerify,
  type JSONWebKeySet,
} from "jose";

export type AuthKeys = { JWT_PRIVATE_KEY: string; JWKS: string };

/** What a verified token says; what `ctx.auth.getUserIdentity()` returns. */
export type Identity = { subject: string; issuer: string; tokenIdentifier: string };

const KEYS_FILE = "auth-keys.json";

/** Fresh RS256 keys in the form Convex Auth reads them from the environment. */
export async function generateAuthKeys(): Promise<AuthKeys> {
  const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
  const pkcs8 = await exportPKCS8(privateKey);
  const jwk = await exportJWK(publicKey);
  return {
    // Deployment env values are one line; jose ignores the whitespace.
    JWT_PRIVATE_KEY: pkcs8.trimEnd().replace(/\n/g, " "),
    JWKS: JSON.stringify({ keys: [{ use: "sig", alg: "RS256", ...jwk }] }),
  };
}

/**
 * The environment's keys, or the data folder's, made on first use and kept
 * (mode 600) so sessions survive restarts. Both or neither must be set.
 */
export async function ensureAuthKeys(dataDir: string, env: NodeJS.ProcessEnv = process.env): Promise<AuthKeys> {
  if (env.JWT_PRIVATE_KEY && env.JWKS) return { JWT_PRIVATE_KEY: env.JWT_PRIVATE_KEY, JWKS: env.JWKS };
  if (env.JWT_PRIVATE_KEY || env.JWKS) {
    throw new Error("Set both JWT_PRIVATE_KEY and JWKS, or neither (then the local runtime makes its own)");
  }
  const file = path.join(dataDir, KEYS_FILE);
  const saved = await readFile(file, "utf8").catch(() => null);
  if (saved !== null) return JSON.parse(saved) as AuthKeys;
  const keys = await generateAuthKeys();
  await mkdir(dataDir, { recursive: true });
  await writeFile(file, JSON.stringify(keys), { mode: 0o600 });
  return keys;
}

/** Turns a bearer token into the identity functions run with; throws AuthError. */
export type VerifyToken = (token: string) => Promise<Identity>;

export class AuthError extends Error {
  name = "AuthError";
}

/**
 * Verifies tokens as Convex does for a `customJwt`-less Convex Auth
 * provider: RS256 against the JWKS, issuer = this deployment's site URL,
 * audience "convex", not expired.
 */
export function tokenVerifier(jwks: string, issuer: string): VerifyToken {
  const keySet = createLocalJWKSet(JSON.parse(jwks) as JSONWebKeySet);
  return async (token) => {
    try {
      const { payload } = await jwtVerify(token, keySet, { issuer, audience: "convex", algorithms: ["RS256"] });
      if (typeof payload.sub !== "string" || typeof payload.iss !== "string") {
        throw new Error("token has no subject");
      }
      return { subject: payload.sub, issuer: payload.iss, tokenIdentifier: `${payload.iss}|${payload.sub}` };
    } catch (error) {
      // The reason, never the token.
      throw new AuthError(`Could not verify the auth token: ${(error as Error).message}`);
    }
  };
}
