/**
 * Contour lines with d3-contour. d3 treats sample (i, j) as the centre of the unit square [i, i+1] x [j, j+1],
 * which is exactly our cell-centred grid, so grid coordinates (u, v) map linearly onto the grid's data extent.
 *
 * d3 returns filled polygons; for lines we drop the vertices on the grid border and every vertex that
 * touches an undefined sample (non-finite values would otherwise be outlined as if they were
 * very low).
 */
import { contours } from "d3-contour";

export type Point = [number, number];

/** One contour level: open or closed polylines in grid coordinates (u along x, v along y, v = 0 at y0). */
export interface ContourLevel {
  value: number;
  lines: Polyline[];
}

export interface Polyline {
  points: Point[];
  closed: boolean;
}

/** Replace non-finite samples with a value below every threshold (their edges are removed later). */
function finiteCopy(values: Float32Array): { data: Float64Array; undefinedMask: Uint8Array | null } {
  let lowest = Infinity;
  let highest = -Infinity;
  for (let k = 0; k < values.length; k++) {
    const v = values[k]!;
    if (Number.isFinite(v)) {
      if (v < lowest) lowest = v;
      if (v > highest) highest = v;
    }
  }
  const sentinel = Number.isFinite(lowest) ? lowest - (highest - lowest) - 1 : 0;
  const data = new Float64Array(values.length);
  let mask: Uint8Array | null = null;
  for (let k = 0; k < values.length; k++) {
    const v = values[k]!;
    if (Number.isFinite(v)) {
      data[k] = v;
    } else {
      data[k] = sentinel;
      mask ??= new Uint8Array(values.length);
      mask[k] = 1;
    }
  }
  return { data, undefinedMask: mask };
}

/** Contour lines of an (ny, nx) grid at the given thresholds. */
export function contourLevels(values: Float32Array, nx: number, ny: number, thresholds: readonly number[]): ContourLevel[] {
  if (nx < 2 || ny < 2 || thresholds.length === 0) return [];
  const { data, undefinedMask } = finiteCopy(values);
  const generator = contours().size([nx, ny]);
  const touchesUndefined = undefinedMask ? makeUndefinedTest(undefinedMask, nx, ny) : () => false;
  return thresholds.map((value) => {
    const geometry = generator.contour(data as unknown as number[], value);
    const lines: Polyline[] = [];
    for (const polygon of geometry.coordinates) {
      for (const ring of polygon) lines.push(...splitRing(ring as Point[], nx, ny, touchesUndefined));
    }
    return { value, lines };
  });
}

/** Does the vertex (u, v) lie next to an undefined sample? Checks the up to four samples around it. */
function makeUndefinedTest(mask: Uint8Array, nx: number, ny: number): (p: Point) => boolean {
  return ([u, v]) => {
    const i0 = clampIndex(Math.floor(u - 0.5), nx);
    const i1 = clampIndex(Math.ceil(u - 0.5), nx);
    const j0 = clampIndex(Math.floor(v - 0.5), ny);
    const j1 = clampIndex(Math.ceil(v - 0.5), ny);
    return mask[j0 * nx + i0] === 1 || mask[j0 * nx + i1] === 1 || mask[j1 * nx + i0] === 1 || mask[j1 * nx + i1] === 1;
  };
}

function clampIndex(index: number, n: number): number {
  return index < 0 ? 0 : index >= n ? n - 1 : index;
}

/**
 * d3 pads the grid with -Infinity, so every polygon runs along (and cuts the corners of) the border at
 * u = 0, u = nx, v = 0, v = ny. No true contour vertex lies there: lines end half a cell inside, at the
 * last sample centres.
 */
function onBorder(p: Point, nx: number, ny: number): boolean {
  return p[0] === 0 || p[0] === nx || p[1] === 0 || p[1] === ny;
}

/** Split a closed ring into the runs of segments worth drawing. */
function splitRing(ring: Point[], nx: number, ny: number, touchesUndefined: (p: Point) => boolean): Polyline[] {
  const runs: Polyline[] = [];
  let current: Point[] = [];
  let dropped = false;
  const good = ring.map((p) => !onBorder(p, nx, ny) && !touchesUndefined(p));
  for (let k = 0; k + 1 < ring.length; k++) {
    const a = ring[k]!;
    const b = ring[k + 1]!;
    const keep = good[k]! && good[k + 1]!;
    if (keep) {
      if (current.length === 0) current.push(a);
      current.push(b);
    } else {
      dropped = true;
      if (current.length > 1) runs.push({ points: current, closed: false });
      current = [];
    }
  }
  if (current.length > 1) runs.push({ points: current, closed: false });
  if (!dropped && runs.length === 1) runs[0]!.closed = true;
  // A run that wraps past the ring's start is split in two: join it back.
  if (dropped && runs.length > 1) joinWrappedRun(runs, ring);
  return runs;
}

function joinWrappedRun(runs: Polyline[], ring: Point[]): void {
  const first = runs[0]!;
  const last = runs[runs.length - 1]!;
  const ringStart = ring[0]!;
  const lastEnd = last.points[last.points.length - 1]!;
  if (first.points[0] === ringStart && lastEnd === ring[ring.length - 1]) {
    runs[0] = { points: [...last.points, ...first.points.slice(1)], closed: false };
    runs.pop();
  }
}

/** SVG path data for a level, mapping grid coordinates to pixels with `toPixel`. */
export function levelPath(level: ContourLevel, toPixel: (u: number, v: number) => Point): string {
  const parts: string[] = [];
  for (const line of level.lines) {
    line.points.forEach(([u, v], k) => {
      const [px, py] = toPixel(u, v);
      parts.push(`${k === 0 ? "M" : "L"}${px.toFixed(1)},${py.toFixed(1)}`);
    });
    if (line.closed) parts.push("Z");
  }
  return parts.join("");
}

/** Grid coordinates -> pixels for a grid covering `xRange` x `yRange`, given data-to-pixel scales. */
export function gridToPixel(
  nx: number,
  ny: number,
  xRange: readonly [number, number],
  yRange: readonly [number, number],
  sx: (x: number) => number,
  sy: (y: number) => number,
): (u: number, v: number) => Point {
  const dx = (xRange[1] - xRange[0]) / nx;
  const dy = (yRange[1] - yRange[0]) / ny;
  return (u, v) => [sx(xRange[0] + u * dx), sy(yRange[0] + v * dy)];
}
