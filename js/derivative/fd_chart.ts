/**
 * The finite-difference panel: |FD(h) - f'(x)| against the step h on log-log axes, forward and central
 * differences in float32 and float64, each with its best h marked. Drawn in log10 units on a linear figure.
 */
import { clear, htmlElement, svgElement } from "../lib/dom";
import { Figure } from "../lib/figure";
import { formatNumber } from "../lib/format";
import { strokePolyline } from "../lib/ink";
import { bestStep, FD_SERIES, type PointReading } from "./model";

export const FD_COLORS = { float32: "#e8710a", float64: "#3d8fd6" } as const;
/** Errors below this (exact to the last bit) are drawn on the bottom of the chart. */
const FLOOR_DECADE = -17;

export class FdChart {
  readonly element: HTMLDivElement;
  readonly figure: Figure<"lines">;
  readonly best: HTMLDivElement;
  private yDecades: [number, number] = [-12, 0];
  private axesDrawn = "";

  constructor(doc: Document) {
    this.element = htmlElement("div", { class: "fd-panel" }, undefined, doc);
    const caption = htmlElement("div", { class: "panel-caption" }, "finite differences: |FD(h) − f′(x)| against h", doc);
    this.figure = new Figure(doc, "fd-chart", ["lines"], { left: 52, right: 10, top: 8, bottom: 36 });
    this.best = htmlElement("div", { class: "fd-best legend" }, undefined, doc);
    this.element.append(caption, this.figure.element, legend(doc), this.best);
  }

  /** Draw ``reading``; while ``dragging`` the decades only grow, so a drag redraws the lines, not the axes. */
  draw(width: number, reading: PointReading | null, dragging = false): void {
    const height = Math.round(Math.min(260, Math.max(180, width * 0.62)));
    if (reading) {
      const [lo, hi] = decadeRange(reading);
      this.yDecades = dragging ? [Math.min(lo, this.yDecades[0]), Math.max(hi, this.yDecades[1])] : [lo, hi];
    }
    const [lo, hi] = this.yDecades;
    const axes = `${width}|${height}|${lo}|${hi}`;
    if (axes !== this.axesDrawn) {
      // The axes change with the width and the decades only: a drag redraws the lines alone.
      this.axesDrawn = axes;
      this.figure.layout(width, height, [-12.5, -0.5], [lo, hi], null);
      drawLogAxes(this.figure, [-12, -1], [lo, hi]);
    }
    if (!reading) return;
    const summary = `best h (●): ${FD_SERIES.map((s, i) => {
      const best = bestStep(reading.steps, reading.errors[i]!);
      return `${s.method} ${s.dtype.replace("float", "f")} ${best ? formatNumber(best.step, 2) : "—"}`;
    }).join(" · ")}`;
    if (this.best.textContent !== summary) this.best.textContent = summary;
    const ctx = this.figure.begin("lines");
    if (!ctx) return;
    const { x, y } = this.figure.scales;
    const h = Array.from(reading.steps, (s) => Math.log10(s));
    FD_SERIES.forEach((series, i) => {
      const errors = reading.errors[i]!;
      const points: number[] = [];
      errors.forEach((e, k) => {
        if (Number.isNaN(e)) return;
        points.push(x(h[k]!), y(Math.max(lo, e > 0 ? Math.log10(e) : FLOOR_DECADE)));
      });
      const color = FD_COLORS[series.dtype];
      strokePolyline(ctx, points, { color, width: 1.8, dash: series.method === "forward" ? [5, 3] : undefined });
      const best = bestStep(reading.steps, errors);
      if (!best) return;
      ctx.beginPath();
      ctx.arc(x(Math.log10(best.step)), y(Math.max(lo, best.error > 0 ? Math.log10(best.error) : FLOOR_DECADE)), 4, 0, 2 * Math.PI);
      ctx.fillStyle = color;
      ctx.fill();
      ctx.strokeStyle = "#000";
      ctx.lineWidth = 1;
      ctx.stroke();
    });
  }
}

/** Whole decades covering the finite errors (at most 17 below 1). */
function decadeRange(reading: PointReading): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const row of reading.errors) {
    for (const e of row) {
      if (!(e > 0) || !Number.isFinite(e)) continue;
      const d = Math.log10(e);
      lo = Math.min(lo, d);
      hi = Math.max(hi, d);
    }
  }
  if (!(lo <= hi)) return [-12, 0];
  return [Math.max(FLOOR_DECADE, Math.floor(lo)), Math.max(Math.floor(lo) + 1, Math.ceil(hi))];
}

function legend(doc: Document): HTMLDivElement {
  const element = htmlElement("div", { class: "fd-legend legend" }, undefined, doc);
  for (const series of FD_SERIES) {
    const entry = htmlElement("span", { class: "fd-legend-entry" }, undefined, doc);
    const swatch = htmlElement("span", { class: `fd-swatch ${series.method}` }, undefined, doc);
    swatch.style.borderTopColor = FD_COLORS[series.dtype];
    entry.append(swatch, doc.createTextNode(series.name));
    element.append(entry);
  }
  return element;
}

/** A frame with decade ticks labelled 10^k on both axes (every other label where they crowd). */
function drawLogAxes(figure: Figure, xDecades: [number, number], yDecades: [number, number]): void {
  const group = figure.axes;
  clear(group);
  const { rect, scales } = figure;
  const doc = group.ownerDocument;
  const bottom = rect.top + rect.height;
  group.append(
    svgElement("rect", { x: rect.left + 0.5, y: rect.top + 0.5, width: rect.width - 1, height: rect.height - 1, fill: "none" }, doc),
  );
  const text = (label: string, x: number, y: number, anchor: string): SVGTextElement => {
    const element = svgElement("text", { x, y, "text-anchor": anchor }, doc);
    element.textContent = label;
    return element;
  };
  const xEvery = rect.width < 320 ? 2 : 1;
  for (let k = xDecades[0]; k <= xDecades[1]; k++) {
    const px = Math.round(scales.x(k)) + 0.5;
    group.append(svgElement("line", { x1: px, x2: px, y1: bottom, y2: bottom + 4 }, doc));
    if ((k - xDecades[1]) % xEvery === 0) group.append(text(`1e${k}`, px, bottom + 15, "middle"));
  }
  const span = yDecades[1] - yDecades[0];
  const yEvery = Math.max(1, Math.ceil(span / Math.max(2, rect.height / 22)));
  for (let k = yDecades[0]; k <= yDecades[1]; k++) {
    const py = Math.round(scales.y(k)) + 0.5;
    group.append(svgElement("line", { x1: rect.left - 4, x2: rect.left, y1: py, y2: py }, doc));
    if ((yDecades[1] - k) % yEvery === 0) group.append(text(`1e${k}`, rect.left - 6, py + 4, "end"));
  }
  const xLabel = text("step h", rect.left + rect.width / 2, bottom + 31, "middle");
  xLabel.setAttribute("class", "axis-label");
  group.append(xLabel);
}
