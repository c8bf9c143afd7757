/**
 * The `_surface` trait decoded for drawing (lib/surface_plot.ts): the grid of f and of its gradient, and what
 * is derived from them once per surface rather than per frame (median gradient, colour image, contours).
 */
import { asFloat32, decodeArray } from "./arrays";
import { levels, makeNormalization, type Normalization } from "./colormap";
import { type ContourLevel, contourLevels } from "./contour";
import { gridImage, hasUndefined } from "./heatmap";
import { type CellGrid, finiteMedian, gradientMagnitudes } from "./math";
import type { SurfaceState } from "./protocol";

export const CONTOUR_COUNT = 10;

/** A decoded `_surface` with everything derived from it that does not depend on the view. */
export interface Surface {
  generation: number;
  stage: string;
  grid: CellGrid;
  grad: Float32Array;
  vmin: number | null;
  vmax: number | null;
  medianGrad: number;
  hasUndefined: boolean;
  norm: Normalization | null;
  image: HTMLCanvasElement | null;
  contours: ContourLevel[];
}

/** Decode `state` and colour it (log colour scale when `logScale`). */
export function decodeSurface(state: SurfaceState, logScale: boolean, doc: Document): Surface {
  const values = asFloat32(decodeArray(state.values));
  const grad = asFloat32(decodeArray(state.grad));
  const [ny = 0, nx = 0] = values.shape;
  const grid: CellGrid = { values: values.data, nx, ny, x: state.x_range, y: state.y_range };
  const surface: Surface = {
    generation: state.generation,
    stage: state.stage,
    grid,
    grad: grad.data,
    vmin: finiteOrNull(state.vmin),
    vmax: finiteOrNull(state.vmax),
    medianGrad: finiteMedian(gradientMagnitudes(grad.data, nx * ny)),
    hasUndefined: hasUndefined(values.data),
    norm: null,
    image: null,
    contours: [],
  };
  colorize(surface, logScale, doc);
  return surface;
}

/** Colour image and contours: they depend on the surface and on the log_scale setting. */
export function colorize(surface: Surface, logScale: boolean, doc: Document): void {
  const { vmin, vmax, grid } = surface;
  if (vmin === null || vmax === null) {
    surface.norm = null;
    surface.contours = [];
    surface.image = null;
    return;
  }
  surface.norm = makeNormalization(vmin, vmax, logScale);
  surface.image = gridImage(grid.values, grid.nx, grid.ny, surface.norm, doc);
  surface.contours = contourLevels(grid.values, grid.nx, grid.ny, levels(surface.norm, CONTOUR_COUNT));
}

/** What the status line says about a surface: undefined cells, a coarse grid still being refined. */
export function surfaceNotes(surface: Surface | null): string[] {
  const notes: string[] = [];
  if (surface?.hasUndefined) notes.push("undefined (NaN or ±inf)");
  if (surface?.stage === "coarse") notes.push("refining…");
  return notes;
}

function finiteOrNull(value: number | null | undefined): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}
