"use client";

import { ConvexAuthNextjsProvider } from "@convex-dev/auth/nextjs";
import { ConvexReactClient } from "convex/react";
import type { ReactNode } from "react";

// Inlined by Next at build time; `npm start` sets it to the local runtime.
const convexUrl = process.env.NEXT_PUBLIC_CONVEX_URL;
// One client per page load: it holds the WebSocket every query shares.
const convex = convexUrl ? new ConvexReactClient(convexUrl) : null;

/** The Convex client, authenticated with the operator's session (cookies set by /api/auth). */
export function ConvexClientProvider({ children }: { children: ReactNode }) {
  if (!convex) {
    return (
      <div className="notice danger" role="alert">
        <strong>NEXT_PUBLIC_CONVEX_URL is not set.</strong> The dashboard needs a Convex deployment to talk to. Start
        the whole product with <code>npm start</code> (it runs the local Convex runtime and sets the URL), or put the
        URL of your Convex deployment in <code>.env.local</code> and restart Next.js.
      </div>
    );
  }
  return <ConvexAuthNextjsProvider client={convex}>{children}</ConvexAuthNextjsProvider>;
}
