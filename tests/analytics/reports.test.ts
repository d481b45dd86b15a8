/**
 * Scheduled reports in Convex: the hourly cron starts each closed period's
 * report once, the writer stores a CSV with one row per conversation, and
 * the Reports list links to it.
 */
import { describe, expect, test, vi } from "vitest";
import { api, internal } from "../../convex/_generated/api";
import { retentionPage } from "../../convex/model/analytics";
import { DAY } from "../../lib/time";
import { asOwner, newSession, offlineSuite, say, settle } from "../convex/setup";

const START = Date.UTC(2026, 10, 30, 10, 0, 0); // Monday 30 November 2026, the month's last day
const suite = offlineSuite(START);

async function csvOf(t: typeof suite.t, storageId: string) {
  return await t.run(async (ctx) => await (await ctx.storage.get(storageId as never))!.text());
}

describe("reports", () => {
  test("an owner's report to date has one row per conversation and a download link", async () => {
    const { t } = suite;
    vi.stubEnv("CONVEX_SITE_URL", "https://site.example");
    for (const text of ["Hi, do you ship to Riga?", "=HYPERLINK(\"x\")"]) {
      const session = await newSession(t);
      await say(t, session, text);
    }
    await settle(t);
    const reportId = await asOwner(t).mutation(api.analytics.reports.generateNow, { period: "daily" });
    await settle(t);
    const [report, ...more] = await asOwner(t).query(api.analytics.reports.list, {});
    expect(more).toHaveLength(0);
    expect(report).toMatchObject({ _id: reportId, period: "daily", toDate: true, status: "ready", rows: 2, from: Date.UTC(2026, 10, 30), url: expect.stringMatching(/^https:\/\/site\.example\/analytics\/report\.csv\?id=.+&key=[0-9a-f]{32}$/) });
    expect(report!.summary).toMatchObject({ conversations: 2, messagesIn: 2, messagesOut: 2 });
    // The link serves the file; a wrong key gets nothing.
    const path = report!.url!.slice("https://site.example".length);
    const response = await t.fetch(path);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-disposition")).toBe('attachment; filename="daily-2026-11-30-so-far.csv"');
    const csv = await response.text();
    expect((await t.fetch(path.replace(/key=[0-9a-f]+/, "key=0000"))).status).toBe(404);
    const stored = await t.run(async (ctx) => (await ctx.db.get("analyticsReports", reportId))!);
    expect(await csvOf(t, stored.storageId!)).toBe(csv);
    const lines = csv.trimEnd().split("\r\n");
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^conversation_id,channel,contact,/);
    expect(lines.slice(1).every((l) => l.includes(",web,") && /,1,1,1,0,\d/.test(l))).toBe(true);
  });

  test("the hourly cron starts the report of each closed day, week and month once", async () => {
    const { t } = suite;
    const session = await newSession(t);
    await say(t, session, "Hello");
    await settle(t);
    // Next day (Tuesday 1 December): 30 November, the week of 23–29 November and November are closed.
    const tomorrow = START + DAY;
    vi.setSystemTime(tomorrow);
    expect(await t.mutation(internal.analytics.reports.tick, {})).toBe(3);
    expect(await t.mutation(internal.analytics.reports.tick, {})).toBe(0);
    await settle(t);
    const reports = await asOwner(t).query(api.analytics.reports.list, {});
    const byPeriod = Object.fromEntries(reports.map((r) => [r.period, r]));
    expect(byPeriod.daily).toMatchObject({ status: "ready", from: Date.UTC(2026, 10, 30), to: Date.UTC(2026, 11, 1), rows: 1, toDate: false });
    expect(byPeriod.weekly).toMatchObject({ status: "ready", from: Date.UTC(2026, 10, 23), to: Date.UTC(2026, 10, 30), rows: 0 });
    expect(byPeriod.monthly).toMatchObject({ status: "ready", from: Date.UTC(2026, 10, 1), to: Date.UTC(2026, 11, 1), rows: 1 });
  });

  test("retention deletes reports older than the setting, with their files, and counts them", async () => {
    const { t } = suite;
    await asOwner(t).mutation(api.analytics.reports.generateNow, { period: "daily" });
    await settle(t);
    const [report] = await t.run((ctx) => ctx.db.query("analyticsReports").collect());
    expect(report!.storageId).toBeDefined();
    const sweep = (now: number) => t.run((ctx) => retentionPage(ctx, now, { events: 0, hour: 0, day: 0, week: 0, month: 0 }));
    expect((await sweep(Date.now() + 729 * DAY)).counts.reports).toBe(0);
    expect((await sweep(Date.now() + 731 * DAY)).counts.reports).toBe(1);
    expect(await t.run((ctx) => ctx.db.query("analyticsReports").collect())).toHaveLength(0);
    expect(await t.run((ctx) => ctx.storage.get(report!.storageId!))).toBeNull();
  });

  test("only the owner may generate; an anonymous caller may not list", async () => {
    const { t } = suite;
    await expect(t.mutation(api.analytics.reports.generateNow, { period: "weekly" })).rejects.toThrow(/Sign in/);
    await expect(t.query(api.analytics.reports.list, {})).rejects.toThrow(/Sign in/);
  });
});
