/**
 * Which model slot a conversation tries first. The concurrency bound
 * (`llmConcurrency`) is a fixed set of slot documents; each conversation
 * starts at its own slot so unrelated conversations read and write
 * different documents and never conflict (convex/model/slots.ts).
 */

/** FNV-1a over the key: stable across processes, spread evenly enough for a few dozen slots. */
export function preferredSlot(key: string, slots: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % slots;
}

/** The order a conversation tries slots in: its own first, then the next ones round the ring. */
export function slotProbeOrder(key: string, slots: number): number[] {
  const first = preferredSlot(key, slots);
  return Array.from({ length: slots }, (_, i) => (first + i) % slots);
}
