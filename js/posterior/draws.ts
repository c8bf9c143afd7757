/**
 * The draws of a Posterior view: per chain, one growing Float32Array of rows (n_sites values per draw) and
 * one Uint8Array of divergence flags. Messages only append (or overwrite) the rows they carry, so keeping
 * thousands of draws costs nothing per message beyond the new rows; buffers double when full.
 *
 * Runs: a `reset` for run r clears everything of older runs; draws whose run is older than the newest run
 * seen are dropped. Draws that would leave a gap (they start past the rows held, e.g. while the replay reply
 * for a freshly rendered view is still on its way) are kept aside and applied once the gap is filled.
 */

export interface DrawBlock {
  run: number;
  /** Draw index of the block's first row. */
  offset: number;
  /** [chains, count, n_sites], C order. */
  draws: Float32Array;
  /** [chains, count] (0 or 1); may be empty when not sent. */
  diverging: Int32Array | Float32Array | Uint8Array | null;
  chains: number;
  count: number;
  sites: number;
}

const INITIAL_CAPACITY = 256;
/** Blocks kept aside waiting for a gap to be filled, at most. */
const MAX_ASIDE = 256;

export class DrawStore {
  /** The run whose draws are held (-1 before anything arrived). */
  run = -1;
  /** Draws per chain held, contiguous from index 0. */
  total = 0;
  chains = 0;
  sites = 0;
  /** Per chain: rows of `sites` values, capacity rows long. */
  values: Float32Array[] = [];
  diverging: Uint8Array[] = [];
  /** Increased on every change, so drawing code can tell whether anything is new. */
  version = 0;
  private capacity = 0;
  private aside: DrawBlock[] = [];

  /** A new run started: forget older runs. Returns false when the reset itself is older than what is held. */
  reset(run: number): boolean {
    if (run < this.run) return false;
    // A duplicate reset of the current run keeps its draws (draws of the run may have come first).
    if (run > this.run) this.clear(run);
    return true;
  }

  /**
   * Add a block of draws. Returns true when the rows held changed. Blocks of older runs are dropped; a block
   * of a newer run than held starts that run (its reset may have been missed).
   */
  append(block: DrawBlock): boolean {
    if (block.run < this.run) return false;
    if (block.run > this.run) this.clear(block.run);
    if (block.chains <= 0 || block.sites <= 0) return false;
    if (this.chains === 0 || this.sites === 0) this.shapeFor(block.chains, block.sites);
    if (block.chains !== this.chains || block.sites !== this.sites) {
      // A different shape means a different model layout: start over with this block.
      this.clear(block.run);
      this.shapeFor(block.chains, block.sites);
    }
    if (block.offset > this.total) {
      this.aside.push(block);
      if (this.aside.length > MAX_ASIDE) this.aside.shift();
      return false;
    }
    this.write(block);
    this.drainAside();
    return true;
  }

  /** Replace everything with a replay (all draws of `block.run` so far), then apply blocks kept aside. */
  replace(block: DrawBlock): boolean {
    if (block.run < this.run) return false;
    const keep = this.aside.filter((b) => b.run === block.run);
    const held = block.run === this.run ? this.snapshotBlock() : null;
    this.clear(block.run);
    if (block.chains > 0 && block.sites > 0) {
      this.shapeFor(block.chains, block.sites);
      this.write(block);
    }
    // Rows that arrived here before the replay and reach beyond it stay (the replay may be older).
    if (held && held.count > this.total && held.chains === this.chains && held.sites === this.sites) this.write(held);
    this.aside = keep;
    this.drainAside();
    this.version += 1;
    return true;
  }

  /** Value of `site` for draw `i` of `chain`. */
  at(chain: number, i: number, site: number): number {
    return this.values[chain]![i * this.sites + site]!;
  }

  isDivergent(chain: number, i: number): boolean {
    return this.diverging[chain]![i] === 1;
  }

