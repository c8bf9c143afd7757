/** Seconds per call against the array's length, both on log axes: jit(f) against f run op by op. */
import { scaleLog } from "d3-scale";
import { drawLogAxes } from "../lib/axes";
import { clear, htmlElement, svgElement } from "../lib/dom";
import { Ink, fillDots, strokePolyline } from "../lib/ink";
import type { LinearScale } from "../lib/scale";

export const JIT_COLOR = "#2a9d8f";
export const EAGER_COLOR = "#e76f51";
const MARGIN = { left: 56, right: 12, top: 8, bottom: 36 };

export interface Timings {
  sizes: Float32Array;
  jit: Float32Array;
  eager: Float32Array;
}

export class TimingChart {
  readonly element: HTMLDivElement;
  private readonly ink: Ink;
  private readonly svg: SVGSVGElement;
  private readonly axes: SVGGElement;

  constructor(doc: Document) {
    this.element = htmlElement(
      "div",
      { class: "jaxwidgets-figure jit-timing", role: "img", "aria-label": "seconds per call against size" },
      undefined,
      doc,
    );
    this.ink = new Ink(doc, "jit-timing-lines");
    this.svg = svgElement("svg", {}, doc);
    this.axes = svgElement("g", {}, doc);
    this.svg.append(this.axes);
    this.element.append(this.ink.canvas, this.svg);
  }

  draw(width: number, height: number, timings: Timings): void {
    Object.assign(this.element.style, { width: `${width}px`, height: `${height}px` });
    this.svg.setAttribute("width", String(width));
    this.svg.setAttribute("height", String(height));
    const rect = {
      left: MARGIN.left,
      top: MARGIN.top,
      width: width - MARGIN.left - MARGIN.right,
      height: height - MARGIN.top - MARGIN.bottom,
    };
    const all = [...timings.jit, ...timings.eager].filter((t) => t > 0);
    const sizes = [...timings.sizes];
    const x = scaleLog()
      .domain([Math.min(...sizes), Math.max(...sizes)])
      .range([rect.left, rect.left + rect.width]) as unknown as LinearScale;
    const y = scaleLog()
      .domain([Math.min(...all) / 1.5, Math.max(...all) * 1.5])
      .range([rect.top + rect.height, rect.top]) as unknown as LinearScale;
    clear(this.axes);
    drawLogAxes(this.axes, { x, y }, rect, { x: "array length", y: "seconds per call" }, { x: true, y: true });
    const ctx = this.ink.begin(rect);
    if (!ctx) return;
    for (const [series, color] of [
      [timings.jit, JIT_COLOR],
      [timings.eager, EAGER_COLOR],
    ] as const) {
      const flat: number[] = [];
      for (const [k, t] of series.entries()) flat.push(x(sizes[k]!), y(t));
      strokePolyline(ctx, flat, { color, width: 2 });
      fillDots(ctx, flat, 3, color);
    }
  }
}
