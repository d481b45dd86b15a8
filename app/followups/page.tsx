import type { Metadata } from "next";
import { FollowupsTable } from "@/components/followups/FollowupsTable";
import { UpcomingMeetings } from "@/components/followups/UpcomingMeetings";

export const metadata: Metadata = { title: "Follow-ups · burstreply" };

export default function FollowupsPage() {
  return (
    <>
      <div className="page-header">
        <div>
          <h1>Follow-ups</h1>
          <p className="subtitle">
            Messages the agent scheduled: follow-ups it promised and meeting reminders. New ones appear as they are
            scheduled.
          </p>
        </div>
      </div>
      <FollowupsTable />
      <UpcomingMeetings />
    </>
  );
}
