/**
 * What one animation frame of a Posterior view draws from: the pair shown, the stream of draws, the pair
 * domain (grown to hold the draws, the density and the reference), and the theme's colours.
 */
import type { CanvasTheme } from "../lib/theme";
import type { PairDensity } from "./density";
import { padded, union } from "./draws";
import type { Range } from "./marks";
import type { DrawStream } from "./stream";

export interface Frame {
  sites: readonly string[];
  /** The pair's site indices (-1 for a site not in `sites`). */
  ix: number;
  iy: number;
  stream: DrawStream;
  domain: PairDomain;
  /** The reference value of the site at this index, or null. */
  reference(index: number): number | null;
  /** The density under the pair, if there is one for these sites. */
  dense: PairDensity | null;
  /** Draws per chain the traces' x axis spans. */
  samples: number;
  theme: CanvasTheme;
  background: string;
}

/** The pair plot's domain: grows with the draws, starts afresh on a new run or pair (traces share it). */
export class PairDomain {
  x: Range | null = null;
  y: Range | null = null;
  private key = "";

  /** Start afresh on the next update (the density changed: its range becomes part of the domain). */
  forget(): void {
    this.key = "";
  }

  update(stream: DrawStream, ix: number, iy: number, dense: PairDensity | null, reference: [number | null, number | null]): void {
    // Warm-up wanders wider than the posterior: the first draws start a fresh domain.
    const warm = stream.showingWarmup;
    const key = `${stream.store.run}|${ix}|${iy}|${warm ? "warm-up" : "draws"}`;
    if (this.key !== key) {
      this.key = key;
      this.x = this.y = null;
    }
    const densityX = dense ? (dense.transposed ? dense.density.yRange : dense.density.xRange) : null;
    const densityY = dense ? (dense.transposed ? dense.density.xRange : dense.density.yRange) : null;
    const [refX, refY] = reference;
    const dataX = union(stream.extent(ix), refX === null ? null : [refX, refX]);
    const dataY = union(stream.extent(iy), refY === null ? null : [refY, refY]);
    this.x = grow(this.x, dataX, densityX);
    this.y = grow(this.y, dataY, densityY);
  }
}

function grow(current: Range | null, data: Range | null, density: Range | null): Range | null {
  const wanted = union(density, data ? padded(data) : null);
  if (!wanted) return current;
  if (current && wanted[0] >= current[0] && wanted[1] <= current[1]) return current;
  // Grow with some slack, so a slowly widening cloud does not rescale every frame.
  const next = union(current, wanted)!;
  return current ? padded(next, 0.05) : next;
}
