import { httpRouter } from "convex/server";
import { httpAction } from "./_generated/server";
import { auth } from "./auth";

/**
 * Convex HTTP routes. Platform webhooks enter through the Next.js route
 * handlers (app/api/webhooks); this router answers a liveness probe and
 * publishes Convex Auth's OpenID configuration and JWKS, which Convex uses
 * to verify the tokens convex/auth.ts signs.
 */
const http = httpRouter();

http.route({
  path: "/health",
  method: "GET",
  handler: httpAction(async () => Response.json({ ok: true })),
});

auth.addHttpRoutes(http);

export default http;
