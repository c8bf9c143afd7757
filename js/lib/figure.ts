/**
 * A plain figure: a positioned box holding SVG axes, named canvas layers (ink.ts) and a layer for handles
 * (drag.ts), with the plot rectangle and data <-> pixel scales of its current layout. The lesson widgets
 * (Derivative, Jacobian) draw their curves and grids on it; LossSurface and Descent have surface_plot.ts.
 */
import { drawAxes } from "./axes";
import { htmlElement, setAttributes, svgElement } from "./dom";
import { Ink } from "./ink";
import { type PlotRect, type PlotScales, plotScales, type Range2 } from "./scale";

export interface Margins {
  left: number;
  right: number;
  top: number;
  bottom: number;
}

export const DEFAULT_MARGINS: Margins = { left: 52, right: 12, top: 8, bottom: 40 };

export class Figure<L extends string = string> {
  readonly element: HTMLDivElement;
  readonly svg: SVGSVGElement;
  readonly axes: SVGGElement;
  /** A transparent rectangle over the plot that takes the pointer (pan, zoom). */
  readonly hit: SVGRectElement;
  readonly handles: HTMLDivElement;
  rect: PlotRect = { left: 0, top: 0, width: 1, height: 1 };
  scales: PlotScales = plotScales([0, 1], [0, 1], this.rect);
  private readonly inks = new Map<L, Ink>();
  private readonly margins: Margins;

  constructor(doc: Document, className: string, layers: readonly L[], margins: Margins = DEFAULT_MARGINS) {
    this.margins = margins;
    this.element = htmlElement("div", { class: `jaxwidgets-figure ${className}` }, undefined, doc);
    this.svg = svgElement("svg", {}, doc);
    this.axes = svgElement("g", { class: "axis" }, doc);
    this.hit = svgElement("rect", { class: "plot-hit" }, doc);
    this.svg.append(this.axes);
    this.handles = htmlElement("div", { class: "handle-layers" }, undefined, doc);
    const hitSvg = svgElement("svg", { class: "hit-layer" }, doc);
    hitSvg.append(this.hit);
    this.element.append(this.svg);
    for (const name of layers) {
      const ink = new Ink(doc, name);
      this.inks.set(name, ink);
      this.element.append(ink.canvas);
    }
    this.element.append(hitSvg, this.handles);
  }

  /** Size the figure, set the scales for these ranges, and redraw its (linear) axes unless `axes` is false. */
  layout(width: number, height: number, xRange: Range2, yRange: Range2, labels: { x: string; y: string } | null): void {
    const m = this.margins;
    this.element.style.width = `${width}px`;
    this.element.style.height = `${height}px`;
    for (const svg of this.element.querySelectorAll(":scope > svg")) {
      svg.setAttribute("width", String(width));
      svg.setAttribute("height", String(height));
    }
    this.rect = { left: m.left, top: m.top, width: Math.max(1, width - m.left - m.right), height: Math.max(1, height - m.top - m.bottom) };
    this.scales = plotScales(xRange, yRange, this.rect);
    const { left, top, width: w, height: h } = this.rect;
    setAttributes(this.hit, { x: left, y: top, width: w, height: h });
    if (labels) drawAxes(this.axes, this.scales, this.rect, labels);
  }

  /** A cleared context of the named layer over the plot rectangle, clipped to it (null without canvases). */
  begin(layer: L): CanvasRenderingContext2D | null {
    const ctx = this.inks.get(layer)!.begin(this.rect);
    if (!ctx) return null;
    ctx.beginPath();
    ctx.rect(this.rect.left, this.rect.top, this.rect.width, this.rect.height);
    ctx.clip();
    return ctx;
  }

  /** A pointer event's position in the figure's pixels. */
  eventToPixel(event: MouseEvent): [number, number] {
    const box = this.element.getBoundingClientRect();
    return [event.clientX - box.left, event.clientY - box.top];
  }

  inPlot(px: number, py: number): boolean {
    const { left, top, width, height } = this.rect;
    return px >= left - 0.5 && px <= left + width + 0.5 && py >= top - 0.5 && py <= top + height + 0.5;
  }
}

/** Finite values' [min, max] padded by `pad` of the span (a unit span around a constant); null if none. */
export function paddedExtent(values: Iterable<number>, pad = 0.08): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (!(lo <= hi)) return null;
  const span = hi - lo || Math.max(1, Math.abs(lo));
  return [lo - pad * span, hi + pad * span];
}

/** Trace a polyline of data points through the scales, broken where a value is not finite. */
export function traceBroken(ctx: CanvasRenderingContext2D, scales: PlotScales, xs: ArrayLike<number>, ys: ArrayLike<number>): void {
  ctx.beginPath();
  let drawing = false;
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i]!;
    const y = ys[i]!;
    if (!Number.isFinite(x) || !Number.isFinite(y)) {
      drawing = false;
      continue;
    }
    const px = scales.x(x);
    const py = scales.y(y);
    if (drawing) ctx.lineTo(px, py);
    else ctx.moveTo(px, py);
    drawing = true;
  }
}

/**
 * Show `texts` as the spans of a readout, reusing the spans there and writing only the texts that changed: a
 * drag updates the readout every frame, and new nodes would cost style and layout each time.
 */
export function setSpans(element: HTMLElement, texts: readonly string[]): void {
  const doc = element.ownerDocument;
  while (element.children.length > texts.length) element.lastElementChild!.remove();
  texts.forEach((text, i) => {
    const span = element.children[i] ?? element.appendChild(doc.createElement("span"));
    if (span.textContent !== text) span.textContent = text;
  });
}
