/**
 * Jacobian's two planes: the input plane with its grid, the dragged point and the circle around it; the
 * output plane with the grid's image (deformed), the circle's true image and its image under J.
 */
import { createHandle, type Handle } from "../lib/drag";
import { Figure, paddedExtent } from "../lib/figure";
import { strokePolyline } from "../lib/ink";
import type { Pair } from "../lib/protocol";
import type { GridReading, PointReading } from "./model";
import { linearImage } from "./model";

export const COLORS = {
  vertical: "rgba(61, 143, 214, 0.75)",
  horizontal: "rgba(46, 160, 67, 0.75)",
  truth: "#e8710a",
  linear: "#d6336c",
} as const;
const CIRCLE_STEPS = 64;

/** Draw each grid polyline (flat [x, y] data points) through a figure's scales, coloured by direction. */
function drawGrid(ctx: CanvasRenderingContext2D, figure: Figure, points: Float32Array, grid: GridReading): void {
  const { x, y } = figure.scales;
  for (let line = 0; line < grid.count; line++) {
    const flat: number[] = [];
    for (let k = 0; k < grid.samples; k++) {
      const i = 2 * (line * grid.samples + k);
      const [u, v] = [points[i]!, points[i + 1]!];
      if (Number.isFinite(u) && Number.isFinite(v)) flat.push(x(u), y(v));
    }
    const color = line < grid.count / 2 ? COLORS.vertical : COLORS.horizontal;
    strokePolyline(ctx, flat, { color, width: 1.1 });
  }
}

function closedPath(figure: Figure, flat: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) {
    if (Number.isFinite(flat[i]!) && Number.isFinite(flat[i + 1]!)) out.push(figure.scales.x(flat[i]!), figure.scales.y(flat[i + 1]!));
  }
  if (out.length >= 4) out.push(out[0]!, out[1]!);
  return out;
}

export class InputPlane {
  readonly figure: Figure<"grid" | "circle">;
  readonly handle: Handle;
  xRange: Pair = [-1, 1];
  yRange: Pair = [-1, 1];

  constructor(doc: Document, onMove: (x: number, y: number) => void) {
    this.figure = new Figure(doc, "jacobian-input", ["grid", "circle"]);
    const figure = this.figure;
    this.handle = createHandle(
      {
        label: "point",
        eventToPixel: (event) => figure.eventToPixel(event),
        toData: (px, py) => [figure.scales.x.invert(px), figure.scales.y.invert(py)],
        toPixel: (x, y) => [figure.scales.x(x), figure.scales.y(y)],
        keyStep: () => [(this.xRange[1] - this.xRange[0]) / 100, (this.yRange[1] - this.yRange[0]) / 100],
        clamp: (x, y) => [Math.min(this.xRange[1], Math.max(this.xRange[0], x)), Math.min(this.yRange[1], Math.max(this.yRange[0], y))],
        inPlot: (px, py) => figure.inPlot(px, py),
        onMove,
      },
      doc,
    );
    figure.handles.append(this.handle.layer);
    figure.hit.style.cursor = "default";
  }

  layout(size: number, labels: { x: string; y: string }): void {
    this.figure.layout(size, size, this.xRange, this.yRange, labels);
    this.handle.relayout();
  }

  drawGrid(grid: GridReading | null): void {
    const ctx = this.figure.begin("grid");
    if (ctx && grid) drawGrid(ctx, this.figure, grid.lines, grid);
  }

  /** The circle around the handle: drawn where the handle is, at once (the input plane needs no kernel). */
  drawCircle(radius: number): void {
    const ctx = this.figure.begin("circle");
    if (!ctx) return;
    const [x, y] = this.handle.position();
    const flat = Array.from({ length: CIRCLE_STEPS }, (_, k) => {
      const t = (2 * Math.PI * k) / CIRCLE_STEPS;
      return [x + radius * Math.cos(t), y + radius * Math.sin(t)];
    }).flat();
    strokePolyline(ctx, closedPath(this.figure, flat), { color: COLORS.truth, width: 2 });
  }
}

export class OutputPlane {
  readonly figure: Figure<"grid" | "images">;
  uRange: Pair = [-1, 1];
  vRange: Pair = [-1, 1];

  constructor(doc: Document) {
    this.figure = new Figure(doc, "jacobian-output", ["grid", "images"]);
    this.figure.hit.style.cursor = "default";
  }

  /** The view follows the grid's image: its finite extent, made square so that angles read true. */
  fit(grid: GridReading): void {
    const us: number[] = [];
    const vs: number[] = [];
    for (let i = 0; i + 1 < grid.image.length; i += 2) {
      us.push(grid.image[i]!);
      vs.push(grid.image[i + 1]!);
    }
    const u = paddedExtent(us, 0.05) ?? [-1, 1];
    const v = paddedExtent(vs, 0.05) ?? [-1, 1];
    const half = Math.max(u[1] - u[0], v[1] - v[0]) / 2;
    const [cu, cv] = [(u[0] + u[1]) / 2, (v[0] + v[1]) / 2];
    this.uRange = [cu - half, cu + half];
    this.vRange = [cv - half, cv + half];
  }

  layout(size: number): void {
    this.figure.layout(size, size, this.uRange, this.vRange, { x: "u", y: "v" });
  }

  drawGrid(grid: GridReading | null): void {
    const ctx = this.figure.begin("grid");
    if (ctx && grid) drawGrid(ctx, this.figure, grid.image, grid);
  }

  /** The circle's true image (solid) and its image under J (dashed), and f(p). */
  drawImages(reading: PointReading | null): void {
    const ctx = this.figure.begin("images");
    if (!ctx || !reading) return;
    strokePolyline(ctx, closedPath(this.figure, reading.circle), { color: COLORS.truth, width: 2.2 });
    strokePolyline(ctx, closedPath(this.figure, linearImage(reading, CIRCLE_STEPS)), { color: COLORS.linear, width: 2, dash: [5, 3] });
    const [u, v] = reading.value;
    if (!Number.isFinite(u) || !Number.isFinite(v)) return;
    ctx.beginPath();
    ctx.arc(this.figure.scales.x(u), this.figure.scales.y(v), 4, 0, 2 * Math.PI);
    ctx.fillStyle = COLORS.truth;
    ctx.fill();
    ctx.strokeStyle = "#000";
    ctx.lineWidth = 1;
    ctx.stroke();
  }
}
