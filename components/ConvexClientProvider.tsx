"use client";

import { ConvexAuthNextjsProvider } from "@convex-dev/auth/nextjs";
import { ConvexReactClient } from "convex/react";
import type { ReactNode } from "react";

// One client per page load: it holds the WebSocket every query shares.
let client: ConvexReactClient | undefined;

/**
 * `url` comes from the server when the page is served (app/layout.tsx), not
 * from the build, so one production build serves any Convex deployment;
 * `npm start` sets it to the local runtime.
 */
export function ConvexClientProvider({ url, children }: { url: string | undefined; children: ReactNode }) {
  if (!url) {
    return (
      <div className="notice danger" role="alert">
        <strong>NEXT_PUBLIC_CONVEX_URL is not set.</strong> The dashboard needs a Convex deployment to talk to. Start
        the whole product with <code>npm start</code> (it runs the local Convex runtime and sets the URL), or put the
        URL of your Convex deployment in <code>.env.local</code> and restart Next.js.
      </div>
    );
  }
  client ??= new ConvexReactClient(url);
  return <ConvexAuthNextjsProvider client={client}>{children}</ConvexAuthNextjsProvider>;
}
