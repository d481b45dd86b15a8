"use client";

import { useMutation, useQuery } from "convex/react";
import type { FunctionReturnType } from "convex/server";
import { useMemo, useState } from "react";
import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { api } from "@/convex/_generated/api";
import type { Granularity } from "@/lib/analytics/buckets";
import type { EventType } from "@/lib/analytics/events";
import { conversationsHref, type EventFilter } from "@/lib/analytics/links";
import { satisfactionSummary } from "@/lib/analytics/survey";
import { DAY, MINUTE } from "@/lib/time";
import { channelLabel, flushReasonLabel, formatDuration } from "../format";
import { useNow } from "../followups/RelativeTime";
import styles from "./analytics.module.css";
import { ChartCard, COLORS, Loading, type ConversationsLink } from "./parts";
import { ReportsSection } from "./ReportsSection";
import { StaffTable } from "./StaffTable";

type Series = FunctionReturnType<typeof api.analytics.queries.series>;
type Summary = Series["points"][number]["values"][string];

const RANGES = [
  { id: "1d", label: "24 hours", days: 1, granularities: ["hour"] },
  { id: "7d", label: "7 days", days: 7, granularities: ["hour", "day"] },
  { id: "30d", label: "30 days", days: 30, granularities: ["day", "week"] },
  { id: "90d", label: "90 days", days: 90, granularities: ["day", "week", "month"] },
  { id: "365d", label: "1 year", days: 365, granularities: ["week", "month"] },
] as const satisfies { id: string; label: string; days: number; granularities: Granularity[] }[];
type RangeId = (typeof RANGES)[number]["id"];

/** Series → recharts rows: one row per bucket, one key per dimension value. */
function pivot(series: Series | undefined, pick: (s: Summary) => number | null, rename: (key: string) => string = (k) => k) {
  const keys = new Set<string>();
  const rows = (series?.points ?? []).map((p) => {
    const row: Record<string, string | number | null> = { label: p.label };
    for (const [key, summary] of Object.entries(p.values)) {
      const value = pick(summary);
      if (value === null) continue;
      keys.add(rename(key));
      row[rename(key)] = value;
    }
    return row;
  });
  return { rows, keys: [...keys].sort(), empty: keys.size === 0 };
}

/** Totals per dimension value over the whole range. */
function totals(series: Series | undefined, rename: (key: string) => string = (k) => k) {
  const sums = new Map<string, number>();
  for (const p of series?.points ?? []) for (const [k, s] of Object.entries(p.values)) sums.set(rename(k), (sums.get(rename(k)) ?? 0) + s.count);
  return [...sums].map(([name, count]) => ({ name, count })).sort((a, b) => b.count - a.count);
}

const seconds = (ms: number | null) => (ms === null ? null : Math.round(ms / 100) / 10);
const KIND_LABELS: Record<string, string> = {
  "followup:sent": "follow-up sent",
  "followup:cancelled": "cancelled: customer came back",
  "followup:failed": "follow-up failed",
  "followup:blocked": "follow-up blocked (window closed)",
  "meeting_reminder:sent": "reminder sent",
  "meeting:booked": "meeting booked",
};
/** Escalation causes (lib/analytics/events.ts ESCALATION_CAUSES) in words. */
const ESCALATION_LABELS: Record<string, string> = {
  agent: "the agent handed over",
  model_failed: "the model failed",
  send_failed: "a reply could not be sent",
  delivery_unknown: "delivery unknown",
  sync: "history sync",
  other: "other",
};

