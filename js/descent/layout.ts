/**
 * Descent's layout, sized for a laptop screen (JupyterLab in a 1280x800 window gives a notebook output about
 * 1100 px wide and 650 px tall): where the widget is wide enough, the legend, the controls and the loss chart
 * stand beside the plot in one column, and the whole widget is about as tall as the plot; else they go below
 * it, and the plot is kept smaller.
 */

export const DESCENT_LAYOUT = {
  /** Between the figure and the column beside it. */
  gap: 20,
  /** The column beside the plot: at least this wide to go there, and never wider. */
  columnMin: 320,
  columnMax: 560,
  /** The plot's side when the column is beside it (smaller: the column goes below). */
  besidePlotMin: 340,
  besidePlotMax: 460,
  /** The plot's side at most when the column is below it. */
  belowPlotMax: 420,
  /** The loss chart's height beside the plot: the figure's height less this (legend and controls), within. */
  chartBesideRoom: 210,
  chartBesideMin: 150,
  chartBesideMax: 280,
  chartBelow: 140,
};

export interface DescentLayout {
  beside: boolean;
  /** The side of the square plot area. */
  plot: number;
}

/** Where the column goes and how large the plot is, for a widget `available` px wide (`chrome`: axes, colorbar). */
export function descentLayout(available: number, chrome: number): DescentLayout {
  const L = DESCENT_LAYOUT;
  const besidePlot = available - chrome - L.gap - L.columnMin;
  if (besidePlot >= L.besidePlotMin) return { beside: true, plot: Math.min(L.besidePlotMax, besidePlot) };
  return { beside: false, plot: Math.min(L.belowPlotMax, available - chrome) };
}

/** The column's width and the loss chart's height, once the figure is `figure` px wide and tall. */
export function columnSize(
  layout: DescentLayout,
  available: number,
  figure: { width: number; height: number },
): { width: number; chart: number } {
  const L = DESCENT_LAYOUT;
  if (!layout.beside) return { width: figure.width, chart: L.chartBelow };
  const width = Math.max(L.columnMin, Math.min(L.columnMax, available - figure.width - L.gap));
  const chart = Math.max(L.chartBesideMin, Math.min(L.chartBesideMax, figure.height - L.chartBesideRoom));
  return { width, chart };
}
