import { describe, expect, it } from "vitest";
import { makeNormalization, viridis } from "./colormap";
import { colorbarRgba, gridToRgba, hasUndefined } from "./heatmap";

describe("gridToRgba", () => {
  it("puts grid row 0 (the bottom, y = y_min) in the last image row", () => {
    // 2 x 2 grid: row 0 = [0, 0] (low), row 1 = [1, 1] (high).
    const values = new Float32Array([0, 0, 1, 1]);
    const rgba = gridToRgba(values, 2, 2, makeNormalization(0, 1, false));
    const lut = viridis();
    // Top image row shows the high values (yellow), bottom image row the low values (purple).
    expect(Array.from(rgba.slice(0, 4))).toEqual(Array.from(lut.slice(255 * 4, 256 * 4)));
    expect(Array.from(rgba.slice(8, 12))).toEqual(Array.from(lut.slice(0, 4)));
  });

  it("keeps column order and makes undefined cells transparent", () => {
    const values = new Float32Array([0, Number.NaN, Infinity, 1]);
    const rgba = gridToRgba(values, 2, 2, makeNormalization(0, 1, false));
    // Image row 0 = grid row 1 = [Infinity, 1]; image row 1 = grid row 0 = [0, NaN].
    expect(rgba[3]).toBe(0);
    expect(rgba[7]).toBe(255);
    expect(rgba[11]).toBe(255);
    expect(rgba[15]).toBe(0);
    expect(hasUndefined(values)).toBe(true);
    expect(hasUndefined(new Float32Array([1, 2]))).toBe(false);
  });
});

describe("colorbarRgba", () => {
  it("runs from vmax at the top to vmin at the bottom", () => {
    const rgba = colorbarRgba(3);
    const lut = viridis();
    expect(Array.from(rgba.slice(0, 4))).toEqual(Array.from(lut.slice(255 * 4)));
    expect(Array.from(rgba.slice(8, 12))).toEqual(Array.from(lut.slice(0, 4)));
  });
});
