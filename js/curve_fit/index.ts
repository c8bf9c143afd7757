/**
 * CurveFit's view (src/jaxwidgets/curve_fit.py): the data with error bars (thinned for drawing by Python),
 * the model curve with its handles, and the residuals (y - model) / yerr below. The rest is lib/fit_view.ts.
 */
import { type ArrayRecord, decodeArray } from "../lib/arrays";
import { type FitPlotBase, type FitSpec, type FitTraits, FitView, type LowerPanel } from "../lib/fit_view";
import { fillDots } from "../lib/ink";
import type { Pair, RenderProps } from "../lib/protocol";
import type { PlotScales } from "../lib/scale";
import type { CanvasTheme } from "../lib/theme";

export interface CurvePlot extends FitPlotBase {
  x: ArrayRecord;
  y: ArrayRecord;
  yerr: ArrayRecord;
}

/** Error bars are drawn up to this many points; beyond, only the points (they would be a solid band). */
export const MAX_ERROR_BARS = 300;

interface Data {
  x: Float32Array;
  y: Float32Array;
  yerr: Float32Array;
}

const decoded = new WeakMap<CurvePlot, Data>();

/** The drawn data points, decoded once per `_plot`. */
export function curveData(plot: CurvePlot): Data {
  let data = decoded.get(plot);
  if (!data) {
    const read = (record: ArrayRecord): Float32Array => decodeArray(record).data as Float32Array;
    data = { x: read(plot.x), y: read(plot.y), yerr: read(plot.yerr) };
    decoded.set(plot, data);
  }
  return data;
}

function drawData(ctx: CanvasRenderingContext2D, scales: PlotScales, plot: CurvePlot, theme: CanvasTheme): void {
  const { x, y, yerr } = curveData(plot);
  const points: number[] = [];
  ctx.strokeStyle = theme.text;
  ctx.globalAlpha = 0.35;
  ctx.lineWidth = 1;
  ctx.beginPath();
  for (let k = 0; k < x.length; k++) {
    const px = scales.x(x[k]!);
    points.push(px, scales.y(y[k]!));
    if (x.length <= MAX_ERROR_BARS) {
      ctx.moveTo(px, scales.y(y[k]! - yerr[k]!));
      ctx.lineTo(px, scales.y(y[k]! + yerr[k]!));
    }
  }
  ctx.stroke();
  ctx.globalAlpha = x.length > MAX_ERROR_BARS ? 0.35 : 0.8;
  fillDots(ctx, points, x.length > MAX_ERROR_BARS ? 1.2 : 2.2, theme.text);
  ctx.globalAlpha = 1;
}

const residualCache = new WeakMap<Float32Array, Float32Array>();

/** (y - model) / yerr at the drawn points, from the model values Python sends after the curve's (computed
 * once per picture: the panel's range and its drawing both read them). */
export function residuals(plot: CurvePlot, curve: Float32Array): Float32Array | null {
  const { y, yerr } = curveData(plot);
  if (curve.length < plot.curve_points + y.length) return null; // an animation frame: the curve only
  let values = residualCache.get(curve);
  if (!values) {
    values = Float32Array.from(y, (value, k) => (value - curve[plot.curve_points + k]!) / yerr[k]!);
    residualCache.set(curve, values);
  }
  return values;
}

/** The smallest of 1, 2, 5 times a power of ten at or above `v` (> 0): the residual axis keeps its range
 * while a drag changes the largest residual a little, so its ticks are not redrawn per reply. */
export function niceCeil(v: number): number {
  const power = 10 ** Math.floor(Math.log10(v));
  return ([1, 2, 5, 10].find((m) => m * power >= v * (1 - 1e-12)) ?? 10) * power;
}

export const residualPanel: LowerPanel<CurvePlot> = {
  label: "residual / σ",
  yRange(plot, shown): Pair | null {
    const values = residuals(plot, shown.curve);
    if (!values) return null;
    let largest = 1;
    for (const v of values) if (Number.isFinite(v)) largest = Math.max(largest, Math.abs(v));
    const bound = niceCeil(1.1 * largest);
    return [-bound, bound];
  },
  draw(ctx, scales, plot, shown, theme) {
    const values = residuals(plot, shown.curve);
    if (!values) return;
    const { x } = curveData(plot);
    const points: number[] = [];
    values.forEach((v, k) => {
      points.push(scales.x(x[k]!), scales.y(v));
    });
    ctx.strokeStyle = theme.border;
    ctx.beginPath();
    ctx.moveTo(scales.x(plot.x_range[0]), scales.y(0));
    ctx.lineTo(scales.x(plot.x_range[1]), scales.y(0));
    ctx.stroke();
    ctx.globalAlpha = 0.5;
    fillDots(ctx, points, 1.3, theme.text);
    ctx.globalAlpha = 1;
  },
};

export const CURVE_FIT: FitSpec<CurvePlot> = { kind: "curve-fit", drawData, lowerPanels: [residualPanel] };

function render({ model, el }: RenderProps<FitTraits<CurvePlot>>): () => void {
  const view = new FitView(model, el, CURVE_FIT);
  return () => view.destroy();
}

export default { render };
