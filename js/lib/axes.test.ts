// @vitest-environment jsdom
import { describe, expect, it } from "vitest";
import { drawAxes, drawColorbarAxis } from "./axes";
import { makeNormalization } from "./colormap";
import { svgElement } from "./dom";
import { plotScales } from "./scale";

const rect = { left: 50, top: 10, width: 400, height: 400 };

describe("drawAxes", () => {
  it("draws ticks at their pixel positions with true minus signs, and labels as text", () => {
    const group = svgElement("g");
    drawAxes(group, plotScales([-2, 2], [0, 1], rect), rect, { x: "<b>w</b>", y: "loss" });
    const texts = [...group.querySelectorAll("text")];
    const labels = texts.map((t) => t.textContent);
    expect(labels).toContain("−2");
    expect(labels).toContain("0.2");
    expect(labels).toContain("<b>w</b>");
    expect(group.querySelector("b")).toBeNull();
    const zero = texts.find((t) => t.textContent === "0" && t.getAttribute("text-anchor") === "middle")!;
    expect(Number(zero.getAttribute("x"))).toBeCloseTo(250.5, 6);
  });

  it("replaces its previous content when redrawn", () => {
    const group = svgElement("g");
    const scales = plotScales([0, 1], [0, 1], rect);
    drawAxes(group, scales, rect, { x: "x", y: "y" });
    const count = group.childElementCount;
    drawAxes(group, scales, rect, { x: "x", y: "y" });
    expect(group.childElementCount).toBe(count);
  });
});

describe("drawColorbarAxis", () => {
  it("places ticks by the normalisation: log ticks one decade apart are evenly spaced", () => {
    const group = svgElement("g");
    const norm = makeNormalization(0, 1000, true);
    drawColorbarAxis(group, norm, rect, [1, 10, 100]);
    const ys = [...group.querySelectorAll("line")].map((l) => Number(l.getAttribute("y1")));
    expect(ys).toHaveLength(3);
    expect(ys[0]! - ys[1]!).toBeCloseTo(ys[1]! - ys[2]!, -0.5);
    expect([...group.querySelectorAll("text")].map((t) => t.textContent)).toEqual(["1", "10", "100", "f − min", "min 0"]);
  });

  it("labels log ticks with their offset above the minimum", () => {
    const group = svgElement("g");
    const norm = makeNormalization(-4, 996, true);
    drawColorbarAxis(group, norm, rect, [-3, 6, 96]);
    expect([...group.querySelectorAll("text")].map((t) => t.textContent)).toEqual(["1", "10", "100", "f − min", "min −4"]);
  });

  it("writes the minimum of a log colorbar with 3 significant digits, so the caption fits", () => {
    const group = svgElement("g");
    drawColorbarAxis(group, makeNormalization(0.0075013, 2000, true), rect, [1, 10, 100]);
    expect(group.lastElementChild!.textContent).toBe("min 0.0075");
  });

  it("labels the ends when there are too few levels, and is empty without a scale", () => {
    const group = svgElement("g");
    drawColorbarAxis(group, makeNormalization(0, 1, false), rect, []);
    expect([...group.querySelectorAll("text")].map((t) => t.textContent)).toEqual(["0", "1"]);
    drawColorbarAxis(group, null, rect, [0.5]);
    expect(group.childElementCount).toBe(0);
  });
});
