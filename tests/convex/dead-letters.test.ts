import { ConvexError } from "convex/values";
import { describe, expect, test } from "vitest";
import { api } from "../../convex/_generated/api";
import { DAY } from "../../lib/time";
import { capEventJson, deadLetterOf, DEAD_LETTER_MAX_BYTES } from "../../lib/webhooks/deadLetters";
import { invalidEventReason } from "../../lib/webhooks/ingest";
import { asOwner, INGEST_SECRET, offlineSuite, settle, signedIn, telegramMessage, type Test } from "./setup";

const suite = offlineSuite();

/** As the route keeps it: the event, and the validator's own reason. */
function refused(event: Record<string, unknown>, receivedAt = Date.now()) {
  return deadLetterOf("telegram", event, `refused by Convex: ${invalidEventReason(event) ?? "refused inside ingest"}`, receivedAt);
}

async function keep(t: Test, letters: ReturnType<typeof refused>[]) {
  return await t.mutation(api.deadLetters.record, { secret: INGEST_SECRET, letters });
}

async function letters(t: Test) {
  return await t.run((ctx) => ctx.db.query("deadLetters").collect());
}

async function customerMessages(t: Test) {
  return (await t.run((ctx) => ctx.db.query("messages").collect())).filter((m) => m.direction === "in");
}

describe("dead letters", () => {
  test("a refused event is kept with its reason and shown on the Maintenance page; a redelivery is not kept twice", async () => {
    const { t } = suite;
    const bad = { ...telegramMessage({ messageId: 7 }), text: null };
    expect(await keep(t, [refused(bad)])).toEqual({ kept: 1 });
    expect(await keep(t, [refused(bad)])).toEqual({ kept: 0 });

    const page = await asOwner(t).query(api.deadLetters.overview, {});
    expect(page.count).toBe(1);
    expect(page.latest[0]).toMatchObject({ channel: "telegram", truncated: false, retries: 0 });
    expect(page.latest[0]!.reason).toMatch(/^refused by Convex: .*text/);
    expect(page.latest[0]!.preview).toContain('"externalId":"510001:7"');
    // Operators see the list too; only the owner retries or dismisses.
    const operator = await signedIn(t, "operator");
    expect((await operator.query(api.deadLetters.overview, {})).count).toBe(1);
    await expect(operator.mutation(api.deadLetters.dismiss, { id: page.latest[0]!._id })).rejects.toThrow(ConvexError);
  });

  test("the record call refuses a caller without the ingest secret", async () => {
    const { t } = suite;
    await expect(t.mutation(api.deadLetters.record, { secret: "guess", letters: [] })).rejects.toThrow(/Wrong ingest secret/);
  });

  test("retry stores an event that is valid now and removes the letter; the customer is answered", async () => {
    const { t } = suite;
    // Refused by an older deployment (say a field it did not know); this one takes it.
    const event = telegramMessage({ messageId: 8, text: "is it in stock?" });
    await keep(t, [deadLetterOf("telegram", event, "refused by Convex: ArgumentValidationError (old deployment)", Date.now())]);
    const [letter] = await letters(t);
    expect(await asOwner(t).action(api.deadLetters.retry, { id: letter!._id })).toEqual({ stored: true });
    expect(await letters(t)).toHaveLength(0);
    expect((await customerMessages(t)).map((m) => m.text)).toEqual(["is it in stock?"]);
    await settle(t);
    const replies = (await t.run((ctx) => ctx.db.query("messages").collect())).filter((m) => m.direction === "out");
    expect(replies).toHaveLength(1);
  });

  test("retry of an event still refused keeps the letter with the new reason", async () => {
    const { t } = suite;
    const bad = { ...telegramMessage({ messageId: 9 }), sentAt: "yesterday" };
    await keep(t, [deadLetterOf("telegram", bad, "an old reason", Date.now())]);
    const [letter] = await letters(t);
    const result = await asOwner(t).action(api.deadLetters.retry, { id: letter!._id });
    expect(result.stored).toBe(false);
    const [after] = await letters(t);
    expect(after!.reason).toMatch(/^refused by Convex: .*sentAt/);
    expect(after!.retries).toBe(1);
    expect(await customerMessages(t)).toHaveLength(0);
  });

  test("an event too big to keep whole is cut with a marker, under Convex's document limit, and is not re-submitted", async () => {
    const { t } = suite;
    const huge = { ...telegramMessage({ messageId: 10 }), text: "я".repeat(600_000), attachments: null };
    const letter = refused(huge);
    expect(letter.truncated).toBe(true);
    expect(new TextEncoder().encode(letter.eventJson).length).toBeLessThanOrEqual(DEAD_LETTER_MAX_BYTES);
    expect(letter.bytes).toBeGreaterThan(1_000_000);
    await keep(t, [letter]);
    const [kept] = await letters(t);
    expect(kept!.truncated).toBe(true);
    const result = await asOwner(t).action(api.deadLetters.retry, { id: kept!._id });
    expect(result).toMatchObject({ stored: false, reason: expect.stringMatching(/cut/) });
    expect(await customerMessages(t)).toHaveLength(0);
  });

  test("dismiss removes the letter", async () => {
    const { t } = suite;
    await keep(t, [refused({ ...telegramMessage({ messageId: 11 }), text: null })]);
    const [letter] = await letters(t);
    await asOwner(t).mutation(api.deadLetters.dismiss, { id: letter!._id });
    expect(await letters(t)).toHaveLength(0);
  });

  test("the cleanup run purges letters older than the setting's days and keeps newer ones", async () => {
    const { t } = suite;
    await asOwner(t).mutation(api.settings.update, { patch: { deadLetterRetentionDays: 10 } });
    const now = Date.now();
    await keep(t, [
      refused({ ...telegramMessage({ messageId: 12 }), text: null }, now - 11 * DAY),
      refused({ ...telegramMessage({ messageId: 13 }), text: null }, now - 9 * DAY),
    ]);
    await asOwner(t).mutation(api.lifecycle.maintenance.runNow, { kind: "cleanup" });
    await settle(t);
    expect((await letters(t)).map((l) => l.key)).toEqual(["telegram:message:510001:13"]);
  });

  test("the kept JSON is cut on a character boundary", () => {
    const cut = capEventJson(JSON.stringify({ text: "é".repeat(10) }), 12);
    expect(cut.truncated).toBe(true);
    expect(cut.eventJson).not.toContain("\uFFFD");
    expect(new TextEncoder().encode(cut.eventJson).length).toBeLessThanOrEqual(12);
  });
});
