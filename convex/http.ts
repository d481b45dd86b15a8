import { httpRouter } from "convex/server";
import { httpAction } from "./_generated/server";
import { auth } from "./auth";
import { download, REPORT_DOWNLOAD_PATH } from "./analytics/reports";

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

// A generated analytics report's CSV, behind the secret in its link (convex/analytics/reports.ts).
http.route({ path: REPORT_DOWNLOAD_PATH, method: "GET", handler: download });

auth.addHttpRoutes(http);

export default http;
