import { describe, expect, test } from "vitest";
import { parseRetryAfter, retryDelayMs } from "../../lib/backoff";
import { offlineReply } from "../../lib/offline";
import { timingSafeEqual } from "../../lib/secret";
import { DEFAULT_SETTINGS, resolveSettings, settingsSchema } from "../../lib/settings";
import { SECOND } from "../../lib/time";

describe("retry backoff", () => {
  test("doubles per attempt with up to 25 % jitter, capped", () => {
    expect(retryDelayMs(1, { random: () => 0 })).toBe(2 * SECOND);
    expect(retryDelayMs(3, { random: () => 0 })).toBe(8 * SECOND);
    expect(retryDelayMs(3, { random: () => 1 })).toBe(10 * SECOND);
    expect(retryDelayMs(20, { random: () => 0 })).toBe(60 * SECOND);
  });
  test("never retries earlier than retry-after", () => {
    expect(retryDelayMs(1, { retryAfterMs: 20 * SECOND, random: () => 0 })).toBe(20 * SECOND);
    expect(retryDelayMs(1, { retryAfterMs: 20 * SECOND, random: () => 0.5 })).toBe(22.5 * SECOND);
  });
  test("reads retry-after as seconds or as an HTTP date", () => {
    const now = Date.UTC(2026, 10, 21, 12, 0, 0);
    expect(parseRetryAfter("7", now)).toBe(7 * SECOND);
    expect(parseRetryAfter(new Date(now + 30 * SECOND).toUTCString(), now)).toBe(30 * SECOND);
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});

describe("secrets", () => {
  test("compare equal only when identical", () => {
    expect(timingSafeEqual("s3cret", "s3cret")).toBe(true);
    expect(timingSafeEqual("s3cret", "s3cres")).toBe(false);
    expect(timingSafeEqual("s3cret", "s3cret!")).toBe(false);
    expect(timingSafeEqual("", "x")).toBe(false);
  });
});

describe("settings", () => {
  test("the defaults are valid and match the documented batching contract", () => {
    expect(settingsSchema.parse(DEFAULT_SETTINGS)).toEqual(DEFAULT_SETTINGS);
    expect(DEFAULT_SETTINGS).toMatchObject({ batchWindowMs: 4000, maxBatchMessages: 10, maxBatchWaitMs: 30000, llmConcurrency: 4 });
  });
  test("stored values override defaults; unknown keys are ignored", () => {
    const { settings, problems } = resolveSettings({ batchWindowMs: 2500, retired: true, _id: "x" });
    expect(settings.batchWindowMs).toBe(2500);
    expect(problems).toEqual([]);
  });
});

describe("offline responder", () => {
  test("says it is offline and acknowledges each message", () => {
    expect(offlineReply(["Hey"])).toBe("Offline responder (no ANTHROPIC_API_KEY is set): I received your message:\n1. Hey");
  });
});
