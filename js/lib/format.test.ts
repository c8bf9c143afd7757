import { describe, expect, it } from "vitest";
import { formatNumber, formatTick } from "./format";

describe("formatNumber", () => {
  it("writes numbers with more integer digits than asked for in exponent form, without '+' or padding", () => {
    expect(formatNumber(10000)).toBe("1e4");
    expect(formatNumber(25000)).toBe("2.5e4");
    expect(formatNumber(1234.5, 3)).toBe("1.23e3");
    expect(formatTick(-20000)).toBe("−2e4");
  });

  it("keeps plain form where it fits", () => {
    expect(formatNumber(2981)).toBe("2981");
    expect(formatNumber(0.001234)).toBe("0.001234");
  });
});
