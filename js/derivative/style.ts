/** Derivative's own CSS (the shared style comes with the shell). */
export const DERIVATIVE_STYLE = `
.jaxwidgets-derivative .derivative-lower { display: flex; flex-wrap: wrap; gap: 8px 16px; margin-top: 8px; align-items: flex-start; }
.jaxwidgets-derivative .fd-panel, .jaxwidgets-derivative .jaxpr-panel { flex: 1 1 300px; min-width: 0; }
.jaxwidgets .panel-caption { font-weight: 600; margin: 2px 0 4px; color: var(--jp-ui-font-color1, currentColor); }
.jaxwidgets-derivative .fd-legend { display: flex; flex-wrap: wrap; gap: 2px 12px; }
.jaxwidgets-derivative .fd-legend-entry { display: inline-flex; align-items: center; gap: 5px; white-space: nowrap; }
.jaxwidgets-derivative .fd-swatch { display: inline-block; width: 20px; height: 0; border-top: 2px solid; }
.jaxwidgets-derivative .fd-swatch.forward { border-top-style: dashed; }
.jaxwidgets-derivative .jaxpr-block { margin-bottom: 6px; }
.jaxwidgets-derivative pre.jaxpr {
  margin: 0; padding: 6px 8px; max-height: 220px; overflow: auto; white-space: pre-wrap; overflow-wrap: anywhere; font-size: 11.5px; line-height: 1.35;
  font-family: var(--jp-code-font-family, ui-monospace, monospace); color: var(--jp-content-font-color1, currentColor);
  background: var(--jp-cell-editor-background, rgba(128, 128, 128, 0.1)); border: 1px solid var(--jp-border-color2, rgba(128, 128, 128, 0.3));
  border-radius: 3px; user-select: text; -webkit-user-select: text;
}
.jaxwidgets-derivative pre.jaxpr .primitive { color: var(--jp-mirror-editor-keyword-color, #008000); font-weight: 700; }
`;
