/** Linear maps between data and pixel coordinates, and nice ticks (d3-scale does the arithmetic). */
import { scaleLinear, type ScaleLinear } from "d3-scale";

export type Range2 = readonly [number, number];

export interface LinearScale {
  /** Data to pixel. */
  (value: number): number;
  /** Pixel to data. */
  invert(pixel: number): number;
  ticks(count?: number): number[];
  domain(): number[];
  range(): number[];
}

/** A linear scale mapping `domain` (data) onto `range` (pixels). Reverse the range for a y axis. */
export function linearScale(domain: Range2, range: Range2): LinearScale {
  const scale: ScaleLinear<number, number> = scaleLinear()
    .domain([...domain])
    .range([...range]);
  return scale;
}

/** About `count` round numbers covering [lo, hi] (1, 2 or 5 times a power of ten apart). */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  return scaleLinear().domain([lo, hi]).ticks(count);
}

/** The data-to-pixel pair for a plot: y grows upwards in data, downwards on screen. */
export interface PlotScales {
  x: LinearScale;
  y: LinearScale;
}

export interface PlotRect {
  left: number;
  top: number;
  width: number;
  height: number;
}

export function plotScales(xRange: Range2, yRange: Range2, rect: PlotRect): PlotScales {
  return {
    x: linearScale(xRange, [rect.left, rect.left + rect.width]),
    y: linearScale(yRange, [rect.top + rect.height, rect.top]),
  };
}
