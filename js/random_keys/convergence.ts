/**
 * The running estimate 4 * inside / n against n on a log axis, with pi and the band pi +- 2 standard errors
 * (4 sqrt(p (1 - p) / n), p = pi / 4): the estimate settles into the band as it narrows like 1 / sqrt(n).
 */
import { scaleLog } from "d3-scale";
import { drawLogAxes } from "../lib/axes";
import { clear, htmlElement, setAttributeIfChanged, svgElement } from "../lib/dom";
import { Ink, strokePolyline } from "../lib/ink";
import { type LinearScale, type PlotRect, linearScale } from "../lib/scale";
import { MAX_SAMPLES, standardError } from "./model";

const MARGIN = { left: 50, right: 12, top: 8, bottom: 36 };
/** The y range: the band at n = 10 is about pi +- 1, wider estimates are drawn at the edge. */
export const Y_RANGE: readonly [number, number] = [Math.PI - 1.2, Math.PI + 1.2];

export class ConvergenceChart {
  readonly element: HTMLDivElement;
  private readonly band: Ink;
  private readonly line: Ink;
  private readonly svg: SVGSVGElement;
  private readonly axes: SVGGElement;
  private size = "";

  constructor(doc: Document) {
    this.element = htmlElement(
      "div",
      { class: "jaxwidgets-figure rk-convergence", role: "img", "aria-label": "running estimate against samples" },
      undefined,
      doc,
    );
    this.band = new Ink(doc, "rk-band");
    this.line = new Ink(doc, "rk-running");
    this.svg = svgElement("svg", {}, doc);
    this.axes = svgElement("g", {}, doc);
    this.svg.append(this.axes);
    this.element.append(this.band.canvas, this.line.canvas, this.svg);
  }

  draw(width: number, height: number, checkpoints: Int32Array, running: Float32Array, colors: { line: string; pi: string }): void {
    const rect: PlotRect = {
      left: MARGIN.left,
      top: MARGIN.top,
      width: width - MARGIN.left - MARGIN.right,
      height: height - MARGIN.top - MARGIN.bottom,
    };
    const x = scaleLog()
      .domain([1, MAX_SAMPLES])
      .range([rect.left, rect.left + rect.width]) as unknown as LinearScale;
    const y = linearScale(Y_RANGE, [rect.top + rect.height, rect.top]);
    const clampY = (v: number): number => y(Math.min(Y_RANGE[1], Math.max(Y_RANGE[0], v)));
    const size = `${width}x${height}|${colors.pi}`;
    if (size !== this.size) {
      this.size = size;
      Object.assign(this.element.style, { width: `${width}px`, height: `${height}px` });
      setAttributeIfChanged(this.svg, "width", String(width));
      setAttributeIfChanged(this.svg, "height", String(height));
      clear(this.axes);
      drawLogAxes(this.axes, { x, y }, rect, { x: "samples n (log scale)", y: "4 · inside / n" }, { x: true });
      this.drawBand(rect, x, clampY, colors.pi);
    }
    const ctx = this.line.begin(rect);
    const flat: number[] = [];
    for (let k = 0; k < checkpoints.length && k < running.length; k++) flat.push(x(checkpoints[k]!), clampY(running[k]!));
    if (ctx) {
      strokePolyline(ctx, flat, { color: colors.line, width: 2 });
      const n = flat.length;
      if (n >= 2) {
        ctx.beginPath();
        ctx.arc(flat[n - 2]!, flat[n - 1]!, 3.5, 0, 2 * Math.PI);
        ctx.fillStyle = colors.line;
        ctx.fill();
      }
    }
    setAttributeIfChanged(this.element, "data-last-n", String(checkpoints.at(-1) ?? 0));
  }

  private drawBand(rect: PlotRect, x: LinearScale, y: (v: number) => number, color: string): void {
    const ctx = this.band.begin(rect);
    if (!ctx) return;
    const upper: number[] = [];
    const lower: number[] = [];
    for (let e = 0; e <= 7; e += 0.05) {
      const n = 10 ** e;
      upper.push(x(n), y(Math.PI + 2 * standardError(n)));
      lower.push(x(n), y(Math.PI - 2 * standardError(n)));
    }
    ctx.beginPath();
    ctx.moveTo(upper[0]!, upper[1]!);
    for (let k = 2; k < upper.length; k += 2) ctx.lineTo(upper[k]!, upper[k + 1]!);
    for (let k = lower.length - 2; k >= 0; k -= 2) ctx.lineTo(lower[k]!, lower[k + 1]!);
    ctx.closePath();
    ctx.globalAlpha = 0.18;
    ctx.fillStyle = color;
    ctx.fill();
    ctx.globalAlpha = 1;
    strokePolyline(ctx, [rect.left, y(Math.PI), rect.left + rect.width, y(Math.PI)], { color, width: 1, dash: [5, 4] });
  }
}
