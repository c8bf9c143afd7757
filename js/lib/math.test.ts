import { describe, expect, it } from "vitest";
import { bilinear, type CellGrid, finiteMedian, gradientMagnitudes, symmetricEigen2 } from "./math";

function expectEigenPair(a: number, b: number, c: number): void {
  const { values, vectors } = symmetricEigen2(a, b, c);
  for (let k = 0; k < 2; k++) {
    const [vx, vy] = vectors[k]!;
    const lambda = values[k]!;
    expect(Math.hypot(vx, vy)).toBeCloseTo(1, 12);
    const scale = Math.max(Math.abs(a), Math.abs(b), Math.abs(c), 1);
    expect(Math.abs(a * vx + b * vy - lambda * vx) / scale).toBeLessThan(1e-12);
    expect(Math.abs(b * vx + c * vy - lambda * vy) / scale).toBeLessThan(1e-12);
  }
  expect(values[0]).toBeGreaterThanOrEqual(values[1]);
}

describe("symmetricEigen2", () => {
  it("diagonal matrices", () => {
    const { values, vectors } = symmetricEigen2(2, 0, 5);
    expect(values).toEqual([5, 2]);
    expect(Math.abs(vectors[0][1])).toBeCloseTo(1, 12);
  });

  it("a saddle: [[0, 1], [1, 0]] has eigenvalues 1 and -1 along the diagonals", () => {
    const { values, vectors } = symmetricEigen2(0, 1, 0);
    expect(values[0]).toBeCloseTo(1, 12);
    expect(values[1]).toBeCloseTo(-1, 12);
    expect(Math.abs(vectors[0][0])).toBeCloseTo(Math.SQRT1_2, 12);
    expect(vectors[0][0] * vectors[0][1]).toBeGreaterThan(0);
  });

  it("Rosenbrock Hessian at (1, 1): [[802, -400], [-400, 200]]", () => {
    const { values } = symmetricEigen2(802, -400, 200);
    expect(values[0]).toBeCloseTo(1001.6006, 3);
    expect(values[1]).toBeCloseTo(0.3994, 3);
    expectEigenPair(802, -400, 200);
  });

  it("satisfies A v = lambda v for assorted matrices, including repeated eigenvalues", () => {
    for (const [a, b, c] of [
      [1, 0, 1],
      [3, 1e-12, 3],
      [-4, 2, 7],
      [1e6, 3, -1e-3],
    ] as const) {
      expectEigenPair(a, b, c);
    }
  });
});

describe("bilinear", () => {
  // f(x, y) = 2x + 3y sampled at cell centres of a 4 x 3 grid over [0, 4] x [0, 3]: exact for linear f.
  const nx = 4;
  const ny = 3;
  const values = new Float32Array(nx * ny * 2);
  for (let j = 0; j < ny; j++) {
    for (let i = 0; i < nx; i++) {
      values[j * nx + i] = 2 * (i + 0.5) + 3 * (j + 0.5);
      values[nx * ny + j * nx + i] = -1;
    }
  }
  const grid: CellGrid = { values, nx, ny, x: [0, 4], y: [0, 3] };

  it("reproduces samples at cell centres and is exact for a linear function inside", () => {
    expect(bilinear(grid, 0.5, 0.5)).toBeCloseTo(2.5, 6);
    expect(bilinear(grid, 1.7, 2.2)).toBeCloseTo(2 * 1.7 + 3 * 2.2, 5);
  });

  it("holds the edge value between the last centre and the grid boundary", () => {
    expect(bilinear(grid, 0.1, 0.5)).toBeCloseTo(2.5, 6);
  });

  it("reads a stacked plane with an offset", () => {
    expect(bilinear(grid, 2, 2, nx * ny)).toBe(-1);
  });

  it("is NaN outside the grid or next to undefined samples", () => {
    expect(bilinear(grid, -0.1, 1)).toBeNaN();
    const holes = { ...grid, values: new Float32Array(values) };
    holes.values[1 * nx + 1] = Number.NaN;
    expect(bilinear(holes, 1.6, 1.6)).toBeNaN();
  });
});

describe("helpers", () => {
  it("finiteMedian ignores non-finite values", () => {
    expect(finiteMedian([3, Number.NaN, 1, Infinity, 2])).toBe(2);
    expect(finiteMedian([4, 1, 3, 2])).toBe(2.5);
    expect(finiteMedian([Number.NaN])).toBeNaN();
  });

  it("gradientMagnitudes combines the two planes", () => {
    expect(Array.from(gradientMagnitudes(new Float32Array([3, 0, 4, 1]), 2))).toEqual([5, 1]);
  });
});
