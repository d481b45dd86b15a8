/**
 * The Convex side of GET /api/reports (lib/api/reports.ts): the same pages
 * the scheduled report writer reads (convex/analytics/reports.ts), behind
 * an API key instead of `internal`. The report itself is built by
 * lib/analytics/report.ts in the route, as the writer builds it.
 */
import { v } from "convex/values";
import { apiKeyQuery } from "./apiKeys";
import { readContactNames, readEventsPage, readStaffNames, vReportEventsPage, vReportEventsPageArgs } from "./analytics/reports";
import { loadSettings } from "./model/settings";

/** The business zone report periods are cut in. */
export const timeZone = apiKeyQuery({
  args: {},
  returns: v.string(),
  handler: async (ctx) => (await loadSettings(ctx)).workingHours.timeZone,
});

export const eventsPage = apiKeyQuery({
  args: vReportEventsPageArgs,
  returns: vReportEventsPage,
  handler: readEventsPage,
});

export const contactNames = apiKeyQuery({
  args: { contactIds: v.array(v.string()) },
  returns: v.record(v.string(), v.string()),
  handler: (ctx, { contactIds }) => readContactNames(ctx, contactIds),
});

/** Operators' emails (or names) for the staff_performance section. */
export const staffNames = apiKeyQuery({
  args: { staffIds: v.array(v.string()) },
  returns: v.record(v.string(), v.string()),
  handler: (ctx, { staffIds }) => readStaffNames(ctx, staffIds),
});
