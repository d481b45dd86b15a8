import type { Metadata } from "next";
import type { ReactNode } from "react";
import { ConvexClientProvider } from "@/components/ConvexClientProvider";
import { Nav } from "@/components/Nav";
import "./globals.css";

export const metadata: Metadata = {
  title: "burstreply",
  description: "Operator dashboard: conversations, follow-ups, playground and settings",
};

export const viewport = { width: "device-width", initialScale: 1 };

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <a className="skip-link" href="#main">
          Skip to content
        </a>
        <ConvexClientProvider>
          <div className="shell">
            <Nav />
            <main className="page" id="main" tabIndex={-1}>
              {children}
            </main>
          </div>
        </ConvexClientProvider>
      </body>
    </html>
  );
}
