// @vitest-environment jsdom
import { describe, expect, it, vi } from "vitest";
import { fewerTicks, LossChart, lossDomain, stickyDomain } from "./loss_chart";

describe("stickyDomain", () => {
  it("pads a new range, then keeps it while the data fits and fills at least half of it", () => {
    const first = stickyDomain(null, { lo: 1, hi: 2, log: false });
    expect(first.lo).toBeLessThan(1);
    expect(first.hi).toBeGreaterThan(2);
    expect(stickyDomain(first, { lo: 1.1, hi: 1.9, log: false })).toBe(first); // a drag's small change
    expect(stickyDomain(first, { lo: 1.4, hi: 1.6, log: false })).not.toBe(first); // far too roomy now
    expect(stickyDomain(first, { lo: 0.5, hi: 2, log: false }).lo).toBeLessThan(0.5); // does not fit
    expect(stickyDomain(first, { lo: 1, hi: 2, log: true }).log).toBe(true); // other kind of axis
  });

  it("while held (a drag), keeps a roomy range and grows to take in both ranges", () => {
    const first = stickyDomain(null, { lo: 1, hi: 2, log: false });
    expect(stickyDomain(first, { lo: 1.4, hi: 1.6, log: false }, true)).toBe(first);
    const grown = stickyDomain(first, { lo: 1.5, hi: 3, log: false }, true);
    expect(grown.lo).toBeLessThanOrEqual(first.lo);
    expect(grown.hi).toBeGreaterThan(3);
  });

  it("works in decades on a log axis and pads a single value", () => {
    const log = stickyDomain(null, { lo: 1e-3, hi: 10, log: true });
    expect(log.lo).toBeGreaterThan(0);
    expect(Math.log10(log.hi) - Math.log10(log.lo)).toBeCloseTo(4 * 1.16, 9);
    expect(stickyDomain(log, { lo: 1e-2, hi: 10, log: true })).toBe(log);
    const flat = stickyDomain(null, { lo: 3, hi: 3, log: false });
    expect(flat.lo).toBeLessThan(3);
    expect(flat.hi).toBeGreaterThan(3);
  });

  it("lossDomain ignores values past a cut and non-finite ones", () => {
    expect(lossDomain([{ name: "a", color: "red", values: [3, Number.NaN, 1, 100], cut: 3 }])).toEqual({ lo: 1, hi: 3, log: true });
    expect(lossDomain([{ name: "a", color: "red", values: [Number.NaN], cut: null }])).toBeNull();
  });
});

describe("fewerTicks", () => {
  it("keeps 1, 2, 5 per decade on a log axis where they fit, else powers of ten, else every k-th", () => {
    const decade = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(fewerTicks(decade, 10, true)).toEqual(decade);
    expect(fewerTicks(decade, 5, true)).toEqual([1, 2, 5, 10]);
    expect(fewerTicks([...decade, 20, 30, 40, 50, 60, 70, 80, 90, 100], 5, true)).toEqual([1, 10, 100]);
    expect(fewerTicks([0, 1, 2, 3, 4, 5, 6, 7], 5, false)).toEqual([0, 2, 4, 6]);
  });
});

describe("LossChart", () => {
  it("keeps its axes while a drag changes the losses a little, and redraws the lines every time", () => {
    vi.spyOn(HTMLCanvasElement.prototype, "getContext").mockReturnValue(null);
    const chart = new LossChart();
    const series = (scale: number) => [{ name: "sgd", color: "red", values: [4 * scale, 2 * scale, 1 * scale], cut: null }];
    chart.draw(400, 2, series(1), 0);
    const axes = chart.element.querySelector("g.axis")!;
    const tick = axes.lastElementChild;
    chart.draw(400, 2, series(1.05), 1);
    expect(axes.lastElementChild).toBe(tick); // not rebuilt
    expect(JSON.parse(chart.element.querySelector<HTMLCanvasElement>("canvas.loss-lines")!.dataset.lines!)).toEqual([
      { name: "sgd", points: 3 },
    ]);
    expect(chart.element.querySelector(".step-marker")!.getAttribute("data-step")).toBe("1");
    chart.draw(400, 2, series(1000), 1);
    expect(axes.lastElementChild).not.toBe(tick); // out of range: new axes
    vi.restoreAllMocks();
  });
});
