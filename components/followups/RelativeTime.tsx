import { useEffect, useState } from "react";
import { DAY, HOUR, MINUTE, SECOND } from "@/lib/time";
import { formatTime, isShowableTime } from "../format";

/** Relative times read in minutes, so a refresh this often keeps them right. */
const TICK_MS = 30 * SECOND;

/** The browser's clock, refreshed every `everyMs`: queries never read the clock, pages pass it in. */
export function useNow(everyMs = TICK_MS): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}

/** "in 2 h", "5 min ago", "in 3 d". */
export function formatRelative(at: number, now: number): string {
  const ms = at - now;
  const minutes = Math.round(Math.abs(ms) / MINUTE);
  if (minutes === 0) return ms >= 0 ? "in under a minute" : "just now";
  const hours = Math.round(Math.abs(ms) / HOUR);
  const span = minutes < 60 ? `${minutes} min` : hours < 48 ? `${hours} h` : `${Math.round(Math.abs(ms) / DAY)} d`;
  return ms >= 0 ? `in ${span}` : `${span} ago`;
}

/** The absolute time, with the relative one under it. */
export function RelativeTime({ at }: { at: number }) {
  const now = useNow();
  return (
    <time className="nowrap" dateTime={isShowableTime(at) ? new Date(at).toISOString() : undefined}>
      {formatTime(at)}
      <span className="muted relative-time">{formatRelative(at, now)}</span>
    </time>
  );
}
