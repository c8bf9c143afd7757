/**
 * The exact log density under the pair plot (the `_density` trait, for a model with two scalar latent sites):
 * decoded once into a heatmap image and contour levels, and drawn in either order of the pair.
 */
import { asFloat32, decodeArray } from "../lib/arrays";
import { makeNormalization } from "../lib/colormap";
import { type ContourLevel, contourLevels, gridToPixel, levelPath } from "../lib/contour";
import { svgElement } from "../lib/dom";
import { gridImage } from "../lib/heatmap";
import type { PlotScales } from "../lib/scale";
import type { Range } from "./marks";
import { hasDensity, type PosteriorModel } from "./protocol";

/** The density heatmap shows log density down to this far below its maximum (e^-9 ~ 1e-4 of the peak). */
export const DENSITY_SPAN = 9;
/** Contours where a Gaussian's log density is 1, 2 and 3 standard deviations below the peak. */
const CONTOUR_DROPS = [0.5, 2, 4.5];

export interface Density {
  values: Float32Array;
  nx: number;
  ny: number;
  /** The cells' extent: xs are cell centres, from linspace(x_range) (half a cell beyond each end). */
  x: Range;
  y: Range;
  /** The sample range Python sent (for the axis domain). */
  xRange: Range;
  yRange: Range;
  xSite: string;
  ySite: string;
  image: HTMLCanvasElement | null;
  contours: ContourLevel[];
}

/** The density as drawn under a pair: `transposed` when the pair shows its sites the other way round. */
export interface PairDensity {
  density: Density;
  transposed: boolean;
}

/** Decode the `_density` trait (null when there is none or it is malformed, with a console note). */
export function decodeDensity(state: PosteriorModel["_density"] | null | undefined, doc: Document): Density | null {
  if (!hasDensity(state)) return null;
  try {
    const decoded = asFloat32(decodeArray(state.values));
    const [ny = 0, nx = 0] = decoded.shape;
    const half = (range: Range, n: number): Range => {
      const h = n > 1 ? (range[1] - range[0]) / (n - 1) / 2 : 0.5;
      return [range[0] - h, range[1] + h];
    };
    const values = decoded.data;
    const vmax = maximum(values);
    let image: HTMLCanvasElement | null = null;
    let contours: ContourLevel[] = [];
    if (Number.isFinite(vmax)) {
      // Below vmax - DENSITY_SPAN the density is negligible: transparent, so the draws stand out.
      const vmin = vmax - DENSITY_SPAN;
      const shown = new Float32Array(values.length);
      for (let k = 0; k < values.length; k++) shown[k] = values[k]! >= vmin ? values[k]! : Number.NaN;
      image = gridImage(shown, nx, ny, makeNormalization(vmin, vmax, false), doc);
      contours = contourLevels(
        values,
        nx,
        ny,
        CONTOUR_DROPS.map((d) => vmax - d),
      );
    }
    return {
      values,
      nx,
      ny,
      x: half(state.x_range, nx),
      y: half(state.y_range, ny),
      xRange: [state.x_range[0], state.x_range[1]],
      yRange: [state.y_range[0], state.y_range[1]],
      xSite: state.x_site,
      ySite: state.y_site,
      image,
      contours,
    };
  } catch (error) {
    console.error("jaxwidgets: cannot decode _density", error);
    return null;
  }
}

/** The density for the pair (x, y), if it is over these two sites (in either order). */
export function densityForPair(density: Density | null, [x, y]: readonly [string, string]): PairDensity | null {
  if (!density) return null;
  if (density.xSite === x && density.ySite === y) return { density, transposed: false };
  if (density.xSite === y && density.ySite === x && x !== y) return { density, transposed: true };
  return null;
}

/** The image to draw for the pair, and the data extents it covers along the plot's x and y. */
export function pairImage(dense: PairDensity, doc: Document): { image: HTMLCanvasElement | null; x: Range; y: Range } {
  const d = dense.density;
  if (!dense.transposed) return { image: d.image, x: d.x, y: d.y };
  return { image: transposedImage(d, doc), x: d.y, y: d.x };
}

/** Redraw the contour paths in `group` (one path per level; none without a density). */
export function drawContours(group: SVGGElement, scales: PlotScales, dense: PairDensity | null): void {
  const paths = group.children;
  const levels = dense?.density.contours ?? [];
  const d = dense?.density;
  const toPixel = d
    ? dense.transposed
      ? (u: number, v: number): [number, number] => {
          const [px, py] = gridToPixel(d.nx, d.ny, d.x, d.y, scales.y, scales.x)(u, v);
          return [py, px];
        }
      : gridToPixel(d.nx, d.ny, d.x, d.y, scales.x, scales.y)
    : null;
  levels.forEach((level, k) => {
    const path = (paths[k] as SVGPathElement | undefined) ?? group.appendChild(svgElement("path"));
    path.setAttribute("d", toPixel ? levelPath(level, toPixel) : "");
  });
  while (paths.length > levels.length) paths[paths.length - 1]!.remove();
}

const transposedCache = new WeakMap<Density, HTMLCanvasElement | null>();

/** The density image with x and y swapped (pair chosen in the other order than the grid). */
function transposedImage(d: Density, doc: Document): HTMLCanvasElement | null {
  if (transposedCache.has(d)) return transposedCache.get(d)!;
  const vmax = maximum(d.values);
  const shown = new Float32Array(d.values.length);
  for (let j = 0; j < d.ny; j++) {
    for (let i = 0; i < d.nx; i++) {
      const v = d.values[j * d.nx + i]!;
      shown[i * d.ny + j] = v >= vmax - DENSITY_SPAN ? v : Number.NaN;
    }
  }
  const image = Number.isFinite(vmax) ? gridImage(shown, d.ny, d.nx, makeNormalization(vmax - DENSITY_SPAN, vmax, false), doc) : null;
  transposedCache.set(d, image);
  return image;
}

function maximum(values: Float32Array): number {
  let vmax = -Infinity;
  for (let k = 0; k < values.length; k++) if (values[k]! > vmax) vmax = values[k]!;
  return vmax;
}
