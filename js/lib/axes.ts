/** Axes in SVG: a frame around the plot, ticks with labels, axis titles, and the colorbar's scale. */
import type { Normalization } from "./colormap";
import { clear, svgElement } from "./dom";
import { formatNumber, formatTick } from "./format";
import type { LinearScale, PlotRect, PlotScales } from "./scale";

const TICK = 5;

export interface AxisLabels {
  x: string;
  y: string;
}

/** Redraw the axes of `rect` into `group` (its previous content is replaced). */
export function drawAxes(group: SVGGElement, scales: PlotScales, rect: PlotRect, labels: AxisLabels): void {
  clear(group);
  group.setAttribute("class", "axis");
  const count = Math.max(3, Math.round(rect.width / 80));
  const bottom = rect.top + rect.height;
  group.append(svgElement("rect", { x: rect.left + 0.5, y: rect.top + 0.5, width: rect.width - 1, height: rect.height - 1, fill: "none" }));

  for (const t of scales.x.ticks(count)) {
    const px = Math.round(scales.x(t)) + 0.5;
    group.append(svgElement("line", { x1: px, x2: px, y1: bottom, y2: bottom + TICK }));
    group.append(textAt(formatTick(t), px, bottom + TICK + 11, "middle"));
  }
  for (const t of scales.y.ticks(Math.max(3, Math.round(rect.height / 60)))) {
    const py = Math.round(scales.y(t)) + 0.5;
    group.append(svgElement("line", { x1: rect.left - TICK, x2: rect.left, y1: py, y2: py }));
    group.append(textAt(formatTick(t), rect.left - TICK - 3, py + 4, "end"));
  }

  const xLabel = textAt(labels.x, rect.left + rect.width / 2, bottom + TICK + 28, "middle");
  xLabel.setAttribute("class", "axis-label");
  const yLabel = textAt(labels.y, 0, 0, "middle");
  yLabel.setAttribute("class", "axis-label");
  yLabel.setAttribute("transform", `translate(${rect.left - 40}, ${rect.top + rect.height / 2}) rotate(-90)`);
  group.append(xLabel, yLabel);
}

/**
 * Tick marks and numbers to the right of a colorbar drawn in `rect`, at positions given by `norm`. A log
 * scale is one of f - min, so its ticks are labelled with that offset and a caption says so, with the min.
 */
export function drawColorbarAxis(group: SVGGElement, norm: Normalization | null, rect: PlotRect, ticks: readonly number[]): void {
  clear(group);
  group.setAttribute("class", "axis colorbar-axis");
  if (norm === null) return;
  const right = rect.left + rect.width;
  const log = norm.kind === "log";
  const shown = ticks.length >= 2 ? ticks : log ? [norm.vmax] : [norm.vmin, norm.vmax];
  let lastY = Infinity;
  for (const value of shown) {
    const py = Math.round(rect.top + (1 - norm.unit(value)) * rect.height) + 0.5;
    // Skip labels that would overlap the previous one (log ticks crowd at the top).
    if (Math.abs(lastY - py) < 12) continue;
    lastY = py;
    group.append(svgElement("line", { x1: right, x2: right + TICK, y1: py, y2: py }));
    group.append(textAt(formatTick(log ? value - norm.vmin : value), right + TICK + 3, py + 4, "start"));
  }
  if (log) {
    const bottom = rect.top + rect.height;
    // 3 significant digits: the caption must fit in the colorbar labels' width.
    const min = formatNumber(norm.vmin, 3).replace(/^-/, "−");
    group.append(textAt("f − min", rect.left, bottom + 16, "start"), textAt(`min ${min}`, rect.left, bottom + 30, "start"));
  }
}

function textAt(text: string, x: number, y: number, anchor: "start" | "middle" | "end"): SVGTextElement {
  const element = svgElement("text", { x, y, "text-anchor": anchor });
  element.textContent = text;
  return element;
}

const SUPERSCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹";

/** 10 to an integer power as an axis label: "1", "10", "10²", "10⁻³". */
export function powerOfTen(exponent: number): string {
  if (exponent === 0) return "1";
  if (exponent === 1) return "10";
  const digits = [...String(Math.abs(exponent))].map((d) => SUPERSCRIPTS[Number(d)]).join("");
  return `10${exponent < 0 ? "⁻" : ""}${digits}`;
}

/**
 * Like drawAxes, but the axes named in `log` are log10 scales, ticked and labelled at the powers of ten in
 * their domain (drawAxes would label every d3 log tick, 2e4, 3e4, ..., on top of each other).
 */
export function drawLogAxes(
  group: SVGGElement,
  scales: PlotScales,
  rect: PlotRect,
  labels: AxisLabels,
  log: { x?: boolean; y?: boolean },
): void {
  const untickedIf = (scale: LinearScale, yes = false): LinearScale =>
    yes
      ? Object.assign((v: number) => scale(v), {
          invert: (p: number) => scale.invert(p),
          ticks: () => [],
          domain: () => scale.domain(),
          range: () => scale.range(),
        })
      : scale;
  drawAxes(group, { x: untickedIf(scales.x, log.x), y: untickedIf(scales.y, log.y) }, rect, labels);
  const bottom = rect.top + rect.height;
  for (const axis of ["x", "y"] as const) {
    if (!log[axis]) continue;
    const scale = scales[axis];
    const [lo, hi] = scale.domain().map((v) => Math.log10(v)) as [number, number];
    for (let e = Math.ceil(Math.min(lo, hi) - 1e-9); e <= Math.max(lo, hi) + 1e-9; e++) {
      const p = Math.round(scale(10 ** e)) + 0.5;
      if (axis === "x") {
        group.append(svgElement("line", { x1: p, x2: p, y1: bottom, y2: bottom + TICK }));
        group.append(textAt(powerOfTen(e), p, bottom + TICK + 11, "middle"));
      } else {
        group.append(svgElement("line", { x1: rect.left - TICK, x2: rect.left, y1: p, y2: p }));
        group.append(textAt(powerOfTen(e), rect.left - TICK - 3, p + 4, "end"));
      }
    }
  }
}
