/**
 * DensityFit's view (src/jaxwidgets/density_fit.py): the samples' histogram (a density), the model density
 * over it, and a known maximum-likelihood answer dashed. The rest is lib/fit_view.ts.
 */
import { type ArrayRecord, decodeArray } from "../lib/arrays";
import { drawCurve, type FitPlotBase, type FitSpec, type FitTraits, FitView } from "../lib/fit_view";
import { formatNumber } from "../lib/format";
import type { RenderProps } from "../lib/protocol";
import type { PlotScales } from "../lib/scale";
import type { CanvasTheme } from "../lib/theme";

export interface DensityPlot extends FitPlotBase {
  edges: ArrayRecord;
  counts: ArrayRecord;
  reference?: { values: number[]; curve: ArrayRecord };
}

export const REFERENCE_COLOR = "#D55E00";

function drawData(ctx: CanvasRenderingContext2D, scales: PlotScales, plot: DensityPlot, theme: CanvasTheme): void {
  const edges = decodeArray(plot.edges).data;
  const counts = decodeArray(plot.counts).data;
  ctx.fillStyle = theme.border;
  ctx.globalAlpha = 0.55;
  for (let k = 0; k < counts.length; k++) {
    const left = scales.x(edges[k]!);
    const right = scales.x(edges[k + 1]!);
    const top = scales.y(counts[k]!);
    ctx.fillRect(left, top, Math.max(0.5, right - left - 0.5), scales.y(0) - top);
  }
  ctx.globalAlpha = 1;
  if (plot.reference) {
    const curve = decodeArray(plot.reference.curve).data as Float32Array;
    drawCurve(ctx, scales, plot, curve, { color: REFERENCE_COLOR, width: 2, dash: [6, 4] });
  }
}

/** "MLE (dashed): mu = 1.02, sigma = 1.98" when Python was given the known answer. */
export function mleNote(plot: DensityPlot, names: readonly string[]): string {
  const values = plot.reference?.values;
  if (!values) return "";
  return `MLE (dashed): ${names.map((name, i) => `${name} = ${formatNumber(values[i] ?? Number.NaN)}`).join(", ")}`;
}

export const DENSITY_FIT: FitSpec<DensityPlot> = { kind: "density-fit", drawData, lowerPanels: [], note: mleNote, curveFloor: 0 };

function render({ model, el }: RenderProps<FitTraits<DensityPlot>>): () => void {
  const view = new FitView(model, el, DENSITY_FIT);
  return () => view.destroy();
}

export default { render };
