/** Small numerical helpers for the probe: symmetric 2x2 eigen-decomposition and bilinear interpolation. */

export interface Eigen2 {
  /** Eigenvalues, larger first. */
  values: [number, number];
  /** Unit eigenvectors matching `values`. */
  vectors: [[number, number], [number, number]];
}

/**
 * Eigen-decomposition of the symmetric matrix [[a, b], [b, c]] (a Hessian [[hxx, hxy], [hxy, hyy]]).
 * Closed form with the rotation angle, stable when b is tiny or the eigenvalues coincide.
 */
export function symmetricEigen2(a: number, b: number, c: number): Eigen2 {
  const mean = (a + c) / 2;
  const radius = Math.hypot((a - c) / 2, b);
  // Angle of the first principal axis: tan(2 theta) = 2b / (a - c).
  const theta = 0.5 * Math.atan2(2 * b, a - c);
  const cos = Math.cos(theta);
  const sin = Math.sin(theta);
  return {
    values: [mean + radius, mean - radius],
    vectors: [
      [cos, sin],
      [-sin, cos],
    ],
  };
}

export interface CellGrid {
  /** Row-major (ny, nx) samples at cell centres; row 0 is y = y0. */
  values: Float32Array;
  nx: number;
  ny: number;
  x: readonly [number, number];
  y: readonly [number, number];
}

/**
 * Bilinear interpolation on a cell-centred grid: sample (i, j) sits at x0 + (i + 0.5) * dx. Outside the
 * centres the nearest edge value is held; NaN when the point is outside the grid's extent or touches an
 * undefined sample. `offset` selects a plane of a stacked array (e.g. the dy plane of grad).
 */
export function bilinear(grid: CellGrid, px: number, py: number, offset = 0): number {
  const { nx, ny, x, y, values } = grid;
  if (!(px >= x[0] && px <= x[1] && py >= y[0] && py <= y[1]) || nx < 1 || ny < 1) return Number.NaN;
  const u = clamp(((px - x[0]) / (x[1] - x[0])) * nx - 0.5, 0, nx - 1);
  const v = clamp(((py - y[0]) / (y[1] - y[0])) * ny - 0.5, 0, ny - 1);
  const i0 = Math.floor(u);
  const j0 = Math.floor(v);
  const i1 = Math.min(i0 + 1, nx - 1);
  const j1 = Math.min(j0 + 1, ny - 1);
  const fu = u - i0;
  const fv = v - j0;
  const at = (i: number, j: number): number => values[offset + j * nx + i]!;
  const bottom = at(i0, j0) * (1 - fu) + at(i1, j0) * fu;
  const top = at(i0, j1) * (1 - fu) + at(i1, j1) * fu;
  return bottom * (1 - fv) + top * fv;
}

function clamp(value: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(value, hi));
}

/** Median of the finite entries (NaN when there are none); used to scale gradient arrows. */
export function finiteMedian(values: ArrayLike<number>): number {
  const finite: number[] = [];
  for (let k = 0; k < values.length; k++) {
    const v = values[k]!;
    if (Number.isFinite(v)) finite.push(v);
  }
  if (finite.length === 0) return Number.NaN;
  finite.sort((p, q) => p - q);
  const mid = finite.length >> 1;
  return finite.length % 2 ? finite[mid]! : (finite[mid - 1]! + finite[mid]!) / 2;
}

/** |grad| per grid cell from the stacked (2, ny, nx) gradient. */
export function gradientMagnitudes(grad: Float32Array, cells: number): Float32Array {
  const out = new Float32Array(cells);
  for (let k = 0; k < cells; k++) out[k] = Math.hypot(grad[k]!, grad[cells + k]!);
  return out;
}
