// Display helpers shared by the dashboard pages. Times are formatted in the
// browser's zone; queries never read the clock.
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

const timeOfDay = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
const dayAndTime = new Intl.DateTimeFormat(undefined, {
  month: "short",
  day: "numeric",
  hour: "2-digit",
  minute: "2-digit",
});

/** Whether a stored time is one a calendar can show (a 400-digit timestamp is not). */
export function isShowableTime(at: number): boolean {
  return Number.isFinite(at) && !Number.isNaN(new Date(at).getTime());
}

/** Time of day for today, date and time otherwise; a stored time no calendar can show reads "unknown time". */
export function formatTime(at: number): string {
  if (!isShowableTime(at)) return "unknown time";
  const sameDay = new Date(at).toDateString() === new Date().toDateString();
  return sameDay ? timeOfDay.format(at) : dayAndTime.format(at);
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
