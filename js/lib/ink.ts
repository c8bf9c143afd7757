/**
 * Ink: a canvas layer of a figure, sized to a rectangle on whole device pixels at the device pixel ratio. The
 * heatmap is drawn on one; so is what changes on every drag (Descent's paths and arrows, the loss chart's
 * lines), each in its own compositing layer. Redrawing those never repaints the heatmap, contours or axes
 * beneath, and costs no style or layout work: in a trace of a 3 s Descent drag, moving the paths from SVG to
 * canvases cut the page's raster work from 1.5 s to 0.4 s, and its style and layout from 0.57 s to 0.19 s.
 *
 * Also the few painting primitives the widgets share: polylines with a dark halo, step dots, arrows, marks.
 */
import type { Pair } from "./protocol";
import type { PlotRect } from "./scale";

/**
 * A polyline is drawn without the points whose removal moves it by less than this (px): invisible, and the
 * canvas's cost grows with the number of segments (a 200-step path is often drawn with a few dozen).
 */
export const MAX_DEVIATION_PX = 0.35;

export class Ink {
  private layer: HTMLCanvasElement;
  private readonly className: string;
  private readonly doc: Document;
  private placed = "";
  /** Whether the canvas's context was made without alpha (null: no context yet). */
  private opaque: boolean | null = null;

  constructor(doc: Document, className: string) {
    this.doc = doc;
    this.className = className;
    this.layer = this.newCanvas();
  }

  /** The canvas element (a new one when an ink turns opaque or back: a context's alpha is fixed). */
  get canvas(): HTMLCanvasElement {
    return this.layer;
  }

  /**
   * Size the canvas to `rect` (CSS px, in the figure's coordinates) at the device pixel ratio, clear it, and
   * return a context that draws in the figure's coordinates. Null where canvases are unavailable (jsdom):
   * callers then draw nothing.
   *
   * `background` is what lies beneath the canvas. Where it is an opaque colour the canvas is filled with it
   * and the layer is opaque: the compositor then skips what lies beneath (the page; in software compositing
   * half of its drawing during a drag). Otherwise (translucent, none, or "" from a detached element) the
   * canvas is cleared and transparent.
   */
  begin(rect: PlotRect, background?: string): CanvasRenderingContext2D | null {
    const dpr = this.doc.defaultView?.devicePixelRatio ?? 1;
    // On whole device pixels (at 1.25x, 62 px is 77.5): a layer placed between pixels is resampled, which
    // blurs thin lines.
    const [left, top] = [Math.floor(rect.left * dpr), Math.floor(rect.top * dpr)];
    const width = Math.max(1, Math.ceil((rect.left + rect.width) * dpr) - left);
    const height = Math.max(1, Math.ceil((rect.top + rect.height) * dpr) - top);
    const opaque = background !== undefined && isOpaqueColor(this.doc, background);
    const ctx = this.context(opaque);
    if (this.canvas.width !== width || this.canvas.height !== height) {
      this.canvas.width = width;
      this.canvas.height = height;
    }
    const placed = `${left}|${top}|${width}|${height}|${dpr}`;
    if (placed !== this.placed) {
      this.placed = placed;
      const px = (device: number): string => `${device / dpr}px`;
      Object.assign(this.canvas.style, { left: px(left), top: px(top), width: px(width), height: px(height) });
    }
    if (!ctx) return null;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, width, height);
    if (opaque) {
      ctx.fillStyle = background!;
      ctx.fillRect(0, 0, width, height);
    }
    ctx.setTransform(dpr, 0, 0, dpr, -left, -top);
    return ctx;
  }

  private context(opaque: boolean): CanvasRenderingContext2D | null {
    if (this.opaque !== null && this.opaque !== opaque) {
      const fresh = this.newCanvas();
      this.layer.replaceWith(fresh);
      this.layer = fresh;
      this.placed = "";
    }
    const ctx = this.layer.getContext("2d", { alpha: !opaque });
    if (ctx) this.opaque = opaque;
    return ctx;
  }

  private newCanvas(): HTMLCanvasElement {
    const canvas = this.doc.createElement("canvas");
    canvas.className = `ink ${this.className}`;
    canvas.setAttribute("aria-hidden", "true");
    return canvas;
  }
}

let colorProbe: CanvasRenderingContext2D | null | undefined;

/** Is a CSS colour fully opaque? (A canvas writes opaque colours back as #rrggbb, others as rgba().) */
export function isOpaqueColor(doc: Document, color: string): boolean {
  colorProbe ??= doc.createElement("canvas").getContext("2d");
  if (!colorProbe) return false;
  colorProbe.fillStyle = "rgba(0, 0, 0, 0)";
  colorProbe.fillStyle = color;
  return /^#[0-9a-f]{6}$/i.test(String(colorProbe.fillStyle));
}

/**
 * A polyline (flat pixel points [x0, y0, x1, y1, ...]) without the points that lie within `tolerance` px of
 * the line drawn without them (Douglas-Peucker). The ends are always kept.
 */
