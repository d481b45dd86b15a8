/** Generated analytics traffic for the rollup tests and the bench: seeded, so failures reproduce. */
import type { AnalyticsEvent, EventType } from "../../lib/analytics/events";

export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    // mulberry32
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CHANNELS = ["telegram", "messenger", "whatsapp", "web"] as const;
const TYPES: EventType[] = ["message.received", "batch.flushed", "response.ai_generated", "response.staff_sent", "task.completed"];

/** `n` events spread over [from, to), with log-normal-ish durations (ms to minutes). */
export function generateEvents(n: number, from: number, to: number, seed = 1): AnalyticsEvent[] {
  const random = seededRandom(seed);
  const events: AnalyticsEvent[] = [];
  for (let i = 0; i < n; i++) {
    const type = TYPES[Math.floor(random() * TYPES.length)]!;
    const event: AnalyticsEvent = {
      type,
      at: Math.floor(from + random() * (to - from)),
      channel: CHANNELS[Math.floor(random() * CHANNELS.length)],
      conversationId: `c${Math.floor(random() * 200)}`,
    };
    if (type === "batch.flushed") {
      event.value = 1 + Math.floor(random() * 6);
      event.durationMs = Math.round(Math.exp(6 + random() * 5));
      event.kind = random() < 0.8 ? "timeout" : random() < 0.5 ? "max_wait" : "max_messages";
    } else if (type === "response.ai_generated" || type === "response.staff_sent") {
      event.durationMs = Math.round(Math.exp(7 + random() * 6));
      event.kind = random() < 0.2 ? "first" : "next";
      if (type === "response.staff_sent") event.staffId = `s${Math.floor(random() * 3)}`;
      else event.value = Math.round(500 + random() * 5000);
    } else if (type === "message.received") {
      event.value = Math.floor(random() * 300);
      if (random() < 0.5) event.intent = random() < 0.5 ? "order" : "lead";
    } else {
      event.kind = random() < 0.7 ? "followup:sent" : "followup:cancelled";
    }
    events.push(event);
  }
  return events.sort((a, b) => a.at - b.at);
}
