/**
 * Derivative's main plot: f over the view (gaps and a hatched band where f is undefined), the tangent from
 * grad and the osculating parabola from f'' at the exact point, and the handle that slides along the curve.
 * Wheel zooms and dragging the background pans (x only; y follows the curve); a double click resets.
 */
import { createHandle, type Handle } from "../lib/drag";
import { Figure, paddedExtent, traceBroken } from "../lib/figure";
import { strokePolyline } from "../lib/ink";
import type { Pair } from "../lib/protocol";
import { readCanvasTheme } from "../lib/theme";
import { type CurveReading, curveAt, curveXs, type PointReading } from "./model";

export const TANGENT_COLOR = "#e8710a";
export const PARABOLA_COLOR = "#12a4a4";
const ZOOM_PER_WHEEL_PIXEL = 1.0015;

export interface CurvePlotEvents {
  /** The handle moved to x (pointer or keyboard). */
  onMove(x: number): void;
  /** The user let go of the point. */
  onDragEnd(): void;
  /** The user panned or zoomed to a new x range; `reset` for the double click. */
  onView(xRange: Pair | null): void;
  listen(target: EventTarget, type: string, handler: (event: Event) => void, options?: AddEventListenerOptions): void;
}

export class CurvePlot {
  readonly figure: Figure<"curve" | "lines">;
  readonly handle: Handle;
  xRange: Pair = [-1, 1];
  yRange: Pair = [-1, 1];
  curve: CurveReading | null = null;
  private width = 600;

  constructor(
    doc: Document,
    private readonly events: CurvePlotEvents,
  ) {
    this.figure = new Figure(doc, "derivative-plot", ["curve", "lines"]);
    const figure = this.figure;
    this.handle = createHandle(
      {
        label: "point",
        eventToPixel: (event) => figure.eventToPixel(event),
        toData: (px, py) => [figure.scales.x.invert(px), figure.scales.y.invert(py)],
        toPixel: (x, y) => [figure.scales.x(x), figure.scales.y(Number.isFinite(y) ? y : (this.yRange[0] + this.yRange[1]) / 2)],
        keyStep: () => [(this.xRange[1] - this.xRange[0]) / 100, 0],
        clamp: (x) => {
          const cx = Math.min(this.xRange[1], Math.max(this.xRange[0], x));
          return [cx, curveAt(this.curve, cx)];
        },
        inPlot: (px, py) => figure.inPlot(px, py),
        onMove: (x) => events.onMove(x),
        onDragEnd: () => events.onDragEnd(),
      },
      doc,
    );
    figure.handles.append(this.handle.layer);
    this.listenPanZoom();
  }

  /** Lay out for a width and the current view; y follows the curve's finite values. */
  layout(width: number): void {
    this.width = width;
    const height = Math.round(Math.min(340, Math.max(220, width * 0.45)));
    this.figure.layout(width, height, this.xRange, this.yRange, { x: "x", y: "f(x)" });
    this.handle.relayout();
  }

  /** A new curve from the kernel: the view it was computed for, and y fitted to it. */
  setCurve(curve: CurveReading): void {
    this.curve = curve;
    this.xRange = curve.xRange;
    this.yRange = paddedExtent(curve.values) ?? [-1, 1];
    this.layout(this.width);
  }

  /** Draw f over the view (on its own layer: a drag does not redraw it). */
  drawCurve(): void {
    const theme = readCanvasTheme(this.figure.element);
    const curveCtx = this.figure.begin("curve");
    if (curveCtx && this.curve) {
      drawUndefined(curveCtx, this.figure, this.curve);
      traceBroken(curveCtx, this.figure.scales, curveXs(this.curve), this.curve.values);
      curveCtx.strokeStyle = theme.text;
      curveCtx.lineWidth = 2;
      curveCtx.lineJoin = "round";
      curveCtx.stroke();
    }
  }

