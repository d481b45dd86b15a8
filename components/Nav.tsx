"use client";

import { useAuthActions } from "@convex-dev/auth/react";
import { useConvexAuth, useQuery } from "convex/react";
import Link from "next/link";
import { usePathname, useRouter } from "next/navigation";
import { useEffect, useRef, useState } from "react";
import { api } from "@/convex/_generated/api";
import { BudgetNotice } from "./BudgetNotice";

const LINKS = [
  { href: "/conversations", label: "Conversations" },
  { href: "/followups", label: "Follow-ups" },
  { href: "/analytics", label: "Analytics" },
  { href: "/maintenance", label: "Maintenance" },
  { href: "/playground", label: "Playground" },
  { href: "/settings", label: "Settings" },
];
const OWNER_LINKS = [{ href: "/team", label: "Team & access" }];

/** Browser storage key for the operator's opt-in to desktop notifications. */
export const NOTIFY_KEY = "burstreply.notifyNeedsHuman";

/**
 * The navigation: a sidebar on wide screens, a bar with a Menu button on
 * phones. It carries the count of open conversations that need attention
 * (flagged for a human, or held by one while the customer waits; resolved
 * ones never count), mirrors it in the tab title ("(3) Conversations ·
 * burstreply"), and, when the operator opted in, raises a desktop
 * notification when the needs-a-human count grows.
 */
export function Nav() {
  const pathname = usePathname();
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const { isAuthenticated } = useConvexAuth();
  const viewer = useQuery(api.users.viewer, isAuthenticated ? {} : "skip");
  const { signOut } = useAuthActions();
  const active = isAuthenticated && viewer !== undefined && viewer !== null && !viewer.disabled;
  const counts = useQuery(api.dashboard.counts, active ? {} : "skip");
  const waiting = counts ? `${counts.attention}${counts.attentionMore ? "+" : ""}` : null;
  useTitleCount(counts?.attention ?? 0, waiting);
  useNeedsHumanNotification(counts?.needsHuman);

  // A followed link closes the phone menu.
  useEffect(() => setOpen(false), [pathname]);

  if (pathname.startsWith("/login")) {
    return (
      <nav className="nav" aria-label="Main">
        <div className="nav-brand">burstreply</div>
      </nav>
    );
  }
  const links = viewer?.role === "owner" ? [...LINKS, ...OWNER_LINKS] : LINKS;
  return (
    <nav className="nav" aria-label="Main" data-open={open}>
      <div className="nav-top">
        <div className="nav-brand">burstreply</div>
        <button
          type="button"
          className="nav-toggle"
          aria-expanded={open}
          aria-controls="nav-links"
          onClick={() => setOpen((o) => !o)}
        >
          {open ? "Close" : "Menu"}
          {!open && counts && counts.attention > 0 && <span className="count danger">{waiting}</span>}
        </button>
      </div>
      <div className="nav-links" id="nav-links">
        {links.map(({ href, label }) => (
          <Link key={href} href={href} aria-current={pathname.startsWith(href) ? "page" : undefined}>
            {label}
            {href === "/conversations" && counts && counts.attention > 0 && (
              <span className="count danger" title="Open conversations that need a human or wait for one">
                {waiting}
                <span className="visually-hidden"> need attention</span>
              </span>
            )}
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
        {active && <BudgetNotice />}
      </div>
    </nav>
  );
}

/** Pages set their own titles; this prefixes the count so a background tab shows who waits. */
function useTitleCount(count: number, label: string | null) {
  useEffect(() => {
    const apply = () => {
      const base = document.title.replace(/^\(\d+\+?\) /, "");
      const next = count > 0 && label ? `(${label}) ${base}` : base;
      if (document.title !== next) document.title = next;
    };
    apply();
    // Next sets the title on navigation after this effect; re-apply when it does.
    const title = document.querySelector("title");
    const observer = new MutationObserver(apply);
    if (title) observer.observe(title, { childList: true, characterData: true, subtree: true });
    return () => observer.disconnect();
  }, [count, label]);
}

function useNeedsHumanNotification(count: number | undefined) {
  const previous = useRef<number | undefined>(undefined);
  useEffect(() => {
    const before = previous.current;
    previous.current = count;
    if (count === undefined || before === undefined || count <= before) return;
    if (typeof Notification === "undefined" || Notification.permission !== "granted") return;
    if (localStorage.getItem(NOTIFY_KEY) !== "on") return;
    new Notification("A conversation needs a human", {
      body: `${count} waiting in burstreply`,
      tag: "burstreply-needs-human",
    });
  }, [count]);
}