export function AnalyticsDashboard() {
  const clock = useNow(MINUTE);
  // Rounded to the minute so the queries' arguments (and their cache) change once a minute.
  const now = Math.floor(clock / MINUTE) * MINUTE;
  const [rangeId, setRangeId] = useState<RangeId>("7d");
  const range = RANGES.find((r) => r.id === rangeId)!;
  const [chosen, setChosen] = useState<Granularity>("day");
  const granularity: Granularity = (range.granularities as readonly Granularity[]).includes(chosen) ? chosen : range.granularities[0];
  const from = now - range.days * DAY;
  const span = { granularity, from, to: now + MINUTE };

  const status = useQuery(api.analytics.queries.status, {});
  const overview = useQuery(api.analytics.queries.overview, { now });
  const received = useQuery(api.analytics.queries.series, { ...span, type: "message.received", dimension: "channel" });
  const bot = useQuery(api.analytics.queries.series, { ...span, type: "response.ai_generated", dimension: "all" });
  const human = useQuery(api.analytics.queries.series, { ...span, type: "response.staff_sent", dimension: "all" });
  const flushes = useQuery(api.analytics.queries.series, { ...span, type: "batch.flushed", dimension: "kind" });
  const sizes = useQuery(api.analytics.queries.distribution, { type: "batch.flushed", measure: "value", from, to: span.to });
  const waits = useQuery(api.analytics.queries.distribution, { type: "batch.flushed", measure: "duration", from, to: span.to });
  const csat = useQuery(api.analytics.queries.series, { ...span, type: "satisfaction.rating_received", dimension: "kind" });
  const intents = useQuery(api.analytics.queries.series, { ...span, type: "intent.classified", dimension: "intent" });
  const completed = useQuery(api.analytics.queries.series, { ...span, type: "task.completed", dimension: "kind" });
  const failed = useQuery(api.analytics.queries.series, { ...span, type: "task.failed", dimension: "kind" });
  const resolved = useQuery(api.analytics.queries.series, { ...span, type: "conversation.resolved", dimension: "kind" });
  const reopened = useQuery(api.analytics.queries.series, { ...span, type: "conversation.reopened", dimension: "all" });
  const resolveTimes = useQuery(api.analytics.queries.distribution, { type: "conversation.resolved", measure: "duration", from, to: span.to });
  const csatRatings = useQuery(api.analytics.queries.distribution, { type: "satisfaction.rating_received", measure: "value", kind: "csat", from, to: span.to });
  const npsRatings = useQuery(api.analytics.queries.distribution, { type: "satisfaction.rating_received", measure: "value", kind: "nps", from, to: span.to });
  const surveysSent = useQuery(api.analytics.queries.series, { ...span, type: "satisfaction.survey_sent", dimension: "kind" });
  const staff = useQuery(api.analytics.queries.staffTable, { from, to: span.to });
  const escalations = useQuery(api.analytics.queries.series, { ...span, type: "conversation.escalated", dimension: "kind" });
  const escalationsAll = useQuery(api.analytics.queries.series, { ...span, type: "conversation.escalated", dimension: "all" });
  const botReplyTimes = useQuery(api.analytics.queries.distribution, { type: "response.ai_generated", measure: "duration", from, to: span.to });
  const tuner = useQuery(api.analytics.tuner.curve, { now, days: Math.min(range.days, 30) });
  const updateSettings = useMutation(api.settings.update);
  const [applied, setApplied] = useState<string | null>(null);

  const responseRows = useMemo(() => {
    const b = pivot(bot, (s) => seconds(s.p50), () => "bot p50");
    const b95 = pivot(bot, (s) => seconds(s.p95), () => "bot p95");
    const h = pivot(human, (s) => seconds(s.p50), () => "human p50");
    const h95 = pivot(human, (s) => seconds(s.p95), () => "human p95");
    const rows = b.rows.map((row, i) => ({ ...row, ...b95.rows[i], ...h.rows[i], ...h95.rows[i] }));
    const keys = [...b.keys, ...b95.keys, ...h.keys, ...h95.keys];
    return { rows, keys, empty: keys.length === 0 };
  }, [bot, human]);
  const messages = pivot(received, (s) => s.count, channelLabel);
  const reasons = pivot(flushes, (s) => s.count, flushReasonLabel);
  const csatTrend = pivot(csat, (s) => (s.valueAvg === null ? null : Math.round(s.valueAvg * 100) / 100), (k) => k.toUpperCase());
  const outcomes = [...totals(completed, (k) => KIND_LABELS[k] ?? k), ...totals(failed, (k) => KIND_LABELS[k] ?? k)];
  const intentTotals = totals(intents);
  const resolutions = pivot(resolved, (s) => s.count, (k) => (k === "ai" ? "by the bot alone" : "with a human"));
  const resolvedCount = totals(resolved).reduce((sum, r) => sum + r.count, 0);
  const aiResolved = totals(resolved).find((r) => r.name === "ai")?.count ?? 0;
  const reopenedCount = totals(reopened).reduce((sum, r) => sum + r.count, 0);
  const satisfaction = useMemo(() => satisfactionSummary(csatRatings?.bins ?? [], npsRatings?.bins ?? []), [csatRatings, npsRatings]);
  const sentByKind = Object.fromEntries(totals(surveysSent).map((r) => [r.name, r.count]));
  const waitBins = useMemo(() => coarseWaits(waits?.bins ?? []), [waits]);
  const tunerRows = (tuner?.overall.points ?? []).map((p) => ({
    window: p.windowMs / 1000,
    "model calls": p.modelCalls,
    "merged bursts %": Math.round(p.mergedShare * 100),
    "added wait p95 s": seconds(p.addedWaitP95Ms),
  }));
  const incomplete = [overview, received, bot, flushes, staff].some((q) => q && "complete" in q && !q.complete);

  // Links from each chart to the conversations behind it, over the chosen range.
  const link = (filter: Omit<EventFilter, "from" | "to">, label: string, count?: number): ConversationsLink => ({
    label: count === undefined ? label : `${label} (${count})`,
    href: conversationsHref({ ...filter, from, to: span.to }, label),
  });
  const perKind = (event: EventType, series: Series | undefined, words: (kind: string) => string) =>
    totals(series).map((r) => link({ event, kind: r.name }, words(r.name), r.count));
  // Escalations recorded before they carried a cause have no kind: shown as "other".
  const escalationRows = useMemo(() => {
    const rows = pivot(escalations, (s) => s.count, (k) => ESCALATION_LABELS[k] ?? k);
    const unlabelled = (escalationsAll?.points ?? []).map((p, i) => {
      const labelled = Object.values(escalations?.points[i]?.values ?? {}).reduce((n, s) => n + s.count, 0);
      return (p.values.all?.count ?? 0) - labelled;
    });
    if (unlabelled.some((n) => n > 0)) {
      rows.rows.forEach((row, i) => {
        if (unlabelled[i]! > 0) row[ESCALATION_LABELS.other!] = ((row[ESCALATION_LABELS.other!] as number | undefined) ?? 0) + unlabelled[i]!;
      });
      if (!rows.keys.includes(ESCALATION_LABELS.other!)) rows.keys.push(ESCALATION_LABELS.other!);
      rows.empty = false;
    }
    return rows;
  }, [escalations, escalationsAll]);
  const escalatedCount = totals(escalationsAll).reduce((sum, r) => sum + r.count, 0);
  const links = {
    messages: totals(received).map((r) => link({ event: "message.received", channel: r.name as EventFilter["channel"] }, `Messages on ${channelLabel(r.name)}`, r.count)),
    response: [
      link({ event: "response.ai_generated" }, "Bot replies"),
      link({ event: "response.staff_sent" }, "Human replies"),
      ...(botReplyTimes?.p95 != null ? [link({ event: "response.ai_generated", minMs: botReplyTimes.p95 }, `Slowest bot replies (≥ p95, ${formatDuration(botReplyTimes.p95)})`)] : []),
    ],
    sizes: [link({ event: "batch.flushed", min: 3 }, "Bursts of 3 or more messages")],
    reasons: perKind("batch.flushed", flushes, (k) => `Flushed: ${flushReasonLabel(k)}`),
    waits: [link({ event: "batch.flushed", minMs: 10_000 }, "Bursts that waited 10 s or more")],
    escalations: [
      ...perKind("conversation.escalated", escalations, (k) => `Escalated: ${ESCALATION_LABELS[k] ?? k}`),
    ],
    resolutions: [
      link({ event: "conversation.resolved", kind: "ai" }, "Resolved by the bot alone", aiResolved),
      link({ event: "conversation.resolved", kind: "human" }, "Resolved with a human", resolvedCount - aiResolved),
      ...(reopenedCount ? [link({ event: "conversation.reopened" }, "Reopened", reopenedCount)] : []),
    ],
    csat: [link({ event: "satisfaction.rating_received", kind: "csat", max: 2 }, "Low CSAT (1–2)")],
    satisfaction: [
      ...(satisfaction.csat.count ? [link({ event: "satisfaction.rating_received", kind: "csat", max: 2 }, "Low CSAT (1–2)"), link({ event: "satisfaction.rating_received", kind: "csat" }, "All CSAT answers", satisfaction.csat.count)] : []),
      ...(satisfaction.nps.count ? [link({ event: "satisfaction.rating_received", kind: "nps", max: 6 }, "NPS detractors (0–6)"), link({ event: "satisfaction.rating_received", kind: "nps" }, "All NPS answers", satisfaction.nps.count)] : []),
      link({ event: "satisfaction.feedback_received" }, "With a comment"),
    ],
    followups: [
      ...perKind("task.completed", completed, (k) => KIND_LABELS[k] ?? k),
      ...perKind("task.failed", failed, (k) => KIND_LABELS[k] ?? k),
    ],
    intents: intentTotals.map((r) => link({ event: "intent.classified", intent: r.name }, `Intent: ${r.name}`, r.count)),
  };
  const staffHref = (staffId: string, operator: string) => conversationsHref({ event: "response.staff_sent", staff: staffId, from, to: span.to }, `Replies by ${operator}`);

  return (
    <>
      <div className="toolbar">
        <div className="segmented" role="group" aria-label="Range">
          {RANGES.map((r) => (
            <button key={r.id} type="button" aria-pressed={r.id === rangeId} onClick={() => setRangeId(r.id)}>
              {r.label}
            </button>
          ))}
        </div>
        <div className="segmented" role="group" aria-label="Granularity">
          {range.granularities.map((g) => (
            <button key={g} type="button" aria-pressed={g === granularity} onClick={() => setChosen(g)}>
              {g}
            </button>
          ))}
        </div>
        <span className="muted" data-testid="business-zone">
          Business time zone: {status?.timeZone ?? "…"}
        </span>
      </div>
      {status && !status.analyticsEnabled && <div className="notice warn">Recording is off (Settings → Analytics): nothing new is counted.</div>}
      {incomplete && <div className="notice warn">Some numbers are partial: more raw events arrived than one read covers; they appear after the next rollup (within a minute).</div>}

      <section className="card" aria-label="Today vs yesterday">
        {overview === undefined ? <Loading /> : <Cards overview={overview} />}
      </section>

      <div className={styles.grid}>
        <ChartCard
          title="Messages received by channel"
          testId="chart-messages"
          empty={messages.empty}
          href={conversationsHref({ event: "message.received", from, to: span.to }, "Messages received")}
          links={links.messages}
        >
          <ResponsiveContainer>
            <BarChart data={messages.rows}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis dataKey="label" fontSize={11} />
              <YAxis allowDecimals={false} fontSize={11} />
              <Tooltip />
              <Legend />
              {messages.keys.map((k, i) => (
                <Bar key={k} dataKey={k} stackId="m" fill={COLORS[i % COLORS.length]} isAnimationActive={false} />
              ))}
            </BarChart>
          </ResponsiveContainer>
        </ChartCard>

        <ChartCard title="Reply time per burst (s), bot vs human" testId="chart-response" empty={responseRows.empty} links={links.response}>
          <ResponsiveContainer>
            <LineChart data={responseRows.rows}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis dataKey="label" fontSize={11} />
              <YAxis fontSize={11} />
              <Tooltip />
              <Legend />
              {responseRows.keys.map((k, i) => (
                <Line key={k} dataKey={k} stroke={COLORS[i % COLORS.length]} dot={{ r: 2 }} connectNulls isAnimationActive={false} strokeDasharray={k.endsWith("p95") ? "4 3" : undefined} />
              ))}
            </LineChart>
          </ResponsiveContainer>
        </ChartCard>

        <ChartCard title="Batch size (messages per reply)" testId="chart-batch-size" empty={!sizes || sizes.bins.length === 0} links={links.sizes}>
          <ResponsiveContainer>
            <BarChart data={(sizes?.bins ?? []).map((b) => ({ size: Math.round(b.value), batches: b.count }))}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis dataKey="size" fontSize={11} />
              <YAxis allowDecimals={false} fontSize={11} />
              <Tooltip />
              <Bar dataKey="batches" fill={COLORS[0]} isAnimationActive={false} />
            </BarChart>
          </ResponsiveContainer>
        </ChartCard>

        <ChartCard title="Flush reasons" testId="chart-flush-reasons" empty={reasons.empty} links={links.reasons}>
          <ResponsiveContainer>
            <BarChart data={reasons.rows}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis dataKey="label" fontSize={11} />
              <YAxis allowDecimals={false} fontSize={11} />
              <Tooltip />
              <Legend />
              {reasons.keys.map((k, i) => (
                <Bar key={k} dataKey={k} stackId="r" fill={COLORS[i % COLORS.length]} isAnimationActive={false} />
              ))}
            </BarChart>
          </ResponsiveContainer>
        </ChartCard>

        <ChartCard
          title={`Burst wait (first message → flush)${waits?.p50 != null ? ` · p50 ${formatDuration(waits.p50)}, p95 ${formatDuration(waits.p95 ?? 0)}` : ""}`}
          testId="chart-burst-wait"
          empty={waitBins.length === 0}
          links={links.waits}
        >
          <ResponsiveContainer>
            <BarChart data={waitBins}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis dataKey="bin" fontSize={11} />
              <YAxis allowDecimals={false} fontSize={11} />
              <Tooltip />
              <Bar dataKey="batches" fill={COLORS[2]} isAnimationActive={false} />
            </BarChart>
          </ResponsiveContainer>
        </ChartCard>

        <ChartCard title="CSAT (average rating)" testId="chart-csat" empty={csatTrend.empty} emptyText="No survey answers in this range." links={links.csat}>
          <ResponsiveContainer>
            <LineChart data={csatTrend.rows}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis dataKey="label" fontSize={11} />
              <YAxis fontSize={11} />
              <Tooltip />
              <Legend />
              {csatTrend.keys.map((k, i) => (
                <Line key={k} dataKey={k} stroke={COLORS[i % COLORS.length]} connectNulls isAnimationActive={false} />
              ))}
            </LineChart>
          </ResponsiveContainer>
        </ChartCard>

        <ChartCard
          title={`Resolved conversations${resolvedCount ? ` · ${resolvedCount}, AI resolution ${Math.round((aiResolved / resolvedCount) * 100)} %` : ""}${resolveTimes?.p50 != null ? ` · time to resolve p50 ${formatDuration(resolveTimes.p50)}, p95 ${formatDuration(resolveTimes.p95 ?? 0)}` : ""}${reopenedCount ? ` · reopened ${reopenedCount}` : ""}`}
          testId="chart-resolutions"
          empty={resolutions.empty}
          emptyText="No conversations resolved in this range."
          href={conversationsHref({ event: "conversation.resolved", from, to: span.to }, "Resolved")}
          links={links.resolutions}
        >
          <ResponsiveContainer>
            <BarChart data={resolutions.rows}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis dataKey="label" fontSize={11} />
              <YAxis allowDecimals={false} fontSize={11} />
              <Tooltip />
              <Legend />
              {resolutions.keys.map((k, i) => (
                <Bar key={k} dataKey={k} stackId="res" fill={COLORS[(i + 2) % COLORS.length]} isAnimationActive={false} />
              ))}
            </BarChart>
          </ResponsiveContainer>
        </ChartCard>

        <ChartCard
          title={`Survey answers${satisfaction.csat.count ? ` · CSAT ${satisfaction.csat.average!.toFixed(2)} (${satisfaction.csat.count} of ${sentByKind.csat ?? 0} asked)` : ""}${satisfaction.nps.count ? ` · NPS ${satisfaction.nps.score} (${satisfaction.nps.count} of ${sentByKind.nps ?? 0} asked)` : ""}`}
          testId="chart-satisfaction"
          empty={satisfaction.rows.length === 0}
          emptyText="No survey answers in this range. Turn surveys on in Settings → Satisfaction surveys."
          links={links.satisfaction}
        >
          <ResponsiveContainer>
            <BarChart data={satisfaction.rows}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis dataKey="rating" fontSize={11} />
              <YAxis allowDecimals={false} fontSize={11} />
              <Tooltip />
              <Legend />
              <Bar dataKey="CSAT" fill={COLORS[2]} isAnimationActive={false} />
              <Bar dataKey="NPS" fill={COLORS[4]} isAnimationActive={false} />
            </BarChart>
          </ResponsiveContainer>
        </ChartCard>

        <ChartCard title="Follow-up outcomes" testId="chart-followups" empty={outcomes.length === 0} links={links.followups}>
          <ResponsiveContainer>
            <BarChart data={outcomes} layout="vertical">
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis type="number" allowDecimals={false} fontSize={11} />
              <YAxis type="category" dataKey="name" width={190} fontSize={11} />
              <Tooltip />
              <Bar dataKey="count" fill={COLORS[3]} isAnimationActive={false} />
            </BarChart>
          </ResponsiveContainer>
        </ChartCard>

        <ChartCard title="Intents" testId="chart-intents" empty={intentTotals.length === 0} emptyText="No intents classified in this range." links={links.intents}>
          <ResponsiveContainer>
            <BarChart data={intentTotals} layout="vertical">
              <XAxis type="number" allowDecimals={false} fontSize={11} />
              <YAxis type="category" dataKey="name" width={140} fontSize={11} />
              <Tooltip />
              <Bar dataKey="count" fill={COLORS[4]} isAnimationActive={false} />
            </BarChart>
          </ResponsiveContainer>
        </ChartCard>

        <ChartCard
          title={`Escalations by reason${escalatedCount ? ` · ${escalatedCount}` : ""}`}
          testId="chart-escalations"
          empty={escalationRows.empty}
          emptyText="Nothing was escalated to a human in this range."
          href={conversationsHref({ event: "conversation.escalated", from, to: span.to }, "Escalated")}
          links={links.escalations}
        >
          <ResponsiveContainer>
            <BarChart data={escalationRows.rows}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis dataKey="label" fontSize={11} />
              <YAxis allowDecimals={false} fontSize={11} />
              <Tooltip />
              <Legend />
              {escalationRows.keys.map((k, i) => (
                <Bar key={k} dataKey={k} stackId="esc" fill={COLORS[(i + 1) % COLORS.length]} isAnimationActive={false} />
              ))}
            </BarChart>
          </ResponsiveContainer>
        </ChartCard>

        <ReportsSection />

        <section className={`card ${styles.wide}`} aria-label="Staff performance" data-testid="staff-table">
          <h2 className={styles.chartTitle}>Staff performance</h2>
          {staff === undefined ? <Loading /> : <StaffTable rows={staff.rows} hrefFor={staffHref} />}
        </section>

        <ChartCard
          title={`Batching tuner: what other windows would have done (${tuner?.messages ?? 0} messages, last ${Math.min(range.days, 30)} days)`}
          testId="chart-tuner"
          wide
          empty={!tuner || tuner.messages === 0}
          emptyText="No inbound messages recorded yet: the tuner replays recorded traffic."
        >
          <ResponsiveContainer>
            <LineChart data={tunerRows}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis dataKey="window" unit=" s" fontSize={11} />
              <YAxis yAxisId="calls" fontSize={11} />
              <YAxis yAxisId="pct" orientation="right" domain={[0, 100]} fontSize={11} />
              <Tooltip />
              <Legend />
              <Line yAxisId="calls" dataKey="model calls" stroke={COLORS[0]} isAnimationActive={false} />
              <Line yAxisId="pct" dataKey="merged bursts %" stroke={COLORS[2]} isAnimationActive={false} />
              <Line yAxisId="calls" dataKey="added wait p95 s" stroke={COLORS[1]} strokeDasharray="4 3" isAnimationActive={false} />
              {tuner?.overall.recommendedWindowMs != null && (
                <ReferenceLine yAxisId="calls" x={tuner.overall.recommendedWindowMs / 1000} stroke="#57ab5a" label="recommended" />
              )}
              {tuner && <ReferenceLine yAxisId="calls" x={tuner.currentWindowMs / 1000} stroke="#768390" strokeDasharray="2 2" label="current" />}
            </LineChart>
          </ResponsiveContainer>
        </ChartCard>
      </div>
      {tuner && tuner.messages > 0 && (
        <div className="toolbar" data-testid="tuner-apply">
          <span>
            Recommended window: {tuner.overall.recommendedWindowMs === null ? "none reaches 90 % merged bursts within 10 s" : formatDuration(tuner.overall.recommendedWindowMs)}
            {" · "}current {formatDuration(tuner.currentWindowMs)}
            {Object.entries(tuner.byChannel).map(([ch, c]) => ` · ${channelLabel(ch)}: ${c.recommendedWindowMs === null ? "—" : formatDuration(c.recommendedWindowMs)}`)}
          </span>
          {tuner.overall.recommendedWindowMs !== null && tuner.overall.recommendedWindowMs !== tuner.currentWindowMs && (
            <button
              type="button"
              onClick={() => {
                const windowMs = tuner.overall.recommendedWindowMs!;
                void updateSettings({ patch: { batchWindowMs: windowMs } }).then(
                  () => setApplied(`Batch window set to ${formatDuration(windowMs)}.`),
                  (error: unknown) => setApplied(`Not applied: ${error instanceof Error ? error.message : String(error)}`),
                );
              }}
            >
              Apply recommended window
            </button>
          )}
          {applied && <span className="muted">{applied}</span>}
        </div>
      )}
    </>
  );
}

