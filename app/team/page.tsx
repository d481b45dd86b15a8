import type { Metadata } from "next";
import { TeamPage } from "@/components/team/TeamPage";

export const metadata: Metadata = { title: "Team & access · burstreply" };

export default function Team() {
  return (
    <>
      <div className="page-header">
        <div>
          <h1>Team &amp; access</h1>
          <p className="subtitle">Operators, invite links, API keys and the audit log. Only the owner sees this page.</p>
        </div>
      </div>
      <TeamPage />
    </>
  );
}
