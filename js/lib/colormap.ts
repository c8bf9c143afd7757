/**
 * Values to colours: a 256-entry viridis lookup table (perceptually uniform, readable in grey and by most
 * colour-blind readers) and a linear or log normalisation. Non-finite values are "undefined" and get alpha 0,
 * so the hatch pattern painted underneath shows through.
 */
import { interpolateViridis } from "d3-scale-chromatic";
import { niceTicks } from "./scale";

export const LUT_SIZE = 256;

/** Parse the "#rrggbb" or "rgb(r, g, b)" strings d3 interpolators return. */
export function parseColor(color: string): [number, number, number] {
  const hex = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(color);
  if (hex) return [parseInt(hex[1]!, 16), parseInt(hex[2]!, 16), parseInt(hex[3]!, 16)];
  const rgb = /^rgb\(\s*(\d+),\s*(\d+),\s*(\d+)\s*\)$/.exec(color);
  if (rgb) return [Number(rgb[1]), Number(rgb[2]), Number(rgb[3])];
  throw new Error(`cannot parse colour ${color}`);
}

/** RGBA lookup table sampled from an interpolator on [0, 1]. */
export function buildLut(interpolate: (t: number) => string = interpolateViridis, size = LUT_SIZE): Uint8ClampedArray {
  const lut = new Uint8ClampedArray(size * 4);
  for (let i = 0; i < size; i++) {
    const [r, g, b] = parseColor(interpolate(i / (size - 1)));
    lut.set([r, g, b, 255], i * 4);
  }
  return lut;
}

let viridisLut: Uint8ClampedArray | null = null;

/** The shared viridis table, built on first use. */
export function viridis(): Uint8ClampedArray {
  viridisLut ??= buildLut(interpolateViridis);
  return viridisLut;
}

/** Offset added before the log so the minimum maps to a finite number: a fraction of the value range. */
export const LOG_EPSILON_FRACTION = 1e-5;

/** Maps a value to [0, 1] (NaN for undefined values), for colours, colorbars and contour levels alike. */
export interface Normalization {
  readonly kind: "linear" | "log";
  readonly vmin: number;
  readonly vmax: number;
  /** Value -> position in [0, 1], clamped; NaN when the value is not finite. */
  unit(value: number): number;
  /** Position in [0, 1] -> value (inverse of `unit`). */
  value(unit: number): number;
}

/**
 * Linear: (v - vmin) / (vmax - vmin). Log: log10(v - vmin + eps), rescaled to [0, 1], with eps a small
 * fraction of the range, so the log scale shows the structure near the minimum of a loss.
 */
export function makeNormalization(vmin: number, vmax: number, log: boolean): Normalization {
  const span = vmax > vmin ? vmax - vmin : 1;
  if (!log) {
    return {
      kind: "linear",
      vmin,
      vmax,
      unit: (v) => (Number.isFinite(v) ? clamp01((v - vmin) / span) : Number.NaN),
      value: (t) => vmin + t * span,
    };
  }
  const eps = span * LOG_EPSILON_FRACTION;
  const lo = Math.log10(eps);
  const hi = Math.log10(span + eps);
  return {
    kind: "log",
    vmin,
    vmax,
    unit: (v) => (Number.isFinite(v) ? clamp01((Math.log10(Math.max(v - vmin, 0) + eps) - lo) / (hi - lo)) : Number.NaN),
    value: (t) => vmin + 10 ** (lo + t * (hi - lo)) - eps,
  };
}

function clamp01(t: number): number {
  return Math.max(0, Math.min(t, 1));
}

/** Write the RGBA of `value` into `out` at byte `offset`; undefined values become transparent. */
export function writeColor(out: Uint8ClampedArray, offset: number, value: number, norm: Normalization, lut = viridis()): void {
  const t = norm.unit(value);
  if (Number.isNaN(t)) {
    out[offset] = 0;
    out[offset + 1] = 0;
    out[offset + 2] = 0;
    out[offset + 3] = 0;
    return;
  }
  const entries = lut.length / 4;
  const index = Math.min(entries - 1, Math.round(t * (entries - 1))) * 4;
  out[offset] = lut[index]!;
  out[offset + 1] = lut[index + 1]!;
  out[offset + 2] = lut[index + 2]!;
  out[offset + 3] = lut[index + 3]!;
}

/** CSS colour of a value, e.g. for a legend swatch; null when undefined. */
export function cssColor(value: number, norm: Normalization, lut = viridis()): string | null {
  const rgba = new Uint8ClampedArray(4);
  writeColor(rgba, 0, value, norm, lut);
  return rgba[3] === 0 ? null : `rgb(${rgba[0]}, ${rgba[1]}, ${rgba[2]})`;
}

/**
 * About `count` levels strictly inside (vmin, vmax) that match the normalisation: round values evenly spaced
 * for linear; for log, vmin + d with d round (1-2-5 per decade), since the log scale is one of f - min (the
 * colorbar labels d). Used for colorbar ticks and contour thresholds.
 */
export function levels(norm: Normalization, count = 10): number[] {
  const { vmin, vmax } = norm;
  if (!(Number.isFinite(vmin) && Number.isFinite(vmax) && vmax > vmin)) return [];
  if (norm.kind === "linear") return niceTicks(vmin, vmax, count).filter((v) => v > vmin && v < vmax);
  return logLevels(norm, count);
}

function logLevels(norm: Normalization, count: number): number[] {
  // Offsets d = v - vmin that are round numbers, chosen per decade so that about `count` remain.
  const span = norm.vmax - norm.vmin;
  const dMin = norm.value(0.02) - norm.vmin;
  const firstDecade = Math.floor(Math.log10(Math.max(dMin, Number.MIN_VALUE)));
  const lastDecade = Math.ceil(Math.log10(span));
  const decades = Math.max(1, lastDecade - firstDecade);
  const mantissas = decades * 3 <= count ? [1, 2, 5] : decades * 2 <= count ? [1, 3] : [1];
  const stride = Math.max(1, Math.ceil((decades * mantissas.length) / count / mantissas.length));
  const out: number[] = [];
  for (let decade = lastDecade; decade >= firstDecade; decade -= stride) {
    for (const m of mantissas) {
      const d = m * 10 ** decade;
      if (d > dMin && d < span) out.push(norm.vmin + d);
    }
  }
  return out.sort((a, b) => a - b);
}
