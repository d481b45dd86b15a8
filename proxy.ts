/**
 * Every dashboard page needs a signed-in operator: Convex Auth's Next.js
 * middleware (here as Next 16's `proxy`) refreshes the session cookie,
 * proxies sign-in/out at /api/auth to convex/auth.ts, and sends signed-out
 * visitors to /login. The data itself is guarded in Convex
 * (convex/functions.ts); this only keeps pages from rendering empty.
 *
 * API routes other than /api/auth are not matched: webhooks carry the
 * platforms' signatures and the operator API its bearer keys.
 */
import {
  convexAuthNextjsMiddleware,
  createRouteMatcher,
  nextjsMiddlewareRedirect,
} from "@convex-dev/auth/nextjs/server";
import { readEnv } from "@/lib/channels/http";

const isLoginPage = createRouteMatcher(["/login"]);

export const proxy = convexAuthNextjsMiddleware(async (request, { convexAuth }) => {
  if (isLoginPage(request)) return;
  if (!(await convexAuth.isAuthenticated())) {
    const next = request.nextUrl.pathname + request.nextUrl.search;
    return nextjsMiddlewareRedirect(request, next === "/" ? "/login" : `/login?next=${encodeURIComponent(next)}`);
  }
}, {
  // The server's URL when it runs (one `npm start` build serves every
  // instance), else the build's (`npx convex deploy --cmd` sets it then).
  convexUrl: readEnv("NEXT_PUBLIC_CONVEX_URL") ?? process.env.NEXT_PUBLIC_CONVEX_URL,
});

export const config = {
  // Pages and /api/auth; not static files, Next internals or other API routes.
  matcher: ["/((?!_next/|api/|.*\\.\\w+$).*)", "/api/auth"],
};
