// Display helpers shared by the dashboard pages. Times are formatted in a
// stated zone (the operator's unless another is named) without seconds;
// queries never read the clock, the pages do (useNow).
import { ConvexError } from "convex/values";

const CHANNEL_LABELS: Record<string, string> = {
  telegram: "Telegram",
  messenger: "Messenger",
  instagram: "Instagram",
  whatsapp: "WhatsApp",
  web: "Web chat",
};

export function channelLabel(channel: string): string {
  return CHANNEL_LABELS[channel] ?? channel;
}

const FLUSH_REASON_LABELS: Record<string, string> = {
  timeout: "window ended",
  max_messages: "max messages",
  max_wait: "max wait",
  manual: "answer now",
  shutdown: "shutdown",
};

export function flushReasonLabel(reason: string): string {
  return FLUSH_REASON_LABELS[reason] ?? reason;
}

/** "850 ms", "4.0 s", "2 min 05 s", "4 h 00 min". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${String(seconds % 60).padStart(2, "0")} s`;
  const minutes = Math.round(seconds / 60);
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, "0")} min`;
}

/** The operator's zone: every absolute time on the pages is shown in it and says so. */
export function operatorTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** Whether a stored time is one a calendar can show (a 400-digit timestamp is not). */
export function isShowableTime(at: number): boolean {
  return Number.isFinite(at) && !Number.isNaN(new Date(at).getTime());
}

const clockFormats = new Map<string, Intl.DateTimeFormat>();
function clockFormat(timeZone: string | undefined, withDay: boolean): Intl.DateTimeFormat {
  const key = `${timeZone ?? ""}|${withDay}`;
  let format = clockFormats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(undefined, {
      timeZone,
      hour: "2-digit",
      minute: "2-digit",
      ...(withDay ? { month: "short", day: "numeric" } : {}),
    });
    clockFormats.set(key, format);
  }
  return format;
}

function sameDay(a: number, b: number, timeZone: string | undefined): boolean {
  const day = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" });
  return day.format(a) === day.format(b);
}

/**
 * Time of day for today, date and time otherwise; no seconds. In `timeZone`, else the operator's.
 * A stored time no calendar can show reads "unknown time".
 */
export function formatTime(at: number, timeZone?: string): string {
  if (!isShowableTime(at)) return "unknown time";
  return clockFormat(timeZone, !sameDay(at, Date.now(), timeZone)).format(at);
}

/** A short label for a zone: "Europe/Moscow" reads "Moscow". */
export function zoneLabel(timeZone: string): string {
  return (timeZone.split("/").at(-1) ?? timeZone).replace(/_/g, " ");
}

/** The time in a stated zone: "14:05 (Moscow)". */
export function formatTimeIn(at: number, timeZone: string): string {
  return `${formatTime(at, timeZone)} (${zoneLabel(timeZone)})`;
}

/** For lists: "now", "4 m", "3 h", "yesterday", "Nov 28". */
export function relativeTime(at: number, now: number): string {
  const ago = now - at;
  if (ago < 60_000) return "now";
  if (ago < 3_600_000) return `${Math.floor(ago / 60_000)} m`;
  if (sameDay(at, now, undefined)) return `${Math.floor(ago / 3_600_000)} h`;
  if (sameDay(at, now - 86_400_000, undefined)) return "yesterday";
  return new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric" }).format(at);
}

/** What a person should read from a failed Convex call: a ConvexError's message, else the error text. */
export function errorMessage(error: unknown): string {
  if (error instanceof ConvexError) {
    const data: unknown = error.data;
    if (typeof data === "object" && data !== null && "message" in data && typeof data.message === "string") {
      return data.message;
    }
    if (typeof data === "string") return data;
  }
  return error instanceof Error ? error.message : String(error);
}

/** A setting's duration as people say it: "45 s", "30 min", "4 h", "1 h 30 min". */
export function humanDuration(ms: number): string {
  if (ms < 60_000) return `${Math.round(ms / 1000)} s`;
  const minutes = Math.round(ms / 60_000);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest === 0 ? `${hours} h` : `${hours} h ${rest} min`;
}
