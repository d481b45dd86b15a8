/**
 * A mergeable quantile sketch: DDSketch (Masson, Rim, Lee, VLDB 2019) with a
 * logarithmic index mapping and sparse bins, in our own compact encoding so a
 * bucket document stores plain arrays (no protobuf in the Convex runtime).
 *
 * Every value v ≥ MIN_INDEXABLE lands in bin ⌈log_γ v⌉ with γ = (1+α)/(1−α);
 * answering a bin with 2γ^k/(γ+1) is within α of every value in it, so any
 * quantile is within α relative error of the exact one (α = 1 %). Merging is
 * adding counts per bin, so a week's p95 is the merge of its days.
 *
 * Size: durations from 1 ms to 30 days span ≈ 1,100 bins at most; real
 * traffic clusters into far fewer. Values below MIN_INDEXABLE (0 ms, a
 * rating of 0) are counted exactly in `zeroCount`.
 */
export const RELATIVE_ACCURACY = 0.01;
const GAMMA = (1 + RELATIVE_ACCURACY) / (1 - RELATIVE_ACCURACY);
const LOG_GAMMA = Math.log(GAMMA);
/** Below this a value is "zero": sub-millisecond durations carry no signal. */
const MIN_INDEXABLE = 1e-3;

/** Stored form: bins sorted by key. Compact and order-stable, so equal sketches serialize equally. */
export type SerializedSketch = { zeroCount: number; keys: number[]; counts: number[] };

export class Sketch {
  zeroCount = 0;
  private bins = new Map<number, number>();

  static from(serialized: SerializedSketch | undefined | null): Sketch {
    const sketch = new Sketch();
    if (!serialized) return sketch;
    if (serialized.keys.length !== serialized.counts.length) {
      throw new Error("Malformed sketch: keys and counts differ in length");
    }
    sketch.zeroCount = serialized.zeroCount;
    serialized.keys.forEach((key, i) => sketch.bins.set(key, serialized.counts[i]!));
    return sketch;
  }

  get count(): number {
    let total = this.zeroCount;
    for (const c of this.bins.values()) total += c;
    return total;
  }

  add(value: number, weight = 1): this {
    if (!Number.isFinite(value)) return this;
    if (value < MIN_INDEXABLE) this.zeroCount += weight;
    else {
      const key = Math.ceil(Math.log(value) / LOG_GAMMA);
      this.bins.set(key, (this.bins.get(key) ?? 0) + weight);
    }
    return this;
  }

  merge(other: Sketch | SerializedSketch): this {
    const o = other instanceof Sketch ? other : Sketch.from(other);
    this.zeroCount += o.zeroCount;
    for (const [key, c] of o.bins) this.bins.set(key, (this.bins.get(key) ?? 0) + c);
    return this;
  }

  /** The q-quantile (0 ≤ q ≤ 1), or null when empty. Lower rank convention: p50 of [1,2] is 1. */
  quantile(q: number): number | null {
    const total = this.count;
    if (total === 0) return null;
    const rank = Math.max(0, Math.min(1, q)) * (total - 1);
    let seen = this.zeroCount;
    if (rank < seen) return 0;
    for (const key of [...this.bins.keys()].sort((a, b) => a - b)) {
      seen += this.bins.get(key)!;
      if (rank < seen) return (2 * Math.pow(GAMMA, key)) / (GAMMA + 1);
    }
    return null; // unreachable: rank < total
  }

  /** Counts by representative value, ascending: a histogram for charts. */
  histogram(): { value: number; count: number }[] {
    const out = this.zeroCount > 0 ? [{ value: 0, count: this.zeroCount }] : [];
    for (const key of [...this.bins.keys()].sort((a, b) => a - b)) {
      out.push({ value: (2 * Math.pow(GAMMA, key)) / (GAMMA + 1), count: this.bins.get(key)! });
    }
    return out;
  }

  serialize(): SerializedSketch {
    const keys = [...this.bins.keys()].sort((a, b) => a - b);
    return { zeroCount: this.zeroCount, keys, counts: keys.map((k) => this.bins.get(k)!) };
  }
}

/** Exact quantile with the same rank convention, for tests and small raw tails. */
export function exactQuantile(values: number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(Math.max(0, Math.min(1, q)) * (sorted.length - 1))]!;
}
