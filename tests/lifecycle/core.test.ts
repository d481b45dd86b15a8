import { describe, expect, test } from "vitest";
import { gzipSync, strToU8 } from "fflate";
import { ArchiveCorruptError, decodeArchive, encodeArchive, type ArchivePayload } from "../../lib/lifecycle/archive";
import { deferredPatch, emptyIdMap, prepareRow, toArchivedRow } from "../../lib/lifecycle/remap";
import { archiveReason, autoResolveDue, retentionCutoff, type LifecycleSettings } from "../../lib/lifecycle/rules";
import { localDate, localSlotDue } from "../../lib/lifecycle/schedule";
import { metadataSchema, offlineMetadata, parseMetadata } from "../../lib/lifecycle/metadata";
import { DEFAULT_SETTINGS, settingsSchema } from "../../lib/settings";
import { DAY, HOUR } from "../../lib/time";

function payload(messages = 3): ArchivePayload {
  return {
    version: 1,
    conversationId: "conv1",
    cutoff: 1000,
    rows: {
      batches: [{ _id: "b1", _creationTime: 5, replyMessageId: "m2", outcome: "replied" }],
      meetings: [],
      scheduledActions: [{ _id: "s1", _creationTime: 6, batchId: "b1", messageId: "m2", note: "call back" }],
      messages: Array.from({ length: messages }, (_, i) => ({ _id: `m${i}`, _creationTime: 10 + i, text: `hello ${i} привет`, batchId: "b1" })),
    },
  };
}

