import { ConvexAuthNextjsServerProvider } from "@convex-dev/auth/nextjs/server";
import type { Metadata } from "next";
import type { ReactNode } from "react";
import { AccountGate } from "@/components/auth/AccountGate";
import { ConvexClientProvider } from "@/components/ConvexClientProvider";
import { Nav } from "@/components/Nav";
import { readEnv } from "@/lib/channels/http";
import "./globals.css";

// Rendered per request so the Convex URL below is the server's current one,
// not the build's: one `npm start` build serves every instance.
export const dynamic = "force-dynamic";

export const metadata: Metadata = {
  title: "burstreply",
  description: "Operator dashboard: conversations, follow-ups, playground and settings",
};

export const viewport = { width: "device-width", initialScale: 1 };

/**
 * The server's value when the page is served (under `npm start`, its own
 * runtime's port); else the one inlined at build time, as `npx convex deploy
 * --cmd 'npm run build'` sets it only for the build.
 */
function convexUrl(): string | undefined {
  return readEnv("NEXT_PUBLIC_CONVEX_URL") ?? process.env.NEXT_PUBLIC_CONVEX_URL;
}

export default function RootLayout({ children }: { children: ReactNode }) {
  const url = convexUrl();
  return (
    // The auth client keys its storage by deployment; its default reads the
    // build-inlined URL, which a shared `npm start` build does not have.
    <ConvexAuthNextjsServerProvider storageNamespace={url ?? "burstreply"}>
      <html lang="en">
        <body>
          <a className="skip-link" href="#main">
            Skip to content
          </a>
          {/* The provider wraps the nav too: it shows the needs-a-human count. */}
          <ConvexClientProvider url={url}>
            <div className="shell">
              <Nav />
              <main className="page" id="main" tabIndex={-1}>
                <AccountGate>{children}</AccountGate>
              </main>
            </div>
          </ConvexClientProvider>
        </body>
      </html>
    </ConvexAuthNextjsServerProvider>
  );
}
