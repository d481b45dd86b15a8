/**
 * Shared by the reliability suites: the size they run at, a seeded random
 * source (a failure must be reproducible), and what the backend stored.
 *
 * CI runs them small enough to finish in well under a minute each on a
 * shared 2-core box; `npm run bench:reliability` runs the sizes the issue
 * names (RELIABILITY_SCALE=full).
 */
import type { Doc } from "../../convex/_generated/dataModel";
import type { Test } from "../convex/setup";

export const FULL = process.env.RELIABILITY_SCALE === "full";

/** The CI size or the full size of a dimension. */
export function size(ci: number, full: number): number {
  return FULL ? full : ci;
}

/** Per test: generous at CI size, and room for the full sizes on a shared 2-core box. */
export const SUITE_TIMEOUT_MS = FULL ? 900_000 : 120_000;

/** mulberry32: small, fast, and the same sequence for the same seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function shuffle<T>(items: T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

export async function allMessages(t: Test): Promise<Doc<"messages">[]> {
  return await t.run((ctx) => ctx.db.query("messages").collect());
}

export async function allBatches(t: Test): Promise<Doc<"batches">[]> {
  return await t.run((ctx) => ctx.db.query("batches").collect());
}

export async function allConversations(t: Test): Promise<Doc<"conversations">[]> {
  return await t.run((ctx) => ctx.db.query("conversations").collect());
}

/** Groups by a key, for "per chat" assertions. */
export function countBy<T>(items: T[], key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}
