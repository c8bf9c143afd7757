import { describe, expect, it } from "vitest";
import { contourLevels, gridToPixel, levelPath } from "./contour";

/** Sample f at cell centres of an n x n grid over [-2, 2]^2, row 0 at y = -2. */
function sample(n: number, f: (x: number, y: number) => number): Float32Array {
  const values = new Float32Array(n * n);
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < n; i++) values[j * n + i] = f(-2 + ((i + 0.5) * 4) / n, -2 + ((j + 0.5) * 4) / n);
  }
  return values;
}

const n = 40;
const toData = (u: number, v: number): [number, number] => [-2 + (u * 4) / n, -2 + (v * 4) / n];

describe("contourLevels", () => {
  it("draws circles for x^2 + y^2, at the right radius, closed", () => {
    const [level] = contourLevels(
      sample(n, (x, y) => x * x + y * y),
      n,
      n,
      [1],
    );
    expect(level!.lines).toHaveLength(1);
    const line = level!.lines[0]!;
    expect(line.closed).toBe(true);
    for (const [u, v] of line.points) {
      const [x, y] = toData(u, v);
      expect(Math.hypot(x, y)).toBeCloseTo(1, 1);
    }
  });

  it("draws no lines along the grid border (f = x gives open vertical lines)", () => {
    const [level] = contourLevels(
      sample(n, (x) => x),
      n,
      n,
      [0.5],
    );
    expect(level!.lines).toHaveLength(1);
    const line = level!.lines[0]!;
    expect(line.closed).toBe(false);
    for (const [u] of line.points) expect(toData(u, 0)[0]).toBeCloseTo(0.5, 5);
  });

  it("excludes undefined regions instead of outlining them", () => {
    // f = x with a NaN hole in the left half: no contour at 0.5 should appear near the hole, and the -1
    // contour (inside the hole's column range) loses the vertices that touch it.
    const values = sample(n, (x, y) => (x < -1 && Math.abs(y) < 0.5 ? Number.NaN : x));
    const [atHalf, atMinusOne] = contourLevels(values, n, n, [0.5, -1.5]);
    expect(atHalf!.lines).toHaveLength(1);
    for (const line of atMinusOne!.lines) {
      for (const [u, v] of line.points) {
        const [x, y] = toData(u, v);
        expect(x < -1 && Math.abs(y) < 0.4).toBe(false);
      }
    }
    expect(atMinusOne!.lines.length).toBe(2);
  });

  it("returns nothing for tiny grids or no thresholds", () => {
    expect(contourLevels(new Float32Array(1), 1, 1, [0])).toEqual([]);
    expect(
      contourLevels(
        sample(4, (x) => x),
        4,
        4,
        [],
      ),
    ).toEqual([]);
  });
});

describe("levelPath", () => {
  it("maps grid coordinates through the scales into an SVG path", () => {
    const [level] = contourLevels(
      sample(n, (x) => x),
      n,
      n,
      [0],
    );
    // Pixel scales: x in [-2, 2] -> [0, 400], y in [-2, 2] -> [400, 0].
    const toPixel = gridToPixel(
      n,
      n,
      [-2, 2],
      [-2, 2],
      (x) => (x + 2) * 100,
      (y) => (2 - y) * 100,
    );
    const path = levelPath(level!, toPixel);
    expect(path.startsWith("M")).toBe(true);
    const xs = [...path.matchAll(/[ML]([\d.-]+),/g)].map((m) => Number(m[1]));
    expect(xs.every((x) => Math.abs(x - 200) < 0.11)).toBe(true);
    expect(path.includes("Z")).toBe(false);
  });
});
