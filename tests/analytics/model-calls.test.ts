/**
 * Model calls and escalations are countable: each Claude attempt records a
 * `model.called` event whose kind is how it ended, each escalation a
 * `conversation.escalated` whose kind is its cause; both roll up under the
 * `kind` dimension and reach GET /api/metrics as labelled counters. The
 * real batch path, the real Anthropic SDK against a local fake.
 */
import { describe, expect, test } from "vitest";
import { metricsSnapshot } from "../../convex/analytics/metrics";
import { rollupPage } from "../../convex/model/analytics";
import type { EventType } from "../../lib/analytics/events";
import { metricFamilies } from "../../lib/analytics/metrics";
import { renderPrometheus } from "../../lib/analytics/prometheus";
import { HOUR } from "../../lib/time";
import { toolUse, overloaded, replyWith } from "../support/fakeAnthropic";
import { modelBackedSuite, newSession, say, settle, type Test } from "../convex/setup";

const suite = modelBackedSuite();

async function events(t: Test, type: EventType) {
  return (await t.run((ctx) => ctx.db.query("analyticsEvents").collect())).filter((e) => e.type === type);
}

/** The /api/metrics text, as the route renders it. */
async function scrape(t: Test) {
  const snapshot = await t.run((ctx) => metricsSnapshot(ctx, Date.now()));
  return renderPrometheus(metricFamilies(snapshot));
}

describe("model calls", () => {
  test("two failed attempts then a reply: three calls, two errors, one replied; counted the same before and after the rollup", async () => {
    const { t, anthropic } = suite;
    anthropic.script(overloaded, overloaded, replyWith("We ship everywhere."));
    const session = await newSession(t);
    await say(t, session, "Do you ship to Riga?");
    await settle(t);
    const calls = await events(t, "model.called");
    expect(calls.map((e) => [e.kind, e.metadata?.attempt, e.metadata?.retrying])).toEqual([
      ["error", 1, true],
      ["error", 2, true],
      ["replied", 3, undefined],
    ]);
    expect(calls[2]).toMatchObject({ channel: "web", metadata: { model: "claude-sonnet-4-6" } });
    expect(calls[2]!.value).toBeGreaterThanOrEqual(0);

    const expected = [
      'burstreply_model_calls_total{outcome="error"} 2',
      'burstreply_model_calls_total{outcome="replied"} 1',
      "burstreply_model_errors_total 2",
    ];
    const before = await scrape(t);
    for (const line of expected) expect(before).toContain(line);
    await t.run((ctx) => rollupPage(ctx, Date.now() + HOUR)); // now from the rows, not the raw tail
    const rows = await t.run((ctx) => ctx.db.query("analyticsRollups").collect());
    expect(rows.filter((r) => r.type === "model.called" && r.dimension === "kind" && r.granularity === "month").map((r) => [r.dimensionValue, r.stats.count]).sort()).toEqual([
      ["error", 2],
      ["replied", 1],
    ]);
    const after = await scrape(t);
    for (const line of expected) expect(after).toContain(line);
  });

  test("a customer writing while the model works: that call counts as superseded, the next one as replied", async () => {
    const { t, anthropic } = suite;
    const session = await newSession(t);
    anthropic.script({ ...replyWith("Hello!"), before: () => say(t, session, "and do you have size 10?") }, replyWith("Yes, size 10 too."));
    await say(t, session, "Hi");
    await settle(t);
    expect((await events(t, "model.called")).map((e) => e.kind)).toEqual(["superseded", "replied"]);
  });
});

describe("escalations by reason", () => {
  test("a model that keeps failing escalates with cause model_failed; the agent's handoff with cause agent", async () => {
    const { t, anthropic } = suite;
    anthropic.failAlways(overloaded);
    const first = await newSession(t);
    await say(t, first, "Anyone there?");
    await settle(t);
    anthropic.failAlways(null);
    expect((await events(t, "model.called")).map((e) => [e.kind, e.metadata?.retrying])).toEqual([
      ["error", true],
      ["error", true],
      ["error", true],
      ["error", false],
    ]);

    anthropic.script(toolUse("handoff_to_human", { reason: "wants a refund" }), replyWith("A colleague will reply shortly."));
    const second = await newSession(t);
    await say(t, second, "I want my money back");
    await settle(t);

    const escalated = await events(t, "conversation.escalated");
    expect(escalated.map((e) => [e.kind, e.metadata?.reason])).toEqual([
      ["model_failed", expect.stringMatching(/model failed 4 time/)],
      ["agent", "wants a refund"],
    ]);
    const text = await scrape(t);
    expect(text).toContain('burstreply_escalations_total{reason="model_failed"} 1');
    expect(text).toContain('burstreply_escalations_total{reason="agent"} 1');
    expect(text).toContain("burstreply_model_errors_total 4");
    // The handoff's tool loop (two requests) is one call, and it replied.
    expect(text).toContain('burstreply_model_calls_total{outcome="replied"} 1');
  });
});
