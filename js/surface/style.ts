/** LossSurface's own CSS (the shell adds it after the shared style of lib/theme.ts): the probe's marks and readout. */
import { THEME } from "../lib/theme";

export const SURFACE_STYLE = `
.jaxwidgets .halo { stroke: rgba(0, 0, 0, 0.55); fill: none; stroke-linecap: round; }
.jaxwidgets .arrow { stroke: #fff; fill: none; stroke-width: 2; stroke-linecap: round; stroke-linejoin: round; }
.jaxwidgets .arrow-head { fill: #fff; stroke: rgba(0, 0, 0, 0.55); stroke-width: 1; }
.jaxwidgets .provisional .arrow { stroke-dasharray: 4 3; opacity: 0.8; }
.jaxwidgets .eigen { stroke: #ff9f1c; stroke-width: 2; fill: none; stroke-linecap: round; }
.jaxwidgets .eigen.negative { stroke: #ff5d8f; stroke-dasharray: 5 3; }
.jaxwidgets .readout {
  font-family: var(--jp-code-font-family, ui-monospace, monospace);
  font-size: 0.95em;
  min-height: 1.4em;
  margin-top: 4px;
  display: flex;
  flex-wrap: wrap;
  gap: 0 1.5em;
  user-select: text;
  -webkit-user-select: text;
}
.jaxwidgets .readout span { white-space: nowrap; }
.jaxwidgets .readout.provisional { font-style: italic; color: ${THEME.textDim}; }
.jaxwidgets .readout-line { display: flex; flex-wrap: wrap; gap: 0 1.5em; flex-basis: 100%; }
.jaxwidgets .readout-line[hidden] { display: none; }
.jaxwidgets .readout-line.provisional { font-style: italic; color: ${THEME.textDim}; }
`;