  /** Finite min and max of one site over all chains (null when nothing finite). */
  extent(site: number): [number, number] | null {
    let lo = Infinity;
    let hi = -Infinity;
    for (let c = 0; c < this.chains; c++) {
      const rows = this.values[c]!;
      for (let i = 0, k = site; i < this.total; i++, k += this.sites) {
        const v = rows[k]!;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    }
    return lo <= hi && Number.isFinite(lo) && Number.isFinite(hi) ? [lo, hi] : null;
  }

  private clear(run: number): void {
    this.run = run;
    this.total = 0;
    this.aside = this.aside.filter((b) => b.run === run);
    this.version += 1;
  }

  private shapeFor(chains: number, sites: number): void {
    this.chains = chains;
    this.sites = sites;
    this.capacity = INITIAL_CAPACITY;
    this.values = Array.from({ length: chains }, () => new Float32Array(INITIAL_CAPACITY * sites));
    this.diverging = Array.from({ length: chains }, () => new Uint8Array(INITIAL_CAPACITY));
    this.total = 0;
  }

  private ensureCapacity(rows: number): void {
    if (rows <= this.capacity) return;
    let capacity = this.capacity || INITIAL_CAPACITY;
    while (capacity < rows) capacity *= 2;
    this.values = this.values.map((old) => {
      const grown = new Float32Array(capacity * this.sites);
      grown.set(old.subarray(0, this.total * this.sites));
      return grown;
    });
    this.diverging = this.diverging.map((old) => {
      const grown = new Uint8Array(capacity);
      grown.set(old.subarray(0, this.total));
      return grown;
    });
    this.capacity = capacity;
  }

  private write(block: DrawBlock): void {
    const end = block.offset + block.count;
    this.ensureCapacity(end);
    const { sites, count } = block;
    const flags = block.diverging && block.diverging.length >= block.chains * count ? block.diverging : null;
    for (let c = 0; c < this.chains; c++) {
      const from = c * count * sites;
      this.values[c]!.set(block.draws.subarray(from, from + count * sites), block.offset * sites);
      const div = this.diverging[c]!;
      for (let i = 0; i < count; i++) div[block.offset + i] = flags?.[c * count + i] ? 1 : 0;
    }
    if (end > this.total) this.total = end;
    this.version += 1;
  }

  private drainAside(): void {
    let progressed = true;
    while (progressed && this.aside.length > 0) {
      progressed = false;
      for (let k = 0; k < this.aside.length; k++) {
        const block = this.aside[k]!;
        if (block.run !== this.run) {
          this.aside.splice(k--, 1);
          continue;
        }
        if (block.offset <= this.total) {
          this.aside.splice(k--, 1);
          if (block.chains === this.chains && block.sites === this.sites) this.write(block);
          progressed = true;
        }
      }
    }
  }

  /** The rows held as one block (copied), to re-apply over a replay. */
  private snapshotBlock(): DrawBlock | null {
    if (this.total === 0) return null;
    const draws = new Float32Array(this.chains * this.total * this.sites);
    const diverging = new Uint8Array(this.chains * this.total);
    for (let c = 0; c < this.chains; c++) {
      draws.set(this.values[c]!.subarray(0, this.total * this.sites), c * this.total * this.sites);
      diverging.set(this.diverging[c]!.subarray(0, this.total), c * this.total);
    }
    return { run: this.run, offset: 0, draws, diverging, chains: this.chains, count: this.total, sites: this.sites };
  }
}

/** Equal-width bins over [lo, hi]: counts per bin (values outside are ignored). */
export function histogram(
  values: ArrayLike<number>,
  lo: number,
  hi: number,
  bins: number,
  stride = 1,
  start = 0,
  count = -1,
): Float64Array {
  const out = new Float64Array(bins);
  if (!(hi > lo) || bins <= 0) return out;
  const n = count < 0 ? Math.floor((values.length - start + stride - 1) / stride) : count;
  const scale = bins / (hi - lo);
  for (let i = 0, k = start; i < n; i++, k += stride) {
    const v = values[k]!;
    if (!(v >= lo && v <= hi)) continue;
    const b = Math.min(bins - 1, Math.floor((v - lo) * scale));
    out[b]! += 1;
  }
  return out;
}

/** [lo, hi] padded by `fraction` of the span (or by 0.5 around a single value). */
export function padded(range: readonly [number, number], fraction = 0.06): [number, number] {
  const [lo, hi] = range;
  const span = hi - lo;
  if (!(span > 0)) {
    const pad = Math.max(Math.abs(lo) * 0.1, 0.5);
    return [lo - pad, hi + pad];
  }
  return [lo - span * fraction, hi + span * fraction];
}

/** The union of two ranges (either may be null). */
export function union(a: readonly [number, number] | null, b: readonly [number, number] | null): [number, number] | null {
  if (!a) return b ? [b[0], b[1]] : null;
  if (!b) return [a[0], a[1]];
  return [Math.min(a[0], b[0]), Math.max(a[1], b[1])];
}

/** Data points the predictive panel draws at most: every k-th point above that (the spread stays). */
export const MAX_DATA_DOTS = 2000;

export interface PredictiveStyle {
  /** Draw data point 0, stride, 2 * stride, ... */
  stride: number;
  dotRadius: number;
  dotAlpha: number;
  curveAlpha: number;
}

/**
 * How the predictive panel shows `points` data points under `curves` posterior curves so that the curves stay
 * visible: the data beneath, thinned to at most MAX_DATA_DOTS small faint dots (20,000 opaque dots hid every
 * curve), and each curve strong enough to read on its own however many are drawn.
 */
export function predictiveStyle(points: number, curves: number): PredictiveStyle {
  const stride = Math.max(1, Math.ceil(points / MAX_DATA_DOTS));
  const shown = Math.ceil(points / stride);
  const crowded = shown > 400;
  return {
    stride,
    dotRadius: crowded ? 1.4 : 2.5,
    dotAlpha: crowded ? 0.25 : 0.5,
    curveAlpha: Math.max(0.35, Math.min(0.8, 10 / Math.max(1, curves))),
  };
}
