// @vitest-environment jsdom
import { describe, expect, it } from "vitest";
import { FdChart } from "./fd_chart";
import type { PointReading } from "./model";

const STEPS = new Float32Array([1e-1, 1e-2, 1e-3]);

/** A reading whose errors span 10^low .. 10^high. */
function reading(low: number, high: number): PointReading {
  const row = new Float32Array([10 ** high, 10 ** ((low + high) / 2), 10 ** low]);
  return { x: 0, value: 0, slope: 0, curvature: 0, errors: [row, row, row, row], steps: STEPS };
}

/** The y labels of the chart's axes (decades: "1e-5" ...). */
function yLabels(chart: FdChart): string[] {
  return [...chart.figure.axes.querySelectorAll("text[text-anchor='end']")].map((t) => t.textContent ?? "");
}

describe("FdChart", () => {
  it("fits its decades to each reading when not dragging", () => {
    const chart = new FdChart(document);
    chart.draw(400, reading(-8, -2));
    expect(yLabels(chart)).toContain("1e-8");
    chart.draw(400, reading(-4, -2));
    expect(yLabels(chart)).not.toContain("1e-8");
  });

  it("keeps the axes while dragging (decades only grow) and fits again after", () => {
    const chart = new FdChart(document);
    chart.draw(400, reading(-8, -2), true);
    const axes = chart.figure.axes.innerHTML;
    chart.draw(400, reading(-4, -2), true); // inside the range: the axes are not rebuilt
    expect(chart.figure.axes.innerHTML).toBe(axes);
    chart.draw(400, reading(-10, -1), true); // outside: they grow
    expect(yLabels(chart)).toContain("1e-10");
    chart.draw(400, reading(-4, -2), false); // the drag ended: fitted to the last reading
    expect(yLabels(chart)).not.toContain("1e-10");
  });
});
