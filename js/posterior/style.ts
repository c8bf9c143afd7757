/** The Posterior view's colours, sizes and CSS (its controls and buttons use the shared lib/controls.ts CSS). */
import { THEME } from "../lib/theme";

/** Okabe-Ito colours without vermillion and yellow: red marks divergences, yellow is viridis' peak. */
export const CHAIN_COLORS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#8C8C8C"] as const;
export const DIVERGENT_COLOR = "#e8000b";

export function chainColor(chain: number): string {
  return CHAIN_COLORS[chain % CHAIN_COLORS.length]!;
}

/** Pixel sizes of the pair plot (with its marginals), the trace plots beside or below it, and the axes. */
export const LAYOUT = {
  left: 58,
  gap: 6,
  marginal: 54,
  bottom: 40,
  top: 6,
  right: 10,
  minSide: 200,
  maxSide: 420,
  traceMin: 250,
  besideMin: 300,
  traceRight: 20,
} as const;

export const STYLE = `
.jaxwidgets-posterior .post-header { display: flex; flex-wrap: wrap; gap: 4px 12px; align-items: center; margin: 0 0 4px; }
.jaxwidgets-posterior .post-status { font-weight: 600; min-width: 6.5em; }
.jaxwidgets-posterior .post-status[data-status="error"] { color: ${THEME.error}; }
.jaxwidgets-posterior .post-progress { display: grid; grid-template-columns: auto minmax(80px, 1fr) auto; gap: 2px 8px; align-items: center; margin: 0 0 6px; max-width: 560px; }
.jaxwidgets-posterior .chain-label { display: inline-flex; align-items: center; gap: 5px; white-space: nowrap; font-size: 0.92em; }
.jaxwidgets-posterior .warmup-note { color: var(--jp-ui-font-color2, #666); font-style: italic; font-size: 0.92em; }
.jaxwidgets-posterior .chain-swatch { display: inline-block; width: 10px; height: 10px; border-radius: 50%; }
.jaxwidgets-posterior .track { position: relative; height: 8px; border-radius: 4px; overflow: hidden; background: ${THEME.plotBackground}; border: 1px solid ${THEME.border}; }
.jaxwidgets-posterior .track .warm, .jaxwidgets-posterior .track .draws { position: absolute; top: 0; bottom: 0; }
.jaxwidgets-posterior .track .warm { left: 0; background: repeating-linear-gradient(-45deg, rgba(128,128,128,0.75) 0 3px, rgba(128,128,128,0.4) 3px 6px); }
.jaxwidgets-posterior .chain-count { font-family: var(--jp-code-font-family, ui-monospace, monospace); font-size: 0.88em; white-space: nowrap; color: ${THEME.textDim}; }
.jaxwidgets-posterior .chain-count .divergent { color: ${THEME.error}; font-weight: 600; }
.jaxwidgets-posterior .post-controls { margin: 0 0 6px; }
.jaxwidgets-posterior .post-pair-controls { display: flex; flex-wrap: wrap; gap: 4px 14px; align-items: center; margin: 0 0 2px; }
.jaxwidgets-posterior .post-pair-controls label { display: inline-flex; align-items: center; gap: 4px; }
.jaxwidgets-posterior select { font: inherit; color: ${THEME.text}; background: ${THEME.panel}; border: 1px solid ${THEME.border}; border-radius: 3px; }
.jaxwidgets-posterior .post-legend { display: inline-flex; flex-wrap: wrap; gap: 2px 12px; color: ${THEME.textDim}; font-size: 0.9em; }
.jaxwidgets-posterior .post-legend .divergent-mark { color: ${DIVERGENT_COLOR}; font-weight: 700; }
.jaxwidgets-posterior .post-legend .reference-mark { font-weight: 700; }
.jaxwidgets-posterior .post-plots { display: flex; flex-wrap: wrap; gap: 4px 12px; align-items: flex-start; }
.jaxwidgets-posterior .post-predictive[hidden] { display: none; }
.jaxwidgets-posterior .panel-title { font-size: 0.92em; color: ${THEME.textDim}; margin: 6px 0 0; }
.jaxwidgets-posterior .contours path { stroke: rgba(255, 255, 255, 0.7); }
.jaxwidgets-posterior .summary-table { border-collapse: collapse; margin-top: 8px; font-size: 0.92em; user-select: text; -webkit-user-select: text; }
.jaxwidgets-posterior .summary-table th, .jaxwidgets-posterior .summary-table td { padding: 2px 10px; text-align: right; border-bottom: 1px solid ${THEME.border}; white-space: nowrap; }
.jaxwidgets-posterior .summary-table th.site { text-align: left; font-weight: 600; }
.jaxwidgets-posterior .summary-table thead th { color: ${THEME.textDim}; font-weight: 600; }
.jaxwidgets-posterior .summary-table td { font-family: var(--jp-code-font-family, ui-monospace, monospace); }
.jaxwidgets-posterior .summary-table td.r_hat.bad { color: ${THEME.error}; background: ${THEME.errorBackground}; font-weight: 700; }
`;
