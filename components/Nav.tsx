"use client";

import { useAuthActions } from "@convex-dev/auth/react";
import { useConvexAuth, useQuery } from "convex/react";
import Link from "next/link";
import { usePathname, useRouter } from "next/navigation";
import { api } from "@/convex/_generated/api";
import { BudgetNotice } from "./BudgetNotice";

const LINKS = [
  { href: "/playground", label: "Playground" },
  { href: "/conversations", label: "Conversations" },
  { href: "/followups", label: "Follow-ups" },
  { href: "/settings", label: "Settings" },
];
const OWNER_LINKS = [{ href: "/team", label: "Team & access" }];

export function Nav() {
  const pathname = usePathname();
  const router = useRouter();
  const { isAuthenticated } = useConvexAuth();
  const viewer = useQuery(api.users.viewer, isAuthenticated ? {} : "skip");
  const { signOut } = useAuthActions();
  if (pathname.startsWith("/login")) return <nav className="nav" aria-label="Main"><div className="nav-brand">burstreply</div></nav>;
  const links = viewer?.role === "owner" ? [...LINKS, ...OWNER_LINKS] : LINKS;
  return (
    <nav className="nav" aria-label="Main">
      <div className="nav-brand">burstreply</div>
      {links.map(({ href, label }) => (
        <Link key={href} href={href} aria-current={pathname.startsWith(href) ? "page" : undefined}>
          {label}
        </Link>
      ))}
      {viewer && (
        <div className="nav-user">
          <span className="muted" data-testid="signed-in-as">
            {viewer.email} ({viewer.role})
          </span>
          <button
            type="button"
            className="link-button"
            onClick={() => void signOut().then(() => router.push("/login"))}
          >
            Sign out
          </button>
        </div>
      )}
      {viewer && !viewer.disabled && <BudgetNotice />}
    </nav>
  );
}
