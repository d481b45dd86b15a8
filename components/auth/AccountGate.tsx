"use client";

import { useConvexAuth, useQuery } from "convex/react";
import Link from "next/link";
import { usePathname } from "next/navigation";
import type { ReactNode } from "react";
import { api } from "@/convex/_generated/api";

/**
 * Dashboard pages render only for an enabled, signed-in operator, so a
 * disabled account or an expired session reads as a sentence instead of
 * every query failing. The data is guarded in Convex either way.
 */
export function AccountGate({ children }: { children: ReactNode }) {
  const pathname = usePathname();
  // Children subscribe before the client has sent its token; wait for it,
  // or their first run is anonymous and refused.
  const { isLoading, isAuthenticated } = useConvexAuth();
  const onLogin = pathname.startsWith("/login");
  const viewer = useQuery(api.users.viewer, onLogin || !isAuthenticated ? "skip" : {});
  if (onLogin) return <>{children}</>;
  if (isLoading || (isAuthenticated && viewer === undefined)) return <p className="muted">Loading…</p>;
  if (!isAuthenticated || !viewer) {
    return (
      <p className="notice info" role="alert">
        Your session ended. <Link href="/login">Sign in again</Link>.
      </p>
    );
  }
  if (viewer.disabled) {
    return (
      <p className="notice danger" role="alert">
        This account is disabled; ask the owner.
      </p>
    );
  }
  return <>{children}</>;
}
