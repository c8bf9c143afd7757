/**
 * Drawing and decoding helpers of the fit views (lib/fit_view.ts): the model curve on a canvas, the
 * sensitivities panel, and a reply's arrays decoded into what is shown.
 */
import { type BinaryLike, type BufferRecord, decodeMessageArray } from "./arrays";
import { PARAM_COLORS } from "./fit_panel";
import type { FitPlotBase, LowerPanel, Shown } from "./fit_view";
import { type LineStyle, strokePolyline } from "./ink";
import { createHandle, type Handle } from "./drag";
import { FRAME_EVENT, type FrameDetail } from "./protocol";
import type { PlotRect, PlotScales } from "./scale";

/** The arrays of a `params` reply (and of a Fit's final picture). */
export interface ReplyRecords {
  loss: number;
  values: BufferRecord;
  gradient: BufferRecord;
  curve: BufferRecord;
  sensitivities: BufferRecord;
}

/** A `fit` message: every iterate (row 0 the start) and the exact picture of the last. */
export interface FitMessage {
  thetas: BufferRecord;
  losses: BufferRecord;
  curves: BufferRecord;
  final: ReplyRecords;
}

/** The frames of a Fit's animation (no gradient or sensitivities on the way) and its final picture. */
export function fitFrames(message: FitMessage, buffers: readonly BinaryLike[], size: number): { frames: Shown[]; final: Shown } {
  const thetas = decodeMessageArray(message.thetas, buffers).data;
  const losses = decodeMessageArray(message.losses, buffers).data;
  const curves = decodeMessageArray(message.curves, buffers);
  const points = curves.shape[1] ?? 0;
  const frames = Array.from(losses, (loss, k) => ({
    values: Float32Array.from(thetas.subarray(k * size, (k + 1) * size)),
    loss,
    gradient: null,
    curve: Float32Array.from(curves.data.subarray(k * points, (k + 1) * points)),
    sensitivities: null,
  }));
  return { frames, final: decodeShown(message.final, buffers) };
}

const FRAME_MS = { min: 30, max: 120, total: 2000 };

/** Plays a Fit's frames on a timer (about 2 s in all), then its final picture; marks the root's
 * `data-animating` and `data-frame`. `text` says which step is shown. */
export class FitAnimation {
  text = "";
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly root: HTMLElement) {}

  play(frames: readonly Shown[], final: Shown, show: (shown: Shown) => void): void {
    this.stop();
    const delay = Math.min(FRAME_MS.max, Math.max(FRAME_MS.min, FRAME_MS.total / Math.max(1, frames.length)));
    const step = (k: number): void => {
      const frame = frames[k];
      this.timer = frame ? setTimeout(() => step(k + 1), delay) : null;
      this.text = frame ? `step ${k} of ${frames.length - 1}` : "";
      this.root.dataset.animating = String(Boolean(frame));
      this.root.dataset.frame = String(k);
      show(frame ?? final);
    };
    step(0);
  }

  stop(): void {
    if (this.timer === null) return;
    clearTimeout(this.timer);
    this.timer = null;
    this.text = "";
    this.root.dataset.animating = "false";
  }
}

export const MARGIN = { left: 62, right: 14, top: 8, bottom: 42, gap: 30 };
const MAIN_HEIGHT = 300;
const LOWER_HEIGHT = 100;

/** The data plot's rectangle, the lower panels' below it, and the figure's height, for a figure `width` wide. */
export function fitLayout(width: number, panels: number): { main: PlotRect; lower: PlotRect[]; height: number } {
  const plotWidth = width - MARGIN.left - MARGIN.right;
  const main = { left: MARGIN.left, top: MARGIN.top, width: plotWidth, height: MAIN_HEIGHT };
  const lower = Array.from({ length: panels }, (_, k) => ({
    left: MARGIN.left,
    top: main.top + main.height + MARGIN.gap + k * (LOWER_HEIGHT + MARGIN.gap),
    width: plotWidth,
    height: LOWER_HEIGHT,
  }));
  return { main, lower, height: main.top + main.height + panels * (LOWER_HEIGHT + MARGIN.gap) + MARGIN.bottom };
}

export interface HandlePlace {
  figure: HTMLElement;
  scales(): PlotScales;
  /** The slider ranges of the x and y parameters: the handle stays inside them. */
  ranges(): [[number, number], [number, number]];
  onMove(x: number, y: number): void;
  doc: Document;
}

