/**
 * Descent's own CSS (the shell adds it after the shared style of lib/theme.ts): the legend, the controls and
 * the loss chart in a column beside the plot where there is room (layout.ts), below it elsewhere.
 */
import { THEME } from "../lib/theme";

export const DESCENT_STYLE = `
.jaxwidgets.jaxwidgets-descent { max-width: 1120px; }
.jaxwidgets-descent .descent-body { display: flex; flex-direction: column; align-items: flex-start; }
.jaxwidgets-descent .descent-body.beside { flex-direction: row; gap: 20px; }
.jaxwidgets-descent .descent-column { display: flex; flex-direction: column; max-width: 100%; }
.jaxwidgets-descent .descent-body.beside .descent-column { padding-top: 4px; }
/* A long value (one learning rate per optimizer) wraps inside the column instead of running out of it. */
.jaxwidgets-descent .descent-controls .control { max-width: 100%; }
.jaxwidgets-descent .descent-controls .control-value { white-space: normal; }
.jaxwidgets-descent .descent-body.beside .descent-legend, .jaxwidgets-descent .descent-body.beside .descent-controls { padding-left: 0; }
.jaxwidgets-descent .start-number { fill: #fff; font-weight: 700; font-size: 12px; stroke: #000; stroke-width: 2.5px; paint-order: stroke; pointer-events: none; }
.jaxwidgets-descent .descent-legend { padding-left: 8px; display: flex; flex-wrap: wrap; gap: 2px 16px; align-items: center; margin-top: 4px; max-width: 100%; }
.jaxwidgets-descent .legend-entry { display: inline-flex; align-items: center; gap: 5px; white-space: nowrap; }
.jaxwidgets-descent .swatch { display: inline-block; width: 18px; height: 4px; border-radius: 2px; outline: 1px solid rgba(0, 0, 0, 0.45); }
.jaxwidgets-descent .legend-name { font-weight: 600; color: ${THEME.textStrong}; }
.jaxwidgets-descent .legend-rate { color: ${THEME.textDim}; font-size: 0.92em; }
.jaxwidgets-descent .legend-diverged { color: ${THEME.error}; font-size: 0.92em; }
.jaxwidgets-descent .legend-help { color: ${THEME.textDim}; font-size: 0.85em; margin-left: auto; }
.jaxwidgets-descent .descent-controls { padding-left: 8px; display: flex; flex-wrap: wrap; gap: 4px 18px; align-items: center; margin-top: 6px; max-width: 100%; }
.jaxwidgets-descent button.play {
  font: inherit; line-height: 1; width: 2em; height: 1.7em; padding: 0; cursor: pointer;
  color: ${THEME.text}; background: ${THEME.panel}; border: 1px solid ${THEME.border}; border-radius: 3px;
}
.jaxwidgets-descent button.play svg { display: block; margin: auto; fill: currentColor; }
.jaxwidgets-descent button.play:hover { border-color: ${THEME.accent}; }
.jaxwidgets-descent .loss-chart { position: relative; margin-top: 6px; }
.jaxwidgets-descent .loss-chart svg { position: absolute; left: 0; top: 0; overflow: visible; }
.jaxwidgets-descent .step-marker { stroke: ${THEME.text}; stroke-width: 1; stroke-dasharray: 3 2; }
`;
