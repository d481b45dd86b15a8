import type { Metadata } from "next";
import { SettingsForm } from "@/components/settings/SettingsForm";

export const metadata: Metadata = { title: "Settings · burstreply" };

export default function SettingsPage() {
  return (
    <>
      <div className="page-header">
        <div>
          <h1>Settings</h1>
          <p className="subtitle">
            How the agent batches and answers. The same document can be edited in the Convex dashboard (table{" "}
            <code>settings</code>, key <code>global</code>); values it gets wrong fall back to their defaults and are
            listed here.
          </p>
        </div>
      </div>
      <SettingsForm />
    </>
  );
}
