/**
 * The exact picture of lib/fit_view.ts: the model curve of the newest reply on its own canvas layer, the lower
 * panels (residuals, sensitivities) beneath it on the same layer, and the SVG axes of all of them, which are
 * rebuilt only when they change, not per reply (each rebuild costs the page style and layout work).
 */
import { drawAxes } from "./axes";
import { svgElement } from "./dom";
import { drawCurve } from "./fit_draw";
import type { FitPlotBase, LowerPanel, Shown } from "./fit_view";
import { Ink } from "./ink";
import { type PlotRect, plotScales } from "./scale";
import type { CanvasTheme } from "./theme";

/** Where `FitView.layout` placed the figure (the canvases' rectangle), its main plot and its lower panels. */
export interface FitRects {
  figure: PlotRect;
  main: PlotRect;
  lower: PlotRect[];
}

export class ExactPicture<P extends FitPlotBase> {
  readonly ink: Ink;
  readonly axes: SVGSVGElement;
  private axesKey = "";
  private readonly doc: Document;

  constructor(doc: Document) {
    this.doc = doc;
    this.ink = new Ink(doc, "fit-curve");
    this.axes = svgElement("svg", { class: "fit-axes" }, doc);
  }

  /** Draw `shown` (nothing but the axes while there is none); `labels.x` goes under the lowest plot. */
  paint(
    plot: P,
    shown: Shown | null,
    rects: FitRects,
    panels: readonly LowerPanel<P>[],
    style: { labels: { x: string; y: string }; color: string; theme: CanvasTheme },
  ): void {
    const ctx = this.ink.begin(rects.figure);
    const mainLabels = { x: panels.length ? "" : style.labels.x, y: style.labels.y };
    const yRanges = panels.map((panel) => (shown ? panel.yRange(plot, shown) : null));
    const axesKey = JSON.stringify([rects, mainLabels, plot.x_range, plot.y_range, panels.map((p) => p.label), yRanges]);
    const redrawAxes = axesKey !== this.axesKey;
    this.axesKey = axesKey;
    const mainScales = plotScales(plot.x_range, plot.y_range, rects.main);
    const groups = [svgElement("g", {}, this.doc)];
    if (redrawAxes) drawAxes(groups[0]!, mainScales, rects.main, mainLabels);
    if (ctx && shown) drawCurve(ctx, mainScales, plot, shown.curve, { color: style.color, width: 2.5, halo: 1.5 });
    panels.forEach((panel, k) => {
      const rect = rects.lower[k]!;
      const yRange = yRanges[k] ?? null;
      const scales = plotScales(plot.x_range, yRange ?? [-1, 1], rect);
      if (redrawAxes) {
        const axis = svgElement("g", {}, this.doc);
        drawAxes(axis, scales, rect, { x: k === panels.length - 1 ? style.labels.x : "", y: panel.label });
        groups.push(axis);
      }
      if (ctx && shown && yRange) panel.draw(ctx, scales, plot, shown, style.theme);
    });
    if (redrawAxes) this.axes.replaceChildren(...groups);
  }
}
