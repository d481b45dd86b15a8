"use client";

import { useMutation, useQuery } from "convex/react";
import Link from "next/link";
import { useState, type FormEvent } from "react";
import { api } from "@/convex/_generated/api";
import type { Id } from "@/convex/_generated/dataModel";
import { ErrorText } from "../ErrorText";
import { formatTime } from "../format";
import { useOperatorAction } from "../useOperatorAction";

/** The owner's page: who may operate, how new people get in, and what happened. */
export function TeamPage() {
  const viewer = useQuery(api.users.viewer, {});
  if (viewer === undefined) return <p className="muted">Loading…</p>;
  if (viewer?.role !== "owner") {
    return <p className="notice info">Only the owner manages the team, API keys and the audit log.</p>;
  }
  return (
    <div className="team">
      <Operators selfId={viewer.id} />
      <ApiKeys />
      <AuditLog />
    </div>
  );
}

function Operators({ selfId }: { selfId: Id<"users"> }) {
  const users = useQuery(api.users.list, {});
  const createInvite = useMutation(api.users.createInvite);
  const setDisabled = useMutation(api.users.setDisabled);
  const [link, setLink] = useState<string | null>(null);
  const { busy, error, run } = useOperatorAction<string>();

  return (
    <section aria-labelledby="operators">
      <h2 id="operators">Operators</h2>
      <table className="data" aria-label="Operators">
        <thead>
          <tr>
            <th>Email</th>
            <th>Role</th>
            <th>Status</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {(users ?? []).map((user) => (
            <tr key={user.id}>
              <td>{user.email}</td>
              <td>{user.role}</td>
              <td>{user.disabled ? "disabled" : "active"}</td>
              <td>
                {user.id !== selfId && (
                  <button
                    type="button"
                    disabled={busy !== null}
                    onClick={() => void run(user.id, () => setDisabled({ userId: user.id, disabled: !user.disabled }))}
                  >
                    {user.disabled ? "Enable" : "Disable"} {user.email}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <button
        type="button"
        className="primary"
        disabled={busy !== null}
        onClick={() =>
          void run("invite", async () => {
            const { token } = await createInvite({});
            setLink(`${window.location.origin}/login?invite=${token}`);
          })
        }
      >
        Create an invite link
      </button>
      {link && (
        <p className="notice info">
          Send this link to the new operator. It works once, for a week, and is not shown again:{" "}
          <code data-testid="invite-link">{link}</code>
        </p>
      )}
      <ErrorText error={error} />
    </section>
  );
}

function ApiKeys() {
  const keys = useQuery(api.apiKeys.list, {});
  const create = useMutation(api.apiKeys.create);
  const revoke = useMutation(api.apiKeys.revoke);
  const [name, setName] = useState("");
  const [created, setCreated] = useState<string | null>(null);
  const { busy, error, run } = useOperatorAction<string>();

  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    await run("create", async () => {
      const { key } = await create({ name });
      setCreated(key);
      setName("");
    });
  }

  return (
    <section aria-labelledby="api-keys">
      <h2 id="api-keys">API keys</h2>
      <p className="muted">
        For the HTTP API (<a href="/api/openapi.json">OpenAPI document</a>): send <code>Authorization: Bearer &lt;key&gt;</code>.
      </p>
      <table className="data" aria-label="API keys">
        <thead>
          <tr>
            <th>Name</th>
            <th>Key</th>
            <th>Created</th>
            <th>Last used</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {(keys ?? []).map((key) => (
            <tr key={key.id}>
              <td>{key.name}</td>
              <td>
                <code>{key.prefix}…</code>
              </td>
              <td>{formatTime(key.createdAt)}</td>
              <td>{key.lastUsedAt ? formatTime(key.lastUsedAt) : "never"}</td>
              <td>
                {key.revoked ? (
                  "revoked"
                ) : (
                  <button type="button" disabled={busy !== null} onClick={() => void run(key.id, () => revoke({ keyId: key.id }))}>
                    Revoke {key.name}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form onSubmit={(e) => void onSubmit(e)} className="inline-form">
        <label>
          New key name <input value={name} onChange={(e) => setName(e.target.value)} maxLength={80} required />
        </label>
        <button type="submit" disabled={busy !== null}>
          Create key
        </button>
      </form>
      {created && (
        <p className="notice info">
          Copy the key now; it is not shown again: <code data-testid="new-api-key">{created}</code>
        </p>
      )}
      <ErrorText error={error} />
    </section>
  );
}

function AuditLog() {
  const entries = useQuery(api.auditLog.list, {});
  return (
    <section aria-labelledby="audit">
      <h2 id="audit">Audit log</h2>
      <table className="data" aria-label="Audit log">
        <thead>
          <tr>
            <th>When</th>
            <th>Who</th>
            <th>What</th>
            <th>Target</th>
          </tr>
        </thead>
        <tbody>
          {(entries ?? []).map((entry) => (
            <tr key={entry.id}>
              <td>{formatTime(entry.at)}</td>
              <td>{entry.actor}</td>
              <td>{entry.action}</td>
              <td>
                {entry.targetHref ? <Link href={entry.targetHref}>{entry.targetLabel}</Link> : entry.targetLabel}
                {entry.detail ? ` (${entry.detail})` : ""}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
