/**
 * From a number on /analytics to the conversations behind it: the one
 * filter concept the inbox adds for analytics. A link names an event type,
 * a time range and optionally one dimension value (kind, channel,
 * operator, intent) and a range of the event's measures; the inbox lists
 * the conversations that have a matching event (convex/dashboard.ts
 * `eventConversations`, through `analyticsEvents.by_type_and_at`). Raw
 * events are kept `analyticsRawRetentionDays` (90), so older ranges list nothing.
 * Pure: the page builds the URL, the inbox parses it, the query matches.
 */
import { vChannel, type Channel } from "../../convex/validators";
import { EVENT_TYPES, type AnalyticsEvent, type EventType } from "./events";

const CHANNEL_VALUES: readonly string[] = vChannel.members.map((m) => m.value);

export type EventFilter = {
  event: EventType;
  /** [from, to) in ms. */
  from: number;
  to: number;
  kind?: string;
  channel?: Channel;
  /** The operator's user id (`staffId`). */
  staff?: string;
  intent?: string;
  /** `value` within [min, max] (a rating, a size). */
  min?: number;
  max?: number;
  /** `durationMs` at least this (a slow reply). */
  minMs?: number;
};

/** The URL of the conversations list showing the conversations behind `filter`; `label` is what the list says it shows. */
export function conversationsHref(filter: EventFilter, label?: string): string {
  const params = new URLSearchParams();
  params.set("event", filter.event);
  params.set("from", String(Math.floor(filter.from)));
  params.set("to", String(Math.ceil(filter.to)));
  for (const key of ["kind", "channel", "staff", "intent", "min", "max", "minMs"] as const) {
    const value = filter[key];
    if (value !== undefined) params.set(key, String(value));
  }
  if (label) params.set("label", label);
  return `/conversations?${params.toString()}`;
}

/** The filter in a conversations URL, or null when the URL has none (or a malformed one: the ordinary inbox shows). */
export function parseEventFilter(params: URLSearchParams): (EventFilter & { label?: string }) | null {
  const event = params.get("event");
  if (!event || !(EVENT_TYPES as readonly string[]).includes(event)) return null;
  const number = (key: string) => {
    const raw = params.get(key);
    if (raw === null || raw.trim() === "") return undefined;
    const n = Number(raw);
    return Number.isFinite(n) ? n : NaN;
  };
  const from = number("from");
  const to = number("to");
  if (from === undefined || to === undefined || Number.isNaN(from) || Number.isNaN(to) || to <= from) return null;
  const channel = params.get("channel") ?? undefined;
  if (channel !== undefined && !CHANNEL_VALUES.includes(channel)) return null;
  const filter: EventFilter & { label?: string } = { event: event as EventType, from, to };
  if (channel) filter.channel = channel as Channel;
  for (const key of ["kind", "staff", "intent", "label"] as const) {
    const value = params.get(key);
    if (value) filter[key] = value.slice(0, 200);
  }
  for (const key of ["min", "max", "minMs"] as const) {
    const value = number(key);
    if (Number.isNaN(value)) return null;
    if (value !== undefined) filter[key] = value;
  }
  return filter;
}

/** Whether an event of the filter's type (and range) matches its dimension and measure conditions. */
export function eventMatches(e: Pick<AnalyticsEvent, "kind" | "channel" | "staffId" | "intent" | "value" | "durationMs">, f: Omit<EventFilter, "event" | "from" | "to">): boolean {
  if (f.kind !== undefined && e.kind !== f.kind) return false;
  if (f.channel !== undefined && e.channel !== f.channel) return false;
  if (f.staff !== undefined && e.staffId !== f.staff) return false;
  if (f.intent !== undefined && e.intent !== f.intent) return false;
  if (f.min !== undefined && (e.value === undefined || e.value < f.min)) return false;
  if (f.max !== undefined && (e.value === undefined || e.value > f.max)) return false;
  if (f.minMs !== undefined && (e.durationMs === undefined || e.durationMs < f.minMs)) return false;
  return true;
}

/** What the list says it shows when the link gave no label. */
export function describeEventFilter(f: EventFilter): string {
  const parts: string[] = [f.event];
  if (f.kind) parts.push(f.kind);
  if (f.channel) parts.push(f.channel);
  if (f.intent) parts.push(`intent ${f.intent}`);
  if (f.min !== undefined && f.max !== undefined) parts.push(f.min === f.max ? `= ${f.min}` : `${f.min}–${f.max}`);
  else if (f.min !== undefined) parts.push(`≥ ${f.min}`);
  else if (f.max !== undefined) parts.push(`≤ ${f.max}`);
  if (f.minMs !== undefined) parts.push(`≥ ${Math.round(f.minMs / 100) / 10} s`);
  return parts.join(" · ");
}
