/**
 * The unit square with the shown points, inside the quarter circle in one colour and outside in another,
 * and the arc x^2 + y^2 = 1. Points on a canvas (lib/ink.ts), axes and the arc in SVG.
 */
import { drawAxes } from "../lib/axes";
import { clear, htmlElement, setAttributeIfChanged, svgElement } from "../lib/dom";
import { Ink } from "../lib/ink";
import { type PlotRect, plotScales } from "../lib/scale";

export const INSIDE_COLOR = "#2a9d8f";
export const OUTSIDE_COLOR = "#e76f51";
const MARGIN = { left: 50, right: 10, top: 8, bottom: 36 };

export class PointsPlot {
  readonly element: HTMLDivElement;
  private readonly ink: Ink;
  private readonly svg: SVGSVGElement;
  private readonly axes: SVGGElement;
  private readonly arc: SVGPathElement;
  private side = -1;

  constructor(doc: Document) {
    this.element = htmlElement("div", { class: "jaxwidgets-figure rk-points", role: "img", "aria-label": "points drawn" }, undefined, doc);
    this.ink = new Ink(doc, "rk-dots");
    this.svg = svgElement("svg", {}, doc);
    this.axes = svgElement("g", {}, doc);
    this.arc = svgElement("path", { class: "rk-arc" }, doc);
    this.svg.append(this.axes, this.arc);
    this.element.append(this.ink.canvas, this.svg);
  }

  /** The plot's pixel rectangle for a figure `side` px wide and high. */
  private rect(side: number): PlotRect {
    return { left: MARGIN.left, top: MARGIN.top, width: side - MARGIN.left - MARGIN.right, height: side - MARGIN.top - MARGIN.bottom };
  }

  draw(side: number, points: Float32Array, inside: Int32Array): void {
    const rect = this.rect(side);
    const scales = plotScales([0, 1], [0, 1], rect);
    if (side !== this.side) {
      this.side = side;
      Object.assign(this.element.style, { width: `${side}px`, height: `${side}px` });
      setAttributeIfChanged(this.svg, "width", String(side));
      setAttributeIfChanged(this.svg, "height", String(side));
      clear(this.axes);
      drawAxes(this.axes, scales, rect, { x: "x", y: "y" });
      const r = rect.width;
      this.arc.setAttribute("d", `M ${scales.x(1)} ${scales.y(0)} A ${r} ${rect.height} 0 0 0 ${scales.x(0)} ${scales.y(1)}`);
    }
    const ctx = this.ink.begin(rect);
    const shown = Math.min(inside.length, points.length >> 1);
    let count = 0;
    if (ctx) {
      const radius = shown > 500 ? 1.3 : 2.2;
      for (const [color, wanted] of [
        [INSIDE_COLOR, 1],
        [OUTSIDE_COLOR, 0],
      ] as const) {
        const flat: number[] = [];
        for (let k = 0; k < shown; k++)
          if ((inside[k] ? 1 : 0) === wanted) flat.push(scales.x(points[2 * k]!), scales.y(points[2 * k + 1]!));
        ctx.beginPath();
        for (let k = 0; k < flat.length; k += 2) {
          ctx.moveTo(flat[k]! + radius, flat[k + 1]!);
          ctx.arc(flat[k]!, flat[k + 1]!, radius, 0, 2 * Math.PI);
        }
        ctx.fillStyle = color;
        ctx.fill();
      }
    }
    for (let k = 0; k < shown; k++) count += inside[k] ? 1 : 0;
    setAttributeIfChanged(this.element, "data-points", String(shown));
    setAttributeIfChanged(this.element, "data-inside", String(count));
    setAttributeIfChanged(this.element, "data-first", shown > 0 ? `${points[0]!.toFixed(6)},${points[1]!.toFixed(6)}` : "");
  }
}
