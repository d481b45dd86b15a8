import type { Metadata } from "next";
import { AnalyticsDashboard } from "@/components/analytics/AnalyticsDashboard";

export const metadata: Metadata = { title: "Analytics · burstreply" };

export default function AnalyticsPage() {
  return (
    <>
      <div className="page-header">
        <div>
          <h1>Analytics</h1>
          <p className="subtitle">
            Is the bot answering fast, is waiting for the burst worth it, which channel needs attention. Numbers are
            exact up to this minute; buckets follow the business time zone.
          </p>
        </div>
      </div>
      <AnalyticsDashboard />
    </>
  );
}