type Overview = FunctionReturnType<typeof api.analytics.queries.overview>;

function Cards({ overview }: { overview: Overview }) {
  const { today, yesterday, change } = overview;
  const pct = (x: number | null) => (x === null ? "—" : `${Math.round(x * 100)} %`);
  const ms = (x: number | null) => (x === null ? "—" : formatDuration(x));
  const items = [
    { key: "conversationsStarted", label: "Conversations started", t: String(today.conversationsStarted), y: String(yesterday.conversationsStarted), better: 1 },
    { key: "messagesReceived", label: "Messages in", t: String(today.messagesReceived), y: String(yesterday.messagesReceived), better: 1 },
    { key: "messagesSent", label: "Messages out", t: String(today.messagesSent), y: String(yesterday.messagesSent), better: 1 },
    { key: "firstResponseP50", label: "First response p50", t: ms(today.firstResponseMs.p50), y: ms(yesterday.firstResponseMs.p50), better: -1 },
    { key: "escalationRate", label: "Escalation rate", t: pct(today.escalationRate), y: pct(yesterday.escalationRate), better: -1 },
    { key: "csat", label: "CSAT", t: today.csat === null ? "—" : today.csat.toFixed(2), y: yesterday.csat === null ? "—" : yesterday.csat.toFixed(2), better: 1 },
  ];
  return (
    <div className={styles.cards} data-testid="cards">
      {items.map((item) => {
        const c = change[item.key] ?? null;
        return (
          <div key={item.key} data-testid={`card-${item.key}`}>
            <div className={styles.cardLabel}>{item.label} today</div>
            <div className={styles.cardValue}>{item.t}</div>
            <div className={c === null ? "muted" : c * item.better >= 0 ? styles.up : styles.down}>
              {c === null ? "" : `${c >= 0 ? "+" : ""}${Math.round(c * 100)} % `}
              <span className="muted">yesterday {item.y}</span>
            </div>
          </div>
        );
      })}
    </div>
  );
}

const WAIT_EDGES_S = [1, 2, 3, 5, 10, 20, 30, 60, 120];

/** The sketch's fine bins regrouped into a few readable ranges. */
function coarseWaits(bins: { value: number; count: number }[]) {
  const counts = new Array<number>(WAIT_EDGES_S.length + 1).fill(0);
  for (const b of bins) {
    const i = WAIT_EDGES_S.findIndex((edge) => b.value < edge * 1000);
    counts[i === -1 ? WAIT_EDGES_S.length : i] += b.count;
  }
  if (counts.every((c) => c === 0)) return [];
  return counts.map((batches, i) => ({
    bin: i === WAIT_EDGES_S.length ? `≥ ${WAIT_EDGES_S.at(-1)} s` : `< ${WAIT_EDGES_S[i]} s`,
    batches,
  }));
}

