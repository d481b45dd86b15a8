import { describe, expect, test } from "vitest";
import { flushPlan } from "../../lib/batching";
import { gapHistogram, replay, tunerCurve, type InboundTrace } from "../../lib/analytics/tuner";
import { SECOND } from "../../lib/time";

const policy = { windowMs: 4 * SECOND, maxWaitMs: 30 * SECOND, maxMessages: 10 };
const at = (...seconds: number[]) => seconds.map((s) => 1_000_000 + s * SECOND);

describe("batching tuner", () => {
  test("gaps between a contact's consecutive messages land in their bins, out-of-order input included", () => {
    const hist = gapHistogram([{ conversationId: "a", times: at(3, 0, 2.5, 100) }, { conversationId: "b", times: at(0) }]);
    const byEdge = new Map(hist.map((h) => [h.upToMs, h.count]));
    expect(byEdge.get(1 * SECOND)).toBe(1); // 2.5 → 3: 0.5 s
    expect(byEdge.get(3 * SECOND)).toBe(1); // 0 → 2.5
    expect(byEdge.get(120 * SECOND)).toBe(1); // 3 → 100: 97 s
    expect(hist.reduce((a, h) => a + h.count, 0)).toBe(3);
  });

  test("three messages two seconds apart are one model call under a 4 s window and three under 1 s", () => {
    const traces: InboundTrace[] = [{ conversationId: "a", times: at(0, 2, 4) }];
    const wide = replay(traces, policy);
    expect(wide.modelCalls).toBe(1);
    expect(wide.mergedShare).toBe(1);
    expect(wide.addedWaitP50Ms).toBe(4 * SECOND);
    const narrow = replay(traces, { ...policy, windowMs: SECOND });
    expect(narrow.modelCalls).toBe(3);
    expect(narrow.mergedShare).toBe(0);
    expect(narrow.repliesPerBurst).toBe(3);
  });

  test("max messages and max wait cut a burst the way production does", () => {
    const steady = at(...Array.from({ length: 25 }, (_, i) => i * 2));
    const capped = replay([{ conversationId: "a", times: steady }], { ...policy, maxMessages: 10 });
    expect(capped.modelCalls).toBe(3); // 10 + 10 + 5
    const waited = replay([{ conversationId: "a", times: steady }], { ...policy, maxMessages: 100, maxWaitMs: 10 * SECOND });
    // Every flush is at first + 10 s, i.e. 0 s after the 6th message (at +10 s, not yet in: 10 ≥ 10).
    const plan = flushPlan({ firstPendingAt: steady[0]!, lastPendingAt: steady[4]!, pendingCount: 5 }, { ...policy, maxWaitMs: 10 * SECOND, maxMessages: 100 });
    expect(plan.reason).toBe("max_wait");
    expect(waited.modelCalls).toBe(5);
    expect(waited.addedWaitP95Ms).toBe(2 * SECOND);
  });

  test("the recommended window is the smallest that merges the target share of bursts", () => {
    // 10 conversations; gaps of 1.5 s in 8 of them, 6.5 s in 2.
    const traces = Array.from({ length: 10 }, (_, i) => ({ conversationId: `c${i}`, times: at(0, i < 8 ? 1.5 : 6.5) }));
    const curve = tunerCurve(traces, policy, 0.8);
    expect(curve.recommendedWindowMs).toBe(2 * SECOND);
    expect(tunerCurve(traces, policy, 0.9).recommendedWindowMs).toBe(7 * SECOND);
    // More waiting never costs more model calls.
    const calls = curve.points.map((p) => p.modelCalls);
    expect([...calls].sort((a, b) => b - a)).toEqual(calls);
  });

  test("no traffic gives an empty curve without a crash", () => {
    const curve = tunerCurve([], policy);
    expect(curve.points[0]!.modelCalls).toBe(0);
    expect(curve.points[0]!.addedWaitP50Ms).toBeNull();
  });
});
