import { describe, expect, it } from "vitest";
import { formatNumber, formatTick } from "./format";
import { linearScale, niceTicks, plotScales } from "./scale";

describe("linearScale", () => {
  it("maps data to pixels and back", () => {
    const s = linearScale([-2, 2], [0, 400]);
    expect(s(0)).toBe(200);
    expect(s(-2)).toBe(0);
    expect(s.invert(100)).toBe(-1);
  });

  it("puts y = min at the bottom of a plot", () => {
    const { x, y } = plotScales([0, 1], [10, 20], { left: 50, top: 10, width: 100, height: 200 });
    expect(x(0)).toBe(50);
    expect(y(10)).toBe(210);
    expect(y(20)).toBe(10);
  });
});

describe("niceTicks", () => {
  it("gives round numbers inside the range", () => {
    expect(niceTicks(-2, 2, 5)).toEqual([-2, -1, 0, 1, 2]);
    const ticks = niceTicks(0.013, 0.087, 5);
    expect(ticks.every((t) => t >= 0.013 && t <= 0.087)).toBe(true);
    expect(ticks.length).toBeGreaterThanOrEqual(3);
  });

  it("returns nothing for non-finite ranges", () => {
    expect(niceTicks(Number.NaN, 1)).toEqual([]);
  });
});

describe("formatNumber", () => {
  it("keeps four significant digits and drops trailing zeros", () => {
    expect(formatNumber(0.123456)).toBe("0.1235");
    expect(formatNumber(2)).toBe("2");
    expect(formatNumber(-1.5)).toBe("-1.5");
    expect(formatNumber(1234.5)).toBe("1235");
  });

  it("uses exponents for extreme magnitudes and names non-finite values", () => {
    expect(formatNumber(1.5e-7)).toBe("1.5e-7");
    expect(formatNumber(2e8)).toBe("2e8");
    expect(formatNumber(Number.NaN)).toBe("NaN");
    expect(formatNumber(-Infinity)).toBe("-∞");
  });

  it("prints tick labels with a true minus and a clean zero", () => {
    expect(formatTick(-0.5)).toBe("−0.5");
    expect(formatTick(1e-17)).toBe("0");
  });
});