  /** Draw what the exact reading shows: the tangent, the parabola when `order` is 2, the point. */
  drawLines(exact: PointReading | null, order: number): void {
    const ctx = this.figure.begin("lines");
    if (!ctx || !exact || !Number.isFinite(exact.value)) return;
    const { x, y } = this.figure.scales;
    const [x0, x1] = this.xRange;
    const along = (g: (dx: number) => number, n: number): number[] =>
      Array.from({ length: n }, (_, i) => x0 + ((x1 - x0) * i) / (n - 1)).flatMap((t) => [x(t), y(g(t - exact.x))]);
    if (order >= 2 && Number.isFinite(exact.curvature)) {
      const parabola = along((dx) => exact.value + exact.slope * dx + 0.5 * exact.curvature * dx * dx, 160);
      strokePolyline(ctx, parabola, { color: PARABOLA_COLOR, width: 1.8, dash: [6, 4] });
    }
    if (Number.isFinite(exact.slope)) {
      strokePolyline(
        ctx,
        along((dx) => exact.value + exact.slope * dx, 2),
        { color: TANGENT_COLOR, width: 2.2 },
      );
    }
    ctx.beginPath();
    ctx.arc(x(exact.x), y(exact.value), 3.5, 0, 2 * Math.PI);
    ctx.fillStyle = TANGENT_COLOR;
    ctx.fill();
  }

  private listenPanZoom(): void {
    const hit = this.figure.hit;
    let panFrom: { px: number; range: Pair } | null = null;
    this.events.listen(
      hit,
      "wheel",
      (event) => {
        const wheel = event as WheelEvent;
        wheel.preventDefault();
        const [px] = this.figure.eventToPixel(wheel);
        const centre = this.figure.scales.x.invert(px);
        const factor = ZOOM_PER_WHEEL_PIXEL ** wheel.deltaY;
        this.requestView([centre + (this.xRange[0] - centre) * factor, centre + (this.xRange[1] - centre) * factor]);
      },
      { passive: false },
    );
    this.events.listen(hit, "pointerdown", (event) => {
      const pointer = event as PointerEvent;
      if (pointer.button !== 0) return;
      panFrom = { px: this.figure.eventToPixel(pointer)[0], range: [...this.xRange] };
      hit.setPointerCapture?.(pointer.pointerId);
    });
    this.events.listen(hit, "pointermove", (event) => {
      if (!panFrom) return;
      const dx = this.figure.eventToPixel(event as PointerEvent)[0] - panFrom.px;
      const shift = (dx / this.figure.rect.width) * (panFrom.range[1] - panFrom.range[0]);
      this.requestView([panFrom.range[0] - shift, panFrom.range[1] - shift]);
    });
    const endPan = (): void => {
      panFrom = null;
    };
    for (const type of ["pointerup", "pointercancel"]) this.events.listen(hit, type, endPan);
    this.events.listen(hit, "dblclick", () => this.events.onView(null));
  }

  /** Move the view at once (the old curve is drawn where it is known) and ask for the new curve. */
  private requestView(range: Pair): void {
    if (!(range[1] - range[0] > 1e-5 * Math.max(Math.abs(range[0]), Math.abs(range[1]), 1e-30))) return;
    this.xRange = range;
    this.layout(this.width);
    this.events.onView(range);
  }
}

/** A hatched band over each run of samples where f is not a finite number. */
function drawUndefined(ctx: CanvasRenderingContext2D, figure: Figure, curve: CurveReading): void {
  const xs = curveXs(curve);
  const { rect, scales } = figure;
  const step = (xs[1]! - xs[0]!) / 2;
  ctx.save();
  ctx.fillStyle = "rgba(128, 128, 128, 0.22)";
  for (let i = 0; i < xs.length; i++) {
    if (Number.isFinite(curve.values[i]!)) continue;
    let j = i;
    while (j + 1 < xs.length && !Number.isFinite(curve.values[j + 1]!)) j++;
    const left = scales.x(xs[i]! - step);
    ctx.fillRect(left, rect.top, scales.x(xs[j]! + step) - left, rect.height);
    i = j;
  }
  ctx.restore();
}
