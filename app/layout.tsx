import type { Metadata } from "next";
import type { ReactNode } from "react";
import { ConvexClientProvider } from "@/components/ConvexClientProvider";
import { Nav } from "@/components/Nav";
import { readEnv } from "@/lib/channels/http";
import "./globals.css";

// Rendered per request so the Convex URL below is the server's current one,
// not the build's: one `npm start` build serves every instance.
export const dynamic = "force-dynamic";

export const metadata: Metadata = {
  title: "burstreply",
  description: "Operator dashboard: playground, conversations and settings",
};

/**
 * The server's value when the page is served (under `npm start`, its own
 * runtime's port); else the one inlined at build time, as `npx convex deploy
 * --cmd 'npm run build'` sets it only for the build.
 */
function convexUrl(): string | undefined {
  return readEnv("NEXT_PUBLIC_CONVEX_URL") ?? process.env.NEXT_PUBLIC_CONVEX_URL;
}

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <div className="shell">
          <Nav />
          <main className="page">
            <ConvexClientProvider url={convexUrl()}>{children}</ConvexClientProvider>
          </main>
        </div>
      </body>
    </html>
  );
}