export function thinPolyline(points: readonly number[], tolerance = MAX_DEVIATION_PX): number[] {
  const n = points.length >> 1;
  if (n <= 2) return points.slice(0, 2 * n);
  const keep = new Uint8Array(n);
  keep[0] = 1;
  keep[n - 1] = 1;
  const spans: [number, number][] = [[0, n - 1]];
  while (spans.length > 0) {
    const [first, last] = spans.pop()!;
    const [ax, ay, bx, by] = [points[2 * first]!, points[2 * first + 1]!, points[2 * last]!, points[2 * last + 1]!];
    const length = Math.hypot(bx - ax, by - ay);
    let worst = -1;
    let farthest = tolerance;
    for (let k = first + 1; k < last; k++) {
      const [x, y] = [points[2 * k]!, points[2 * k + 1]!];
      // Distance to the segment's line (to its first end when the segment has no length).
      const d = length > 0 ? Math.abs((bx - ax) * (ay - y) - (ax - x) * (by - ay)) / length : Math.hypot(x - ax, y - ay);
      if (d > farthest) {
        farthest = d;
        worst = k;
      }
    }
    if (worst < 0) continue;
    keep[worst] = 1;
    spans.push([first, worst], [worst, last]);
  }
  const out: number[] = [];
  for (let k = 0; k < n; k++) if (keep[k]) out.push(points[2 * k]!, points[2 * k + 1]!);
  return out;
}

function tracePolyline(ctx: CanvasRenderingContext2D, points: readonly number[]): void {
  ctx.beginPath();
  for (let k = 0; k < points.length; k += 2) {
    if (k === 0) ctx.moveTo(points[0]!, points[1]!);
    else ctx.lineTo(points[k]!, points[k + 1]!);
  }
}

export interface LineStyle {
  color: string;
  width: number;
  /** A dark line this much wider drawn first, so the line reads on any colour beneath. */
  halo?: number;
  /** Dash pattern of the line; the halo's too when `dashHalo`. */
  dash?: number[];
  dashHalo?: boolean;
}

/** A polyline (flat pixel points) with round joins, over its halo. */
export function strokePolyline(ctx: CanvasRenderingContext2D, points: readonly number[], style: LineStyle): void {
  if (points.length < 4) return;
  tracePolyline(ctx, points);
  ctx.lineJoin = "round";
  ctx.lineCap = "round";
  if (style.halo) {
    ctx.setLineDash(style.dashHalo ? (style.dash ?? []) : []);
    ctx.strokeStyle = HALO;
    ctx.lineWidth = style.width + style.halo;
    ctx.stroke();
  }
  ctx.setLineDash(style.dash ?? []);
  ctx.strokeStyle = style.color;
  ctx.lineWidth = style.width;
  ctx.stroke();
  ctx.setLineDash([]);
}

export const HALO = "rgba(0, 0, 0, 0.55)";

/** Filled dots of `radius` at flat pixel points, in one path. */
export function fillDots(ctx: CanvasRenderingContext2D, points: readonly number[], radius: number, color: string): void {
  if (points.length < 2) return;
  ctx.beginPath();
  for (let k = 0; k < points.length; k += 2) {
    ctx.moveTo(points[k]! + radius, points[k + 1]!);
    ctx.arc(points[k]!, points[k + 1]!, radius, 0, 2 * Math.PI);
  }
  ctx.fillStyle = color;
  ctx.fill();
}

/** An arrow from `from` along the pixel vector `d`: a shaft and a filled head, over a dark halo; dashed, with
 * a lighter head, for a velocity. */
export function drawArrow(ctx: CanvasRenderingContext2D, from: Pair, d: Pair, color: string, dashed: boolean): void {
  const [px, py] = from;
  const [dx, dy] = d;
  const length = Math.hypot(dx, dy);
  if (!(length > 0)) return;
  const ux = dx / length;
  const uy = dy / length;
  const head = Math.min(7, length * 0.45);
  const tip: Pair = [px + dx, py + dy];
  const base: Pair = [tip[0] - ux * head, tip[1] - uy * head];
  const wing = head * 0.55;
  strokePolyline(ctx, [px, py, base[0], base[1]], { color, width: 2, halo: 2, dash: dashed ? [4, 3] : undefined, dashHalo: true });
  ctx.beginPath();
  ctx.moveTo(tip[0], tip[1]);
  ctx.lineTo(base[0] - uy * wing, base[1] + ux * wing);
  ctx.lineTo(base[0] + uy * wing, base[1] - ux * wing);
  ctx.closePath();
  ctx.save();
  if (dashed) ctx.globalAlpha *= 0.6;
  ctx.fillStyle = color;
  ctx.fill();
  ctx.restore();
  ctx.strokeStyle = "rgba(0, 0, 0, 0.6)";
  ctx.lineWidth = 1;
  ctx.stroke();
}

/** A filled circle with a thin black outline (the current step's position). */
export function drawMarker(ctx: CanvasRenderingContext2D, at: Pair, radius: number, color: string): void {
  ctx.beginPath();
  ctx.arc(at[0], at[1], radius, 0, 2 * Math.PI);
  ctx.fillStyle = color;
  ctx.fill();
  ctx.strokeStyle = "#000";
  ctx.lineWidth = 1.2;
  ctx.stroke();
}

/** A bold glyph (e.g. "✕" where a path diverged) in `color`, outlined in black. */
export function drawMark(ctx: CanvasRenderingContext2D, at: Pair, glyph: string, color: string): void {
  ctx.font = "700 15px sans-serif";
  ctx.textAlign = "center";
  ctx.textBaseline = "middle";
  ctx.lineWidth = 2;
  ctx.strokeStyle = "rgba(0, 0, 0, 0.7)";
  ctx.strokeText(glyph, at[0], at[1]);
  ctx.fillStyle = color;
  ctx.fillText(glyph, at[0], at[1]);
}
