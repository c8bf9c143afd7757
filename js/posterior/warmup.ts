/**
 * The warm-up trail of a Posterior view: the newest warm-up steps of each chain, shown faded in the pair plot
 * while warm-up lasts, so a user sees the chains find the typical set from the first chunk on instead of an
 * empty plot. These are not posterior draws (step size and mass matrix are still adapting): they never
 * enter the DrawStore, the traces or the table, and the view drops them once real draws arrive.
 */

/** Steps kept per chain: enough to show the path, few enough to draw every frame. */
export const WARMUP_KEEP = 1000;

export class WarmupTrail {
  /** The run the steps belong to (-1 before any arrived). */
  run = -1;
  chains = 0;
  sites = 0;
  /** Steps held per chain (at most WARMUP_KEEP). */
  count = 0;
  /** The newest warm-up iteration seen (its index in the run's warm-up), -1 before any. */
  lastIteration = -1;
  /** Per chain: rows of `sites` values, oldest first. */
  values: Float32Array[] = [];

  /** Forget the steps of runs older than `run`. */
  reset(run: number): void {
    if (run <= this.run) return;
    this.run = run;
    this.chains = this.sites = this.count = 0;
    this.lastIteration = -1;
    this.values = [];
  }

  /**
   * Add warm-up steps `draws` of shape [chains, length, sites] (C order) starting at `iteration`. Steps of an
   * older run are dropped. Returns true when the trail changed.
   */
  append(run: number, iteration: number, draws: Float32Array, shape: readonly number[]): boolean {
    if (run < this.run || shape.length !== 3) return false;
    this.reset(run);
    const [chains, length, sites] = shape as [number, number, number];
    if (chains <= 0 || length <= 0 || sites <= 0 || draws.length < chains * length * sites) return false;
    if (this.count > 0 && (chains !== this.chains || sites !== this.sites)) return false;
    const keep = Math.min(WARMUP_KEEP, this.count + length);
    const next: Float32Array[] = [];
    for (let c = 0; c < chains; c++) {
      const rows = new Float32Array(keep * sites);
      const incoming = draws.subarray(c * length * sites, (c + 1) * length * sites);
      const fromOld = keep - Math.min(keep, length);
      if (fromOld > 0) rows.set(this.values[c]!.subarray((this.count - fromOld) * sites, this.count * sites));
      rows.set(incoming.subarray((length - (keep - fromOld)) * sites), fromOld * sites);
      next.push(rows);
    }
    this.values = next;
    this.chains = chains;
    this.sites = sites;
    this.count = keep;
    this.lastIteration = Math.max(this.lastIteration, iteration + length - 1);
    return true;
  }

  /** [min, max] of site `index` over the steps held (finite values only), or null. */
  extent(index: number): [number, number] | null {
    let low = Infinity;
    let high = -Infinity;
    for (const rows of this.values) {
      for (let k = index; k < this.count * this.sites; k += this.sites) {
        const v = rows[k]!;
        if (v < low) low = v;
        if (v > high) high = v;
      }
    }
    return low <= high ? [low, high] : null;
  }
}
