/**
 * A small loss-versus-step chart: axes in SVG, one line per series on a canvas (lib/ink.ts), log y scale
 * when every value shown is > 0, and a vertical marker at the current step that moves without redrawing the
 * lines. The y range is sticky: it stays while the lines fit and fill at least half of it, and while a
 * drag goes on (`hold`) it only grows, so a drag redraws the lines but hardly ever the axes (with the plain
 * rule, losses that swing as a start circles rebuilt them on about one reply in ten).
 */
import { type ScaleLinear, type ScaleLogarithmic, scaleLinear, scaleLog } from "d3-scale";
import { clear, htmlElement, setAttributeIfChanged, svgElement } from "../lib/dom";
import { formatTick } from "../lib/format";
import { Ink, strokePolyline, thinPolyline } from "../lib/ink";

export interface LossSeries {
  name: string;
  color: string;
  /** Loss at steps 0..n; drawn up to `cut` (exclusive) when given. */
  values: ArrayLike<number>;
  cut: number | null;
}

const MARGIN = { left: 62, right: 24, top: 10, bottom: 34 };
/** The chart's height unless `draw` is given another. */
export const CHART_HEIGHT = 150;

export interface LossDomain {
  lo: number;
  hi: number;
  log: boolean;
}

/** Margin added on both sides of a new y range, as a fraction of the data's span (in scale units). */
const DOMAIN_PADDING = 0.08;
/** A y range is kept while the data spans at least this fraction of it. */
const DOMAIN_MIN_FILL = 0.5;

/**
 * The y range to draw `needed` in, given the one drawn before: kept while `needed` lies inside it and fills
 * at least DOMAIN_MIN_FILL of it (in log10 units on a log axis), else `needed` padded on both sides. With
 * `hold` (a drag goes on) it is kept whenever `needed` fits, and grows to take in both where it does not.
 */
export function stickyDomain(previous: LossDomain | null, needed: LossDomain, hold = false): LossDomain {
  const unit = (v: number): number => (needed.log ? Math.log10(v) : v);
  let [a, b] = [unit(needed.lo), unit(needed.hi)];
  if (previous !== null && previous.log === needed.log) {
    const [pa, pb] = [unit(previous.lo), unit(previous.hi)];
    const fits = pa <= a && b <= pb;
    if (fits && (hold || b - a >= DOMAIN_MIN_FILL * (pb - pa))) return previous;
    if (hold) [a, b] = [Math.min(a, pa), Math.max(b, pb)];
  }
  const span = b - a || (needed.log ? 0.5 : Math.max(Math.abs(a) * 0.1, 1e-12));
  const pad = b - a > 0 ? span * DOMAIN_PADDING : span;
  const back = (u: number): number => (needed.log ? 10 ** u : u);
  return { lo: back(a - pad), hi: back(b + pad), log: needed.log };
}

