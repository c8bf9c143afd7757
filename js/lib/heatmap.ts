/**
 * Paint a grid of values on a canvas: one pixel per grid cell in an ImageData, drawn scaled with smoothing off
 * so cells stay crisp. Row 0 of the grid is the BOTTOM row (y = y_min), so rows are flipped on the way in.
 * Undefined cells are transparent in the image and a grey hatch painted underneath shows through: no colormap
 * colour is grey, so "undefined" can never be mistaken for a value.
 */
import { type Normalization, viridis, writeColor } from "./colormap";
import type { PlotRect } from "./scale";

/** RGBA bytes of an (ny, nx) grid, top image row first (grid row ny - 1). */
export function gridToRgba(values: Float32Array, nx: number, ny: number, norm: Normalization, lut = viridis()): Uint8ClampedArray {
  const rgba = new Uint8ClampedArray(nx * ny * 4);
  for (let j = 0; j < ny; j++) {
    const imageRow = ny - 1 - j;
    for (let i = 0; i < nx; i++) {
      writeColor(rgba, (imageRow * nx + i) * 4, values[j * nx + i]!, norm, lut);
    }
  }
  return rgba;
}

/** True when some value is not finite, so the hatch is needed at all. */
export function hasUndefined(values: Float32Array): boolean {
  for (let k = 0; k < values.length; k++) if (!Number.isFinite(values[k]!)) return true;
  return false;
}

/** The grid as a small canvas at grid resolution, ready to be drawn scaled. Null where canvas is missing. */
export function gridImage(
  values: Float32Array,
  nx: number,
  ny: number,
  norm: Normalization,
  doc: Document = document,
): HTMLCanvasElement | null {
  const canvas = doc.createElement("canvas");
  canvas.width = nx;
  canvas.height = ny;
  const ctx = canvas.getContext("2d");
  if (!ctx) return null;
  const image = ctx.createImageData(nx, ny);
  image.data.set(gridToRgba(values, nx, ny, norm));
  ctx.putImageData(image, 0, 0);
  return canvas;
}

const HATCH_BACKGROUND = "#9e9e9e";
const HATCH_LINE = "#6e6e6e";

/** A diagonal grey hatch for undefined cells, sized in CSS pixels and crisp at the device pixel ratio. */
export function hatchPattern(ctx: CanvasRenderingContext2D, dpr: number, doc: Document = document): CanvasPattern | string {
  const size = Math.max(1, Math.round(8 * dpr));
  const tile = doc.createElement("canvas");
  tile.width = size;
  tile.height = size;
  const t = tile.getContext("2d");
  if (!t) return HATCH_BACKGROUND;
  t.fillStyle = HATCH_BACKGROUND;
  t.fillRect(0, 0, size, size);
  t.strokeStyle = HATCH_LINE;
  t.lineWidth = Math.max(1, dpr * 1.5);
  t.beginPath();
  // Three strokes so the lines join seamlessly across tile edges.
  for (const offset of [-size, 0, size]) {
    t.moveTo(offset, size);
    t.lineTo(offset + size, 0);
  }
  t.stroke();
  const pattern = ctx.createPattern(tile, "repeat");
  if (pattern && dpr !== 1 && typeof DOMMatrix !== "undefined") pattern.setTransform(new DOMMatrix().scale(1 / dpr));
  return pattern ?? HATCH_BACKGROUND;
}

export interface HeatmapPlacement {
  /** Where the grid's own extent lands, in CSS pixels (may lie partly outside the plot while panning). */
  target: PlotRect;
  /** The visible plot area to clip to. */
  clip: PlotRect;
}

/**
 * Draw the grid image into `placement.target`, clipped to the plot area; undefined cells show `hatch`.
 * The context is expected to be in CSS pixel units (already scaled by devicePixelRatio).
 */
export function drawHeatmap(
  ctx: CanvasRenderingContext2D,
  image: CanvasImageSource,
  placement: HeatmapPlacement,
  hatch: CanvasPattern | string | null,
): void {
  const { target, clip } = placement;
  ctx.save();
  ctx.beginPath();
  ctx.rect(clip.left, clip.top, clip.width, clip.height);
  ctx.clip();
  if (hatch !== null) {
    ctx.fillStyle = hatch;
    ctx.fillRect(target.left, target.top, target.width, target.height);
  }
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(image, target.left, target.top, target.width, target.height);
  ctx.restore();
}

/** RGBA bytes of a vertical colorbar, `height` rows, top row = vmax. */
export function colorbarRgba(height: number, lut = viridis()): Uint8ClampedArray {
  const rgba = new Uint8ClampedArray(height * 4);
  const entries = lut.length / 4;
  for (let row = 0; row < height; row++) {
    const t = height === 1 ? 1 : 1 - row / (height - 1);
    const index = Math.round(t * (entries - 1)) * 4;
    rgba.set(lut.subarray(index, index + 4), row * 4);
  }
  return rgba;
}

/**
 * Draw a colorbar into `rect`. The bar is uniform in colour position; ticks placed with `norm.unit` line up
 * with it for linear and log scales alike.
 */
export function drawColorbar(ctx: CanvasRenderingContext2D, rect: PlotRect, borderColor: string, doc: Document = document): void {
  const rows = 256;
  const strip = doc.createElement("canvas");
  strip.width = 1;
  strip.height = rows;
  const s = strip.getContext("2d");
  if (!s) return;
  const image = s.createImageData(1, rows);
  image.data.set(colorbarRgba(rows));
  s.putImageData(image, 0, 0);
  ctx.save();
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(strip, rect.left, rect.top, rect.width, rect.height);
  ctx.strokeStyle = borderColor;
  ctx.lineWidth = 1;
  ctx.strokeRect(rect.left + 0.5, rect.top + 0.5, rect.width - 1, rect.height - 1);
  ctx.restore();
}
