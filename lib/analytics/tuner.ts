/**
 * The batching tuner: how long customers pause between messages, and what
 * other batching settings would have done to the same traffic.
 *
 * `replay` re-runs recorded inbound timestamps through lib/batching.ts's own
 * `flushPlan`, so a what-if uses exactly production's rules (window, max
 * wait, max messages). It leaves out what the recording cannot know: model
 * time (messages arriving while a reply is written join the next batch in
 * production; here they extend nothing) and takeovers.
 */
import { flushPlan, type BatchingPolicy } from "../batching";
import { SECOND, MINUTE } from "../time";
import { exactQuantile } from "./sketch";

/** One conversation's inbound message times, any order. */
export type InboundTrace = { conversationId: string; channel?: string; times: number[] };

export const GAP_EDGES_MS = [
  1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 15, 20, 30, 60, 120, 300,
].map((s) => s * SECOND);

/** Gaps between a conversation's consecutive messages, counted into [edge_{i−1}, edge_i) bins; the last bin is "longer". */
export function gapHistogram(traces: readonly InboundTrace[]): { upToMs: number | null; count: number }[] {
  const counts = new Array<number>(GAP_EDGES_MS.length + 1).fill(0);
  for (const trace of traces) {
    const times = [...trace.times].sort((a, b) => a - b);
    for (let i = 1; i < times.length; i++) {
      const gap = times[i]! - times[i - 1]!;
      const bin = GAP_EDGES_MS.findIndex((edge) => gap < edge);
      counts[bin === -1 ? GAP_EDGES_MS.length : bin] += 1;
    }
  }
  return counts.map((count, i) => ({ upToMs: GAP_EDGES_MS[i] ?? null, count }));
}

export type ReplayResult = {
  policy: BatchingPolicy;
  messages: number;
  /** Flushes, each one model call and one reply. */
  modelCalls: number;
  /** Mean messages answered per model call. */
  messagesPerCall: number;
  /** Model calls per natural burst (1 = every burst answered once). */
  repliesPerBurst: number;
  /** Share of multi-message natural bursts answered by a single reply. */
  mergedShare: number;
  /** The customer's last message → the flush: what waiting for the burst adds. */
  addedWaitP50Ms: number | null;
  addedWaitP95Ms: number | null;
};

/**
 * A natural burst: messages with pauses under `burstGapMs` (default 60 s,
 * longer than any window on offer, so a burst is what a person would call
 * "one go").
 */
export const DEFAULT_BURST_GAP_MS = MINUTE;

export function replay(traces: readonly InboundTrace[], policy: BatchingPolicy, burstGapMs = DEFAULT_BURST_GAP_MS): ReplayResult {
  let messages = 0;
  let modelCalls = 0;
  let naturalBursts = 0;
  let multiBursts = 0;
  let mergedMulti = 0;
  const addedWaits: number[] = [];

  for (const trace of traces) {
    const times = [...trace.times].sort((a, b) => a - b);
    messages += times.length;
    // Flush index of each message under the policy.
    const flushOf = new Array<number>(times.length);
    let first = 0;
    let flushes = 0;
    for (let i = 0; i < times.length; ) {
      first = times[i]!;
      let count = 1;
      let j = i + 1;
      for (; j < times.length; j++) {
        const plan = flushPlan({ firstPendingAt: first, lastPendingAt: times[j - 1]!, pendingCount: count }, policy);
        if (plan.reason === "max_messages" || times[j]! >= plan.at) break;
        count += 1;
      }
      const plan = flushPlan({ firstPendingAt: first, lastPendingAt: times[j - 1]!, pendingCount: count }, policy);
      addedWaits.push(plan.at - times[j - 1]!);
      for (let k = i; k < j; k++) flushOf[k] = flushes;
      flushes += 1;
      i = j;
    }
    modelCalls += flushes;

    for (let i = 0; i < times.length; ) {
      let j = i + 1;
      while (j < times.length && times[j]! - times[j - 1]! < burstGapMs) j++;
      naturalBursts += 1;
      if (j - i > 1) {
        multiBursts += 1;
        if (flushOf[i] === flushOf[j - 1]) mergedMulti += 1;
      }
      i = j;
    }
  }
  return {
    policy,
    messages,
    modelCalls,
    messagesPerCall: modelCalls ? messages / modelCalls : 0,
    repliesPerBurst: naturalBursts ? modelCalls / naturalBursts : 0,
    mergedShare: multiBursts ? mergedMulti / multiBursts : 1,
    addedWaitP50Ms: exactQuantile(addedWaits, 0.5),
    addedWaitP95Ms: exactQuantile(addedWaits, 0.95),
  };
}

/** The windows the tuner tries: 1–10 s. */
export const CANDIDATE_WINDOWS_MS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((s) => s * SECOND);

export type TunerCurve = {
  points: ReplayResult[];
  /** Smallest window whose merged share reaches the target; null when none does. */
  recommendedWindowMs: number | null;
  targetShare: number;
};

/** The trade-off curve over candidate windows, other limits held at the current policy. */
export function tunerCurve(
  traces: readonly InboundTrace[],
  current: BatchingPolicy,
  targetShare = 0.9,
  windows: readonly number[] = CANDIDATE_WINDOWS_MS,
): TunerCurve {
  const points = windows.map((windowMs) => replay(traces, { ...current, windowMs }));
  const hit = points.find((p) => p.mergedShare >= targetShare);
  return { points, recommendedWindowMs: hit ? hit.policy.windowMs : null, targetShare };
}
