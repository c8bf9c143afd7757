/** LossSurface's own CSS, added by the shell after the shared style of lib/theme.ts (which holds the readout rules). */

export const SURFACE_STYLE = `
.jaxwidgets .halo { stroke: rgba(0, 0, 0, 0.55); fill: none; stroke-linecap: round; }
.jaxwidgets .arrow { stroke: #fff; fill: none; stroke-width: 2; stroke-linecap: round; stroke-linejoin: round; }
.jaxwidgets .arrow-head { fill: #fff; stroke: rgba(0, 0, 0, 0.55); stroke-width: 1; }
.jaxwidgets .provisional .arrow { stroke-dasharray: 4 3; opacity: 0.8; }
.jaxwidgets .eigen { stroke: #ff9f1c; stroke-width: 2; fill: none; stroke-linecap: round; }
.jaxwidgets .eigen.negative { stroke: #ff5d8f; stroke-dasharray: 5 3; }
`;
