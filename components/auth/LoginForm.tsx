"use client";

import { useAuthActions } from "@convex-dev/auth/react";
import { useQuery } from "convex/react";
import { useRouter, useSearchParams } from "next/navigation";
import { useState, type FormEvent } from "react";
import { api } from "@/convex/_generated/api";
import { ErrorText } from "../ErrorText";

type Mode = "owner" | "invite" | "signIn";

const TITLES: Record<Mode, { title: string; button: string; note: string }> = {
  owner: {
    title: "Create the owner account",
    button: "Create the owner account",
    note: "No account exists yet. The first account owns this installation: it changes settings, invites operators and makes API keys.",
  },
  invite: {
    title: "Create your operator account",
    button: "Create account",
    note: "You were invited to operate this dashboard. The link works once.",
  },
  signIn: { title: "Sign in", button: "Sign in", note: "Sign-up is closed; ask the owner for an invite link." },
};

/**
 * The one door: "Create the owner account" while no account exists, the
 * invite form when the link carries a token, otherwise sign in.
 */
export function LoginForm() {
  const { signIn } = useAuthActions();
  const router = useRouter();
  const params = useSearchParams();
  const setup = useQuery(api.users.setup, {});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const invite = params.get("invite");
  if (setup === undefined) return <p className="muted">Loading…</p>;
  const mode: Mode = !setup.hasOwner ? "owner" : invite ? "invite" : "signIn";
  const text = TITLES[mode];

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    form.set("flow", mode === "signIn" ? "signIn" : "signUp");
    if (mode === "invite" && invite) form.set("invite", invite);
    setBusy(true);
    setError(null);
    try {
      await signIn("password", form);
      const next = params.get("next");
      router.replace(next?.startsWith("/") && !next.startsWith("//") ? next : "/");
    } catch (e) {
      setError(reason(e, mode));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="login">
      <h1>{text.title}</h1>
      <p className="subtitle">{text.note}</p>
      <form onSubmit={(e) => void onSubmit(e)} className="login-form">
        <label>
          Email
          <input name="email" type="email" autoComplete="username" required maxLength={254} />
        </label>
        <label>
          Password
          <input
            name="password"
            type="password"
            autoComplete={mode === "signIn" ? "current-password" : "new-password"}
            required
            minLength={8}
          />
        </label>
        <button type="submit" className="primary" disabled={busy}>
          {busy ? "Working…" : text.button}
        </button>
        <ErrorText error={error} />
      </form>
    </div>
  );
}

// The auth proxy passes only a message string along; say what went wrong in
// words without echoing anything the visitor typed.
function reason(error: unknown, mode: Mode): string {
  const message = error instanceof Error ? error.message : String(error);
  for (const known of [
    "Sign-up is closed; ask the owner for an invite link",
    "This invite link was already used or has expired; ask the owner for a new one",
    "Enter a valid email address",
    "This account is disabled; ask the owner",
  ]) {
    if (message.includes(known)) return known;
  }
  if (message.includes("already exists")) return "An account with this email already exists; sign in instead.";
  if (message.includes("Invalid password")) return "The password needs at least 8 characters.";
  return mode === "signIn" ? "Wrong email or password." : "Could not create the account.";
}