/** Finite range of the drawn values, and whether all of them are > 0 (then the y axis is log). */
export function lossDomain(series: readonly LossSeries[]): { lo: number; hi: number; log: boolean } | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of series) {
    const end = Math.min(s.values.length, s.cut ?? s.values.length);
    for (let t = 0; t < end; t++) {
      const v = s.values[t]!;
      if (!Number.isFinite(v)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  if (!(lo <= hi)) return null;
  return { lo, hi, log: lo > 0 };
}

export class LossChart {
  readonly element: HTMLDivElement;
  private readonly svg: SVGSVGElement;
  private readonly lines: Ink;
  private readonly axes: SVGGElement;
  private readonly marker: SVGLineElement;
  /** The width drawn for (-1 before the first draw, so that one sizes the chart). */
  private width = -1;
  private height = CHART_HEIGHT;
  /** What the axes were drawn for ("" before the first draw). */
  private axesKey = "";
  private steps = 1;
  private domain: LossDomain | null = null;
  /** Whether the y axis was log in the last draw (for tests and the page). */
  log = false;

  constructor(doc: Document = document) {
    this.element = htmlElement("div", { class: "loss-chart", role: "img", "aria-label": "loss per step" }, undefined, doc);
    this.element.style.height = `${CHART_HEIGHT}px`;
    this.svg = svgElement("svg", {}, doc);
    this.axes = svgElement("g", { class: "axis" }, doc);
    this.marker = svgElement("line", { class: "step-marker" }, doc);
    this.svg.append(this.axes, this.marker);
    this.lines = new Ink(doc, "loss-lines");
    this.element.append(this.svg, this.lines.canvas);
  }

  /**
   * Draw the lines (and the axes where they changed); `hold` while a drag goes on: the y range only grows.
   * `height` is the chart's height (it keeps the last one given).
   */
  draw(width: number, steps: number, series: readonly LossSeries[], step: number, hold = false, height = this.height): void {
    if (width !== this.width || height !== this.height) {
      this.width = width;
      this.height = height;
      this.element.style.width = `${width}px`;
      this.element.style.height = `${height}px`;
      this.svg.setAttribute("width", String(width));
      this.svg.setAttribute("height", String(height));
    }
    this.steps = Math.max(1, steps);
    const { left, right, top, bottom } = plotBox(width, this.height);
    const x = scaleLinear().domain([0, this.steps]).range([left, right]);
    const needed = lossDomain(series);
    this.domain = needed === null ? null : stickyDomain(this.domain, needed, hold);
    const y = this.domain === null ? null : yScaleFor(this.domain, bottom, top);
    // The axes (ticks, labels) only change with the size, the steps or the y range: not on every drag.
    const axesKey = `${width}x${this.height}|${this.steps}|${this.domain ? `${this.domain.lo}|${this.domain.hi}|${this.domain.log}` : ""}`;
    if (axesKey !== this.axesKey) {
      this.axesKey = axesKey;
      this.drawAxes(x, y);
    }
    this.log = this.domain?.log ?? false;
    this.drawLines(series, x, y, { left, top, width: right - left, height: bottom - top });
    this.placeMarker(step);
  }

  /** The lines on the canvas; its `data-lines` names what was drawn (for tests and tools). */
  private drawLines(
    series: readonly LossSeries[],
    x: (t: number) => number,
    y: YScale | null,
    box: { left: number; top: number; width: number; height: number },
  ): void {
    const ctx = this.lines.begin(box);
    const drawn: { name: string; points: number }[] = [];
    if (y !== null) {
      for (const s of series) {
        const end = Math.min(s.values.length, s.cut ?? s.values.length);
        let points: number[] = [];
        let count = 0;
        const flush = (): void => {
          if (ctx) strokePolyline(ctx, thinPolyline(points), { color: s.color, width: 1.8 });
          count += points.length / 2;
          points = [];
        };
        for (let t = 0; t < end; t++) {
          const v = s.values[t]!;
          if (!Number.isFinite(v) || (this.log && v <= 0)) flush();
          else points.push(x(t), y(v));
        }
        flush();
        drawn.push({ name: s.name, points: count });
      }
    }
    setAttributeIfChanged(this.lines.canvas, "data-lines", JSON.stringify(drawn));
  }

  private drawAxes(x: ScaleLinear<number, number>, y: YScale | null): void {
    const { left, right, top, bottom } = plotBox(this.width, this.height);
    clear(this.axes);
    this.axes.append(svgElement("rect", { x: left + 0.5, y: top + 0.5, width: right - left - 1, height: bottom - top - 1, fill: "none" }));
    for (const t of x.ticks(Math.max(3, Math.round((right - left) / 90)))) {
      const px = Math.round(x(t)) + 0.5;
      this.axes.append(svgElement("line", { x1: px, x2: px, y1: bottom, y2: bottom + 4 }));
      this.axes.append(text(formatTick(t), px, bottom + 15, "middle"));
    }
    this.axes.append(text("step", (left + right) / 2, bottom + 29, "middle", "axis-label"));
    const yLabel = text("loss", 0, 0, "middle", "axis-label");
    yLabel.setAttribute("transform", `translate(${left - 46}, ${(top + bottom) / 2}) rotate(-90)`);
    this.axes.append(yLabel);
    if (y === null) return;
    const most = Math.max(5, Math.round((bottom - top) / 24));
    const ticks = fewerTicks(y.ticks(Math.max(4, Math.round((bottom - top) / 40))), most, this.domain?.log ?? false);
    for (const t of ticks) {
      const py = Math.round(y(t)) + 0.5;
      this.axes.append(svgElement("line", { x1: left - 4, x2: left, y1: py, y2: py }));
      this.axes.append(text(formatTick(t), left - 7, py + 4, "end"));
    }
  }

  /** Move the current-step marker (cheap: called on every animation frame while playing). */
  placeMarker(step: number): void {
    if (this.width < 0) return; // not drawn yet
    const left = MARGIN.left;
    const right = this.width - MARGIN.right;
    const px = left + (Math.min(Math.max(step, 0), this.steps) / this.steps) * (right - left);
    for (const [name, value] of Object.entries({ x1: px, x2: px, y1: MARGIN.top, y2: this.height - MARGIN.bottom })) {
      setAttributeIfChanged(this.marker, name, value.toFixed(1));
    }
    setAttributeIfChanged(this.marker, "data-step", String(step));
  }
}

/**
 * At most `most` of a scale's ticks: on a log axis 1, 2 and 5 in each decade where they fit (as loss_figure()
 * has them), else the powers of ten; else every k-th.
 */
export function fewerTicks(ticks: readonly number[], most: number, log: boolean): number[] {
  if (ticks.length <= most) return [...ticks];
  if (log) {
    const mantissa = (t: number): number => t / 10 ** Math.floor(Math.log10(t) + 1e-9);
    const oneTwoFive = ticks.filter((t) => [1, 2, 5].some((m) => Math.abs(mantissa(t) - m) < 1e-6));
    if (oneTwoFive.length >= 2 && oneTwoFive.length <= most) return oneTwoFive;
    const powers = ticks.filter((t) => Math.abs(Math.log10(t) - Math.round(Math.log10(t))) < 1e-9);
    if (powers.length >= 2) return powers;
  }
  const every = Math.ceil(ticks.length / (most - 1));
  return ticks.filter((_, k) => k % every === 0);
}

type YScale = ScaleLinear<number, number> | ScaleLogarithmic<number, number>;

/** The plot area inside the chart's margins. */
function plotBox(width: number, height: number): { left: number; right: number; top: number; bottom: number } {
  return { left: MARGIN.left, right: width - MARGIN.right, top: MARGIN.top, bottom: height - MARGIN.bottom };
}

/** The y scale for the loss range (log or linear), padded when the range is a single value. */
function yScaleFor(domain: { lo: number; hi: number; log: boolean }, bottom: number, top: number): YScale {
  let { lo, hi } = domain;
  if (lo === hi) {
    const pad = domain.log ? lo * 0.5 : Math.max(Math.abs(lo) * 0.1, 1e-12);
    lo -= pad;
    hi += pad;
  }
  return domain.log ? scaleLog().domain([lo, hi]).range([bottom, top]) : scaleLinear().domain([lo, hi]).range([bottom, top]).nice();
}

function text(content: string, x: number, y: number, anchor: string, cls?: string): SVGTextElement {
  const element = svgElement("text", { x, y, "text-anchor": anchor });
  if (cls) element.setAttribute("class", cls);
  element.textContent = content;
  return element;
}