describe("archive blob", () => {
  test("decodes to exactly what was encoded, with a manifest that describes it", async () => {
    const original = payload(50);
    const { bytes, manifest } = await encodeArchive(original);
    expect(manifest.counts).toEqual({ batches: 1, meetings: 0, scheduledActions: 1, messages: 50 });
    expect(manifest.compressedBytes).toBe(bytes.byteLength);
    expect(manifest.rawBytes).toBeGreaterThan(manifest.compressedBytes);
    expect(manifest.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(await decodeArchive(bytes, manifest)).toEqual(original);
  });

  test("a blob with one flipped byte is refused by its hash before it is inflated", async () => {
    const { bytes, manifest } = await encodeArchive(payload());
    const corrupt = bytes.slice();
    corrupt[corrupt.length >> 1] ^= 0xff;
    await expect(decodeArchive(corrupt, manifest)).rejects.toThrow(ArchiveCorruptError);
    await expect(decodeArchive(corrupt, manifest)).rejects.toThrow(/SHA-256 .* does not match/);
  });

  test("a blob whose hash matches but whose counts do not is refused too", async () => {
    const { bytes, manifest } = await encodeArchive(payload(3));
    await expect(decodeArchive(bytes, { ...manifest, counts: { ...manifest.counts, messages: 4 } })).rejects.toThrow(/holds 3 messages, the manifest says 4/);
  });

  test("gzip of something that is not an archive is refused with the reason", async () => {
    const bytes = gzipSync(strToU8(JSON.stringify({ version: 99 })));
    const { sha256Hex } = await import("../../lib/lifecycle/archive");
    const manifest = { sha256: await sha256Hex(bytes), counts: { batches: 0, meetings: 0, scheduledActions: 0, messages: 0 } };
    await expect(decodeArchive(bytes, manifest)).rejects.toThrow(/version 99 is not supported/);
  });
});

describe("id remapping", () => {
  test("references to restored rows follow the new ids; forward ones are patched after", () => {
    const ids = emptyIdMap();
    const p = payload(3);
    const batch = prepareRow("batches", p.rows.batches[0], ids);
    expect(batch.fields).toEqual({ outcome: "replied" });
    expect(batch.deferred).toEqual({ replyMessageId: "m2" });
    ids.batches.set("b1", "B1");
    const action = prepareRow("scheduledActions", p.rows.scheduledActions[0], ids);
    expect(action.fields).toEqual({ batchId: "B1", note: "call back" });
    ids.scheduledActions.set("s1", "S1");
    const message = prepareRow("messages", p.rows.messages[2], ids);
    expect(message).toMatchObject({ oldId: "m2", fields: { batchId: "B1", text: "hello 2 привет" } });
    ids.messages.set("m2", "M2");
    expect(deferredPatch("batches", batch.deferred, ids)).toEqual({ replyMessageId: "M2" });
    expect(deferredPatch("scheduledActions", action.deferred, ids)).toEqual({ messageId: "M2" });
  });

  test("values JSON cannot hold survive the round trip", () => {
    const row = toArchivedRow({ _id: "x", _creationTime: 1, n: NaN, big: 10n, neg: -0, text: "ok", gone: undefined });
    expect(Object.keys(row)).not.toContain("gone");
    const back = prepareRow("messages", JSON.parse(JSON.stringify(row)), emptyIdMap()).fields;
    expect(back.n).toBeNaN();
    expect(back.big).toBe(10n);
    expect(Object.is(back.neg, -0)).toBe(true);
  });
});

const settings: LifecycleSettings = {
  autoResolveAfterMs: 24 * HOUR,
  archiveAfterDays: 90,
  archiveInactiveAfterDays: 60,
  archiveResolvedQuietDays: 30,
  archiveRetentionDays: 365,
};
const now = Date.UTC(2026, 10, 30, 12);
const facts = { createdAt: now - DAY, lastMessageAt: now - HOUR, status: "open" as const, archived: false, busy: false };

describe("archive and resolve rules", () => {
  test("inactivity, resolved-and-quiet and age each qualify on their own", () => {
    expect(archiveReason(facts, now, settings)).toBeNull();
    expect(archiveReason({ ...facts, lastMessageAt: now - 61 * DAY }, now, settings)).toBe("inactivity");
    expect(archiveReason({ ...facts, lastMessageAt: now - 59 * DAY }, now, settings)).toBeNull();
    expect(archiveReason({ ...facts, status: "resolved", resolvedAt: now - 31 * DAY, lastMessageAt: now - 40 * DAY }, now, settings)).toBe("resolved_quiet");
    expect(archiveReason({ ...facts, status: "resolved", resolvedAt: now - 29 * DAY, lastMessageAt: now - 40 * DAY }, now, settings)).toBeNull();
    expect(archiveReason({ ...facts, createdAt: now - 91 * DAY }, now, settings)).toBe("age");
  });

  test("a busy or already archived conversation is never archived, and 0 turns a rule off", () => {
    const old = { ...facts, createdAt: now - 400 * DAY, lastMessageAt: now - 400 * DAY };
    expect(archiveReason({ ...old, busy: true }, now, settings)).toBeNull();
    expect(archiveReason({ ...old, archived: true }, now, settings)).toBeNull();
    expect(archiveReason(old, now, { ...settings, archiveInactiveAfterDays: 0, archiveAfterDays: 0 })).toBeNull();
  });

  test("auto-resolve waits for the full quiet time and leaves busy conversations alone", () => {
    expect(autoResolveDue({ ...facts, lastMessageAt: now - 24 * HOUR + 1 }, now, settings)).toBe(false);
    expect(autoResolveDue({ ...facts, lastMessageAt: now - 24 * HOUR }, now, settings)).toBe(true);
    expect(autoResolveDue({ ...facts, lastMessageAt: now - 48 * HOUR, busy: true }, now, settings)).toBe(false);
    expect(autoResolveDue({ ...facts, lastMessageAt: now - 48 * HOUR }, now, { autoResolveAfterMs: 0 })).toBe(false);
  });

  test("retention cut-off is a year back by default and absent when off", () => {
    expect(retentionCutoff(now, settings)).toBe(now - 365 * DAY);
    expect(retentionCutoff(now, { archiveRetentionDays: 0 })).toBeNull();
  });
});

describe("local-time slots", () => {
  const zone = "America/New_York";
  test("02:00 in New York is 07:00 UTC in winter; the slot runs once that local day", () => {
    const at0600 = Date.UTC(2026, 11, 1, 6, 30); // 01:30 local
    const at0700 = Date.UTC(2026, 11, 1, 7, 30); // 02:30 local
    expect(localSlotDue(at0600, zone, { hour: 2 }, null)).toBe(false);
    expect(localSlotDue(at0700, zone, { hour: 2 }, "2026-11-30")).toBe(true);
    expect(localSlotDue(at0700, zone, { hour: 2 }, localDate(at0700, zone))).toBe(false);
  });

  test("a spring-forward night with no 02:00 still runs, in the next hour", () => {
    // 2026-03-08: New York jumps from 01:59 to 03:00.
    const at0300local = Date.UTC(2026, 2, 8, 7, 5);
    expect(localSlotDue(at0300local, zone, { hour: 2 }, "2026-03-07")).toBe(true);
  });

  test("a weekly slot only runs on its weekday", () => {
    const sunday = Date.UTC(2026, 10, 29, 9, 30); // 04:30 Sunday in New York
    const monday = Date.UTC(2026, 10, 30, 9, 30);
    expect(localSlotDue(sunday, zone, { hour: 4, weekday: 0 }, null)).toBe(true);
    expect(localSlotDue(monday, zone, { hour: 4, weekday: 0 }, null)).toBe(false);
  });
});

describe("conversation metadata", () => {
  test("the model's answer is checked against the built-in and the business's categories", () => {
    const answer = { sentiment: "positive", category: "returns", tags: ["Shoes", "shoes", "refund"], summary: "Asked to return shoes. Was happy with the answer.", language: "en" };
    expect(parseMetadata(answer).ok).toBe(false);
    const parsed = parseMetadata(answer, ["returns"]);
    expect(parsed).toEqual({ ok: true, value: { ...answer, tags: ["shoes", "refund"] } });
  });

  test("a summary of four sentences, an unknown field or a bad sentiment is refused with the reason", () => {
    const base = { sentiment: "neutral", category: "general", tags: [], summary: "One.", language: "en" };
    expect(parseMetadata({ ...base, summary: "One. Two. Three. Four." })).toMatchObject({ ok: false, error: expect.stringContaining("1–3 sentences") });
    expect(parseMetadata({ ...base, mood: "x" })).toMatchObject({ ok: false });
    expect(parseMetadata({ ...base, sentiment: "angry" })).toMatchObject({ ok: false, error: expect.stringContaining("sentiment") });
  });

  test("offline labels are deterministic and valid under the same schema", () => {
    const lines = [
      { author: "customer" as const, text: "Hi! The shoes arrived broken. I want a refund?" },
      { author: "agent" as const, text: "Sorry to hear that" },
      { author: "customer" as const, text: "Thanks, the shoes replacement works" },
    ];
    const first = offlineMetadata(lines);
    expect(offlineMetadata(lines)).toEqual(first);
    expect(first).toMatchObject({ sentiment: "mixed", category: "complaint", language: "en" });
    expect(first.tags[0]).toBe("shoes");
    expect(metadataSchema().safeParse(first).success).toBe(true);
    expect(offlineMetadata([{ author: "customer", text: "Сколько стоит доставка?" }])).toMatchObject({ language: "ru", category: "inquiry" });
  });
});

test("the lifecycle defaults are valid settings", () => {
  expect(settingsSchema.safeParse(DEFAULT_SETTINGS).success).toBe(true);
  expect(DEFAULT_SETTINGS).toMatchObject({ autoResolveAfterMs: 24 * HOUR, archiveAfterDays: 90, archiveInactiveAfterDays: 60, archiveRetentionDays: 365 });
});
