/**
 * Descent's body: the figure and the column of legend, controls and loss chart, beside the plot where the
 * widget is wide enough and below it elsewhere (layout.ts), with the chart sized to fit.
 */
import { htmlElement } from "../lib/dom";
import type { DescentModel } from "../lib/protocol";
import type { SurfacePlot } from "../lib/surface_plot";
import { DescentControls } from "./controls";
import { columnSize, DESCENT_LAYOUT, type DescentLayout, descentLayout } from "./layout";
import { LossChart } from "./loss_chart";
import { Legend } from "./paint";
import { divergedAt, lossesOf, type Runs } from "./runs";

export class DescentColumn {
  readonly legend: Legend;
  readonly controls: DescentControls;
  readonly chart: LossChart;
  private readonly plot: SurfacePlot<DescentModel>;
  /** The figure and, beside it or below it, the column. */
  private readonly body: HTMLDivElement;
  private readonly element: HTMLDivElement;
  private layout: DescentLayout = { beside: false, plot: 0 };
  private width = 0;
  private chartHeight = DESCENT_LAYOUT.chartBelow;

  /** Build the column and put the plot's figure and the column in one body, in place of the figure. */
  constructor(plot: SurfacePlot<DescentModel>, steps: number, maxSteps: number) {
    this.plot = plot;
    const doc = plot.shell.doc;
    this.legend = new Legend(doc);
    this.controls = new DescentControls(doc, steps, maxSteps);
    this.chart = new LossChart(doc);
    this.element = htmlElement("div", { class: "descent-column" }, undefined, doc);
    this.element.append(this.legend.element, this.controls.element, this.chart.element, plot.status);
    this.body = htmlElement("div", { class: "descent-body" }, undefined, doc);
    plot.figure.replaceWith(this.body);
    this.body.append(plot.figure, this.element);
  }

  /** SurfacePlot's `plotSide`: decides whether the column goes beside the plot, and the plot's side. */
  plotSide(available: number, chrome: number): number {
    this.layout = descentLayout(available, chrome);
    return this.layout.plot;
  }

  /** The figure is laid out (`width` px wide): size the column beside or below it, and the chart in it. */
  place(width: number, available: number): void {
    const { width: column, chart } = columnSize(this.layout, available, { width, height: this.plot.figureHeight });
    this.width = column;
    this.chartHeight = chart;
    this.body.classList.toggle("beside", this.layout.beside);
    this.plot.root.dataset.layout = this.layout.beside ? "beside" : "below";
    this.element.style.width = `${column}px`;
  }

  /** The loss of every optimizer from the first start; `hold`: the y range only grows (during a drag). */
  drawChart(runs: Runs | null, steps: number, step: number, hold: boolean, colorOf: (name: string) => string): void {
    const width = Math.max(200, this.width);
    if (!runs || runs.starts.length === 0) {
      this.chart.draw(width, steps, [], step, false, this.chartHeight);
      return;
    }
    const series = runs.names.map((name, o) => ({ name, color: colorOf(name), values: lossesOf(runs, 0, o), cut: divergedAt(runs, 0, o) }));
    this.chart.draw(width, runs.steps, series, step, hold, this.chartHeight);
  }
}
