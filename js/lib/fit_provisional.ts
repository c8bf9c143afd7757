/**
 * The provisional curve of the fit views (lib/fit_view.ts). While a move waits for Python, the page draws the
 * model linearised about the newest exact picture, curve + Σ_i Δθ_i ∂curve/∂θ_i, from the sensitivities every
 * reply already carries: dashed, at once, with the exact curve it stands in for faint behind it. The reply
 * for the page's own values makes the curve solid again. Nothing is sent for it: the drag path's flow control
 * is unchanged, and a move costs P × `curve_points` multiply-adds.
 */
import { drawCurve } from "./fit_draw";
import type { FitPlotBase, Shown } from "./fit_view";
import type { Ink } from "./ink";
import type { Pair } from "./protocol";
import type { PlotScales } from "./scale";

export interface Linearisation {
  curvePoints: number;
  /** The lowest value the curve can take (a density's 0): the linearised curve is cut there. */
  floor?: number;
  /** The largest change the line may make anywhere (e.g. the plot's height); beyond it, no guess (null). */
  limit?: number;
}

export function sameValues(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The curve at `values` to first order about `exact`, which was computed at `at`: its first `curvePoints`
 * values plus Σ_i (values_i − at_i) × sensitivities_i (row i of P × curvePoints). What follows the curve
 * (CurveFit's model at the data points) is copied as it was. Null without sensitivities (an animation frame)
 * or where the change passes `limit` (a slider jump: a straight line that far out misleads).
 */
export function linearisedCurve(
  exact: Shown,
  at: ArrayLike<number>,
  values: ArrayLike<number>,
  { curvePoints, floor = Number.NEGATIVE_INFINITY, limit = Number.POSITIVE_INFINITY }: Linearisation,
): Float32Array | null {
  const sensitivities = exact.sensitivities;
  const n = Math.min(curvePoints, exact.curve.length);
  if (!sensitivities || at.length !== values.length || sensitivities.length < values.length * n) return null;
  const change = new Float64Array(n);
  for (let i = 0; i < values.length; i++) {
    const delta = values[i]! - at[i]!;
    if (delta === 0) continue;
    const row = sensitivities.subarray(i * n, (i + 1) * n);
    for (let k = 0; k < n; k++) change[k]! += delta * row[k]!;
  }
  const curve = Float32Array.from(exact.curve);
  for (let k = 0; k < n; k++) {
    if (Math.abs(change[k]!) > limit) return null;
    curve[k] = Math.max(floor, curve[k]! + change[k]!);
  }
  return curve;
}

/** The largest change of the curve, as a fraction of the plot's height, that a linearised guess may show: a
 * Gaussian peak moved by half its width changes by about this much, and looks it; farther out the line bends
 * the peak out of shape (seen in the browser), and the faint exact curve alone says "waiting" better. */
export const GUESS_LIMIT = 0.25;

/** Whether the page is ahead of its exact picture, and the linearised curve it draws meanwhile. */
export class ProvisionalCurve {
  ahead = false;
  curve: Float32Array | null = null;
  private drawn = false; // whether the layer shows a curve now

  /**
   * Called on every move and every picture: `exact` is the picture shown and the values it was asked for.
   * No guess where the line would move the curve by more than GUESS_LIMIT of the plot's height; none below
   * `floor`. Sets `data-provisional` on `root` (for tests): "true" from a move until the exact reply for its
   * values.
   */
  update(
    root: HTMLElement,
    exact: { shown: Shown; at: ArrayLike<number> } | null,
    values: readonly number[],
    plot: FitPlotBase,
    floor?: number,
  ): void {
    this.ahead = exact !== null && values.length > 0 && !sameValues(exact.at, values);
    const how = { curvePoints: plot.curve_points, floor, limit: GUESS_LIMIT * Math.abs(plot.y_range[1] - plot.y_range[0]) };
    this.curve = this.ahead && exact ? linearisedCurve(exact.shown, exact.at, values, how) : null;
    root.dataset.provisional = String(this.ahead);
  }

  /** The linearised curve, dashed, on its own layer (redrawn per move without the exact picture); the exact
   * layer (curve and panels: stale too) faint while the page is ahead of it. One stroke, no halo: a second
   * stroke on every frame of a drag delayed the replies (benchmarks/README.md, "A provisional curve without
   * its halo"). */
  paint(ink: Ink, scales: PlotScales, plot: FitPlotBase, exactLayer: HTMLElement, color: string): void {
    const opacity = this.ahead ? "0.35" : "";
    if (exactLayer.style.opacity !== opacity) exactLayer.style.opacity = opacity;
    if (!this.curve && !this.drawn) return; // blank already: touching the canvas would cost a layer update
    const [[left, right], [bottom, top]] = [scales.x.range(), scales.y.range()] as [Pair, Pair];
    const ctx = ink.begin({ left, top, width: right - left, height: bottom - top });
    this.drawn = Boolean(ctx && this.curve);
    if (ctx && this.curve) drawCurve(ctx, scales, plot, this.curve, { color, width: 2.5, dash: [7, 4] });
  }
}
