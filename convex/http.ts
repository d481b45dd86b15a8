import { httpRouter } from "convex/server";
import { httpAction } from "./_generated/server";

/**
 * Convex HTTP routes. Platform webhooks enter through the Next.js route
 * handlers (app/api/webhooks); this router only answers a liveness probe.
 */
const http = httpRouter();

http.route({
  path: "/health",
  method: "GET",
  handler: httpAction(async () => Response.json({ ok: true })),
});

export default http;
