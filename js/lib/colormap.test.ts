import { describe, expect, it } from "vitest";
import { buildLut, cssColor, levels, makeNormalization, parseColor, viridis, writeColor } from "./colormap";

describe("viridis lookup table", () => {
  it("has 256 opaque entries from dark purple to yellow", () => {
    const lut = viridis();
    expect(lut.length).toBe(256 * 4);
    expect(Array.from(lut.slice(0, 4))).toEqual([68, 1, 84, 255]);
    expect(Array.from(lut.slice(255 * 4, 256 * 4))).toEqual([253, 231, 37, 255]);
  });

  it("gets monotonically lighter (perceptually uniform maps increase in luminance)", () => {
    const lut = viridis();
    let previous = -1;
    for (let i = 0; i < 256; i += 16) {
      const luma = 0.2126 * lut[i * 4]! + 0.7152 * lut[i * 4 + 1]! + 0.0722 * lut[i * 4 + 2]!;
      expect(luma).toBeGreaterThan(previous);
      previous = luma;
    }
  });

  it("parses both colour notations d3 produces", () => {
    expect(parseColor("#ff0080")).toEqual([255, 0, 128]);
    expect(parseColor("rgb(1, 2, 3)")).toEqual([1, 2, 3]);
    expect(() => parseColor("red")).toThrow();
    expect(buildLut(() => "#010203", 2).length).toBe(8);
  });
});

describe("normalisation", () => {
  it("maps linearly and clamps", () => {
    const norm = makeNormalization(0, 10, false);
    expect(norm.unit(5)).toBe(0.5);
    expect(norm.unit(-1)).toBe(0);
    expect(norm.unit(11)).toBe(1);
    expect(norm.value(0.25)).toBe(2.5);
  });

  it("maps log10(v - vmin + eps) onto [0, 1] and inverts", () => {
    const norm = makeNormalization(1, 1001, true);
    expect(norm.unit(1)).toBeCloseTo(0, 12);
    expect(norm.unit(1001)).toBeCloseTo(1, 12);
    // Each decade of (v - vmin) gets an equal share of the colour range.
    const a = norm.unit(1 + 1);
    const b = norm.unit(1 + 10);
    const c = norm.unit(1 + 100);
    expect(c - b).toBeCloseTo(b - a, 2);
    expect(norm.value(norm.unit(42))).toBeCloseTo(42, 6);
  });

  it("survives a constant surface", () => {
    const norm = makeNormalization(3, 3, false);
    expect(norm.unit(3)).toBe(0);
    expect(makeNormalization(3, 3, true).unit(3)).toBe(0);
  });

  it("marks non-finite values undefined and paints them transparent", () => {
    const norm = makeNormalization(0, 1, false);
    expect(norm.unit(Number.NaN)).toBeNaN();
    expect(norm.unit(Infinity)).toBeNaN();
    const out = new Uint8ClampedArray(8).fill(9);
    writeColor(out, 4, Number.NaN, norm);
    expect(Array.from(out.slice(4))).toEqual([0, 0, 0, 0]);
    expect(cssColor(Number.NaN, norm)).toBeNull();
    expect(cssColor(1, norm)).toBe("rgb(253, 231, 37)");
  });
});

describe("levels", () => {
  it("gives round linear levels strictly inside the range", () => {
    const lv = levels(makeNormalization(0, 8, false), 10);
    expect(lv[0]).toBe(1);
    expect(lv.at(-1)).toBe(7);
    expect(lv.length).toBeGreaterThanOrEqual(5);
  });

  it("gives log levels spread over the decades", () => {
    const norm = makeNormalization(0, 2500, true);
    const lv = levels(norm, 10);
    expect(lv.length).toBeGreaterThanOrEqual(5);
    expect(lv.length).toBeLessThanOrEqual(14);
    expect(lv.every((v, i) => i === 0 || v > lv[i - 1]!)).toBe(true);
    expect(lv.every((v) => v > 0 && v < 2500)).toBe(true);
    // Levels are evenly spread in colour, not bunched at the top as linear levels would be.
    const units = lv.map((v) => norm.unit(v));
    expect(units[0]!).toBeLessThan(0.4);
  });

  it("puts log levels at round offsets above the minimum", () => {
    const lv = levels(makeNormalization(-3.9596, 2500, true), 10);
    for (const v of lv) {
      const d = v + 3.9596;
      expect(Number(d.toPrecision(1))).toBeCloseTo(d, 9);
    }
  });

  it("is empty for an empty or non-finite range", () => {
    expect(levels(makeNormalization(1, 1, false))).toEqual([]);
    expect(levels(makeNormalization(Number.NaN, 1, false))).toEqual([]);
  });
});
