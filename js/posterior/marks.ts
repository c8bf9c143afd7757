/** Canvas marks and extents the Posterior plots share: chain dots, divergence crosses, reference lines. */
import { htmlElement, svgElement } from "../lib/dom";
import { Ink } from "../lib/ink";
import type { PlotRect, PlotScales } from "../lib/scale";
import { resolveColor } from "../lib/theme";
import { chainColor } from "./style";

export type Range = [number, number];

/** A figure: a div holding an ink canvas (class `inkClass`) under an SVG for axes. */
export interface Figure {
  element: HTMLDivElement;
  ink: Ink;
  svg: SVGSVGElement;
}

export function createFigure(doc: Document, className: string, inkClass: string, label: string): Figure {
  const element = htmlElement("div", { class: `jaxwidgets-figure${className ? ` ${className}` : ""}` }, undefined, doc);
  const ink = new Ink(doc, inkClass);
  const svg = svgElement("svg", { role: "img", "aria-label": label });
  element.append(ink.canvas, svg);
  return { element, ink, svg };
}

/** The figure and its SVG at this size (its ink canvas sizes itself when drawn). */
export function sizeFigure(figure: Figure, width: number, height: number): void {
  figure.element.style.width = `${width}px`;
  figure.element.style.height = `${height}px`;
  figure.svg.setAttribute("width", String(width));
  figure.svg.setAttribute("height", String(height));
}

/** The plots' background, from the theme. */
export function plotBackground(root: Element): string {
  return resolveColor(root, "--jp-layout-color2", "rgba(128, 128, 128, 0.12)");
}

export function finiteExtent(values: ArrayLike<number>): Range | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return Number.isFinite(lo) && Number.isFinite(hi) ? [lo, hi] : null;
}

/** The q-quantiles of the finite values (for axis ranges that ignore a few wild values). */
export function quantileExtent(values: ArrayLike<number>, lowQ: number, highQ: number): Range | null {
  const finite: number[] = [];
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i]!)) finite.push(values[i]!);
  if (finite.length === 0) return null;
  finite.sort((a, b) => a - b);
  const at = (q: number): number => finite[Math.min(finite.length - 1, Math.max(0, Math.round(q * (finite.length - 1))))]!;
  return [at(lowQ), at(highQ)];
}

/** Each chain's first `count` rows (of `stride` values) as `size`-pixel squares at columns [ix, iy], in its colour. */
export function drawChainDots(
  ctx: CanvasRenderingContext2D,
  scales: PlotScales,
  chains: readonly Float32Array[],
  count: number,
  stride: number,
  [ix, iy]: [number, number],
  size: number,
  alpha: number,
): void {
  ctx.globalAlpha = alpha;
  chains.forEach((rows, c) => {
    ctx.fillStyle = chainColor(c);
    for (let i = 0, k = 0; i < count; i++, k += stride) {
      const px = scales.x(rows[k + ix]!);
      const py = scales.y(rows[k + iy]!);
      if (Number.isFinite(px) && Number.isFinite(py)) ctx.fillRect(px - size / 2, py - size / 2, size, size);
    }
  });
}

/** A cross of half-width `r` at (px, py), added to the current path (skipped where not finite). */
export function crossPath(ctx: CanvasRenderingContext2D, px: number, py: number, r: number): void {
  if (!(Number.isFinite(px) && Number.isFinite(py))) return;
  ctx.moveTo(px - r, py - r);
  ctx.lineTo(px + r, py + r);
  ctx.moveTo(px - r, py + r);
  ctx.lineTo(px + r, py - r);
}

/**
 * A reference point (or value): dashed lines across the plot at x and y, and where both are given a ring with
 * a cross (white under dark, so it reads over dots and density alike).
 */
export function drawReference(
  ctx: CanvasRenderingContext2D,
  scales: PlotScales,
  rect: PlotRect,
  [x, y]: [number | null, number | null],
  color: string,
): void {
  if (x === null && y === null) return;
  const px = x === null ? null : scales.x(x);
  const py = y === null ? null : scales.y(y);
  ctx.save();
  ctx.globalAlpha = 0.9;
  ctx.strokeStyle = color;
  ctx.lineWidth = 1;
  ctx.setLineDash([4, 3]);
  ctx.beginPath();
  if (px !== null) {
    ctx.moveTo(px, rect.top);
    ctx.lineTo(px, rect.top + rect.height);
  }
  if (py !== null) {
    ctx.moveTo(rect.left, py);
    ctx.lineTo(rect.left + rect.width, py);
  }
  ctx.stroke();
  ctx.setLineDash([]);
  if (px !== null && py !== null) {
    for (const [stroke, width] of [
      ["#fff", 4],
      [color, 2],
    ] as const) {
      ctx.strokeStyle = stroke;
      ctx.lineWidth = width;
      ctx.beginPath();
      ctx.arc(px, py, 7, 0, 2 * Math.PI);
      ctx.moveTo(px - 10, py);
      ctx.lineTo(px + 10, py);
      ctx.moveTo(px, py - 10);
      ctx.lineTo(px, py + 10);
      ctx.stroke();
    }
  }
  ctx.restore();
}
