/**
 * The posterior predictive panel, in data space: the observed data (points, thinned and faint, or a
 * histogram) under the predictive curves of recent draws. Hidden when there is neither.
 */
import { asFloat32, decodeArray } from "../lib/arrays";
import { drawAxes } from "../lib/axes";
import { htmlElement, svgElement } from "../lib/dom";
import { type PlotRect, type PlotScales, plotScales } from "../lib/scale";
import { resolveColor } from "../lib/theme";
import { histogram, padded, predictiveStyle, union } from "./draws";
import type { Frame } from "./frame";
import type { Size } from "./layout";
import { createFigure, type Figure, finiteExtent, quantileExtent, type Range, sizeFigure } from "./marks";
import { hasData, type PosteriorModel } from "./protocol";
import type { Curves } from "./stream";
import { LAYOUT } from "./style";

interface Data {
  x: Float32Array;
  y: Float32Array | null;
  kind: "points" | "histogram";
}

/** A histogram of the data as a density (comparable with density curves), and the range it covers. */
interface Bars {
  bins: Float64Array;
  range: Range;
}

export class PredictivePanel {
  readonly element: HTMLDivElement;
  private readonly figure: Figure;
  private size: Size = { width: 0, height: 0 };
  private data: Data | null = null;

  constructor(doc: Document) {
    this.element = htmlElement("div", { class: "post-predictive" }, undefined, doc);
    this.figure = createFigure(doc, "", "predictive", "posterior predictive");
    this.element.append(htmlElement("div", { class: "panel-title" }, "posterior predictive", doc), this.figure.element);
    this.element.hidden = true;
  }

  resize(size: Size): void {
    this.size = size;
    sizeFigure(this.figure, size.width, size.height);
  }

  /** Take the `_data` trait (null when there is none or it is malformed, with a console note). */
  setData(state: PosteriorModel["_data"] | null | undefined): void {
    this.data = null;
    if (!hasData(state)) return;
    try {
      const x = asFloat32(decodeArray(state.x)).data;
      const y = state.y ? asFloat32(decodeArray(state.y)).data : null;
      this.data = { x, y, kind: state.kind === "points" && y ? "points" : "histogram" };
    } catch (error) {
      console.error("jaxwidgets: cannot decode _data", error);
    }
  }

  draw(frame: Frame, root: Element): void {
    const data = this.data;
    const curves = frame.stream.curves;
    this.element.hidden = data === null && curves === null;
    if (this.element.hidden) return;
    const { width, height } = this.size;
    const rect: PlotRect = { left: LAYOUT.left, top: 8, width: Math.max(60, width - LAYOUT.left - 14), height: height - 8 - LAYOUT.bottom };
    // Domain: the data and the curves (robustly: wild curves of early draws must not squash the data).
    const bars = data?.kind === "histogram" ? dataBars(data.x) : null;
    let xDomain = data ? finiteExtent(data.x) : null;
    let yDomain = bars ? ([0, Math.max(0, ...bars.bins)] as Range) : data?.kind === "points" && data.y ? finiteExtent(data.y) : null;
    if (curves) {
      xDomain = union(xDomain, finiteExtent(curves.x));
      yDomain = union(yDomain, quantileExtent(curves.curves, 0.01, 0.99));
    }
    const xr = padded(xDomain ?? [0, 1], 0.03);
    const yr = padded(yDomain ?? [0, 1], 0.06);
    if (bars) yr[0] = Math.max(yr[0], 0);
    const scales = plotScales(xr, yr, rect);
    const svg = this.figure.svg;
    const group = (svg.firstElementChild as SVGGElement | null) ?? svg.appendChild(svgElement("g", { class: "axis" }));
    drawAxes(group, scales, rect, { x: "x", y: data?.kind === "histogram" ? "density" : "y" });

    const ctx = this.figure.ink.begin({ left: 0, top: 0, width, height });
    if (!ctx) return;
    ctx.fillStyle = frame.background;
    ctx.fillRect(rect.left, rect.top, rect.width, rect.height);
    ctx.save();
    ctx.beginPath();
    ctx.rect(rect.left, rect.top, rect.width, rect.height);
    ctx.clip();
    if (bars) drawBars(ctx, scales, bars, frame.theme.text);
    // The data first and faint, thinned for display; the curves over it (draws.ts predictiveStyle).
    const points = data?.kind === "points" && data.y ? data : null;
    const style = predictiveStyle(points ? Math.min(points.x.length, points.y!.length) : 0, curves?.k ?? 0);
    if (points) drawPoints(ctx, scales, points, style, frame.theme.text);
    if (curves) drawCurves(ctx, scales, curves, style.curveAlpha, resolveColor(root, "--jp-brand-color1", "#1976d2"));
    ctx.restore();
  }
}

function dataBars(x: Float32Array): Bars | null {
  const extent = finiteExtent(x);
  if (!extent) return null;
  const range = extent[1] > extent[0] ? extent : padded(extent);
  const count = Math.max(8, Math.min(40, Math.round(Math.sqrt(x.length) * 2)));
  const bins = histogram(x, range[0], range[1], count);
  const widthPerBin = (range[1] - range[0]) / count;
  for (let b = 0; b < count; b++) bins[b]! /= Math.max(1, x.length) * widthPerBin;
  return { bins, range };
}

function drawBars(ctx: CanvasRenderingContext2D, scales: PlotScales, { bins, range }: Bars, color: string): void {
  ctx.fillStyle = color;
  ctx.globalAlpha = 0.25;
  const step = (range[1] - range[0]) / bins.length;
  for (let b = 0; b < bins.length; b++) {
    const x0 = scales.x(range[0] + b * step);
    const x1 = scales.x(range[0] + (b + 1) * step);
    const y = scales.y(bins[b]!);
    ctx.fillRect(x0, y, x1 - x0 - 0.5, scales.y(0) - y);
  }
  ctx.globalAlpha = 1;
}

function drawPoints(
  ctx: CanvasRenderingContext2D,
  scales: PlotScales,
  data: Data,
  style: ReturnType<typeof predictiveStyle>,
  color: string,
): void {
  const y = data.y!;
  ctx.fillStyle = color;
  ctx.globalAlpha = style.dotAlpha;
  const n = Math.min(data.x.length, y.length);
  const r = style.dotRadius;
  ctx.beginPath();
  for (let i = 0; i < n; i += style.stride) {
    const px = scales.x(data.x[i]!);
    const py = scales.y(y[i]!);
    if (!(Number.isFinite(px) && Number.isFinite(py))) continue;
    ctx.moveTo(px + r, py);
    ctx.arc(px, py, r, 0, 2 * Math.PI);
  }
  ctx.fill();
  ctx.globalAlpha = 1;
}

function drawCurves(ctx: CanvasRenderingContext2D, scales: PlotScales, curves: Curves, alpha: number, color: string): void {
  ctx.strokeStyle = color;
  ctx.globalAlpha = alpha;
  ctx.lineWidth = 1.6;
  ctx.lineJoin = "round";
  for (let j = 0; j < curves.k; j++) {
    ctx.beginPath();
    let started = false;
    for (let i = 0; i < curves.n; i++) {
      const px = scales.x(curves.x[i]!);
      const py = scales.y(curves.curves[j * curves.n + i]!);
      if (!(Number.isFinite(px) && Number.isFinite(py))) {
        started = false;
        continue;
      }
      if (started) ctx.lineTo(px, py);
      else ctx.moveTo(px, py);
      started = true;
    }
    ctx.stroke();
  }
  ctx.globalAlpha = 1;
}