/** A keyboard-operable handle at (params[x], params[y]) on the data plot (lib/drag.ts). */
export function parameterHandle(label: string, place: HandlePlace): Handle {
  let box: DOMRect | null = null;
  return createHandle(
    {
      label,
      eventToPixel: (event) => {
        // Measured once per drag, at the press: measuring per move forces a layout after every DOM change.
        if (event.type === "pointerdown" || !box) box = place.figure.getBoundingClientRect();
        return [event.clientX - box.left, event.clientY - box.top];
      },
      toData: (px, py) => [place.scales().x.invert(px), place.scales().y.invert(py)],
      toPixel: (x, y) => [place.scales().x(x), place.scales().y(y)],
      keyStep: () => {
        const [[x0, x1], [y0, y1]] = place.ranges();
        return [(x1 - x0) / 100, (y1 - y0) / 100];
      },
      clamp: (x, y) => [clampTo(x, place.ranges()[0]), clampTo(y, place.ranges()[1])],
      inPlot: () => true,
      onMove: (x, y) => place.onMove(x, y),
    },
    place.doc,
  );
}

export interface PlacedHandle {
  handle: Handle;
  /** The indices of its x and y parameters. */
  ix: number;
  iy: number;
}

/** The plot's handles, {label: [x parameter, y parameter]}: a move reports both parameters' new values. */
export function parameterHandles(
  pairs: Record<string, [string, string]>,
  names: readonly string[],
  place: Omit<HandlePlace, "ranges" | "onMove"> & {
    range(name: string): [number, number];
    onMove(changes: [number, number][]): void;
  },
): PlacedHandle[] {
  const placed: PlacedHandle[] = [];
  for (const [label, [xName, yName]] of Object.entries(pairs)) {
    const [ix, iy] = [names.indexOf(xName), names.indexOf(yName)];
    if (ix < 0 || iy < 0) continue;
    const handle = parameterHandle(label, {
      ...place,
      ranges: () => [place.range(xName), place.range(yName)],
      onMove: (x, y) =>
        place.onMove([
          [ix, x],
          [iy, y],
        ]),
    });
    handle.element.dataset.params = `${xName},${yName}`;
    placed.push({ handle, ix, iy });
  }
  return placed;
}

export function clampTo(value: number, [low, high]: [number, number]): number {
  return Math.min(high, Math.max(low, value));
}

export function decodeShown(records: ReplyRecords, buffers: readonly BinaryLike[]): Shown {
  const decode = (record: BufferRecord): Float32Array => decodeMessageArray(record, buffers).data as Float32Array;
  return {
    values: decode(records.values),
    loss: records.loss,
    gradient: decode(records.gradient),
    curve: decode(records.curve),
    sensitivities: decode(records.sensitivities),
  };
}

/** The model curve over the plot's x range (its first `curve_points` values). */
export function drawCurve(
  ctx: CanvasRenderingContext2D,
  scales: PlotScales,
  plot: FitPlotBase,
  curve: Float32Array,
  style: LineStyle,
): void {
  const n = Math.min(plot.curve_points, curve.length);
  const points: number[] = [];
  const [x0, x1] = plot.x_range;
  for (let k = 0; k < n; k++) {
    const y = curve[k]!;
    if (!Number.isFinite(y)) continue;
    points.push(scales.x(x0 + ((x1 - x0) * k) / Math.max(1, n - 1)), scales.y(y));
  }
  ctx.save();
  ctx.beginPath();
  const [left, right] = scales.x.range() as [number, number];
  const [bottom, top] = scales.y.range() as [number, number];
  ctx.rect(left, top, right - left, bottom - top);
  ctx.clip();
  strokePolyline(ctx, points, style);
  ctx.restore();
}

/** d curve / d theta_i per parameter, each scaled to its own largest magnitude (shapes, not units). */
export function sensitivityPanel<P extends FitPlotBase>(names: readonly string[]): LowerPanel<P> {
  return {
    label: "∂curve/∂θ (scaled)",
    yRange: (_plot, shown) => (shown.sensitivities ? [-1.1, 1.1] : null),
    draw(ctx, scales, plot, shown) {
      const all = shown.sensitivities;
      if (!all) return;
      const n = plot.curve_points;
      names.forEach((_name, i) => {
        const row = all.subarray(i * n, (i + 1) * n);
        let largest = 0;
        for (const v of row) largest = Math.max(largest, Math.abs(v));
        const scaled = Float32Array.from(row, (v) => (largest > 0 ? v / largest : 0));
        drawCurve(ctx, scales, plot, scaled, { color: PARAM_COLORS[i % PARAM_COLORS.length]!, width: 1.5 });
      });
    },
  };
}

/** A picture was painted: `data-exact-seq` (exact ones), and the `jaxwidgets:frame` event keyed by the first
 * handle's values as asked (what the latency benchmark and the browser tests match pointer moves to). */
export function announceFrame(root: HTMLElement, kind: FrameDetail["kind"], seq: number, xy: [number, number] | null): void {
  if (kind === "exact") root.dataset.exactSeq = String(seq);
  if (!xy) return;
  const detail: FrameDetail = { kind, x: xy[0], y: xy[1], seq, time: performance.now() };
  root.dispatchEvent(new CustomEvent(FRAME_EVENT, { detail, bubbles: true }));
}
