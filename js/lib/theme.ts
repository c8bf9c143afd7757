/**
 * Colours and fonts from JupyterLab's CSS variables, with fallbacks that inherit from the host page, so the
 * widget reads well in Lab (light and dark), Notebook 7, Voila, VS Code, Colab and marimo alike; the page's
 * light or dark theme is read from each one's own marks (`pageTheme`).
 */

import { CONTROLS_STYLE } from "./controls";

/** One place for every themed value the widget uses: `var(--jp-..., fallback)`. */
export const THEME = {
  font: "var(--jp-ui-font-family, system-ui, -apple-system, 'Segoe UI', sans-serif)",
  fontSize: "var(--jp-ui-font-size1, 13px)",
  text: "var(--jp-ui-font-color1, currentColor)",
  textStrong: "var(--jp-ui-font-color0, currentColor)",
  textDim: "var(--jp-ui-font-color2, currentColor)",
  background: "var(--jp-layout-color0, transparent)",
  panel: "var(--jp-layout-color1, transparent)",
  plotBackground: "var(--jp-layout-color2, rgba(128, 128, 128, 0.12))",
  border: "var(--jp-border-color1, rgba(128, 128, 128, 0.6))",
  error: "var(--jp-error-color1, #d32f2f)",
  errorBackground: "var(--jp-error-color3, rgba(211, 47, 47, 0.12))",
  accent: "var(--jp-brand-color1, #1976d2)",
} as const;

/** Styles every widget shares, scoped under `.jaxwidgets`; a widget's own are in js/<widget>/style.ts. */
export const STYLE = `
.jaxwidgets {
  font-family: ${THEME.font};
  font-size: ${THEME.fontSize};
  color: ${THEME.text};
  background: ${THEME.background};
  box-sizing: border-box;
  width: 100%;
  max-width: 760px;
  padding: 4px 0;
  user-select: none;
  -webkit-user-select: none;
}
.jaxwidgets *, .jaxwidgets *::before, .jaxwidgets *::after { box-sizing: border-box; }
.jaxwidgets .jaxwidgets-title { font-weight: 600; font-size: 1.1em; color: ${THEME.textStrong}; margin: 0 0 4px; }
.jaxwidgets .jaxwidgets-title:empty { display: none; }
.jaxwidgets .jaxwidgets-error {
  color: ${THEME.error};
  background: ${THEME.errorBackground};
  border: 1px solid ${THEME.error};
  border-radius: 3px;
  padding: 6px 8px;
  margin: 0 0 6px;
  white-space: pre-wrap;
  font-family: var(--jp-code-font-family, ui-monospace, monospace);
  font-size: 0.92em;
  user-select: text;
  -webkit-user-select: text;
}
.jaxwidgets .jaxwidgets-error[hidden] { display: none; }
.jaxwidgets .jaxwidgets-static-note {
  border: 1px dashed ${THEME.text};
  border-radius: 3px;
  padding: 4px 8px;
  margin: 0 0 6px;
  font-size: 0.92em;
  color: ${THEME.text};
}
.jaxwidgets .jaxwidgets-toolbar { display: flex; flex-wrap: wrap; gap: 4px 14px; align-items: center; margin: 0 0 4px; }
.jaxwidgets .jaxwidgets-toolbar label { display: inline-flex; align-items: center; gap: 4px; cursor: pointer; }
.jaxwidgets .jaxwidgets-toolbar button {
  font: inherit;
  color: ${THEME.text};
  background: ${THEME.panel};
  border: 1px solid ${THEME.border};
  border-radius: 3px;
  padding: 2px 10px;
  cursor: pointer;
}
.jaxwidgets .jaxwidgets-toolbar button:hover { border-color: ${THEME.accent}; }
.jaxwidgets .jaxwidgets-figure { position: relative; }
.jaxwidgets .jaxwidgets-figure canvas { position: absolute; left: 0; top: 0; }
.jaxwidgets .jaxwidgets-figure svg { position: absolute; left: 0; top: 0; overflow: visible; }
/* Own compositing layers: what moves during a drag is repainted alone, never the heatmap or contours. */
.jaxwidgets canvas.ink { position: absolute; }
.jaxwidgets .jaxwidgets-figure .overlay-layer, .jaxwidgets .jaxwidgets-figure .handle-layer, .jaxwidgets canvas.ink { will-change: transform; pointer-events: none; }
.jaxwidgets .jaxwidgets-figure .handle-layers { position: absolute; left: 0; top: 0; }
.jaxwidgets .handle-layer .handle { pointer-events: auto; }
.jaxwidgets svg text { fill: currentColor; font-family: ${THEME.font}; font-size: 11px; }
.jaxwidgets .axis line, .jaxwidgets .axis path { stroke: ${THEME.border}; fill: none; shape-rendering: crispEdges; }
.jaxwidgets .axis-label { font-size: 12px; }
.jaxwidgets .plot-hit { fill: transparent; cursor: grab; touch-action: none; }
.jaxwidgets .plot-hit:active { cursor: grabbing; }
.jaxwidgets .contours path { fill: none; stroke: rgba(255, 255, 255, 0.55); stroke-width: 0.8; pointer-events: none; }
.jaxwidgets .handle { cursor: grab; touch-action: none; outline: none; }
.jaxwidgets .handle:active { cursor: grabbing; }
.jaxwidgets .handle circle.knob { fill: rgba(255, 255, 255, 0.95); stroke: #000; stroke-width: 1.5; }
.jaxwidgets .handle circle.focus-ring { fill: none; stroke: ${THEME.accent}; stroke-width: 2.5; opacity: 0; }
.jaxwidgets .handle:focus-visible circle.focus-ring { opacity: 1; }
.jaxwidgets .undefined-swatch { display: inline-block; width: 12px; height: 12px; vertical-align: -2px; border: 1px solid ${THEME.border};
  background: repeating-linear-gradient(-45deg, #9e9e9e 0 3px, #6e6e6e 3px 4.5px); }
.jaxwidgets .legend { font-size: 0.9em; color: ${THEME.textDim}; margin-top: 2px; }
.jaxwidgets .legend[hidden] { display: none; }
/* Readouts (values under a plot): LossSurface, Derivative, Jacobian, RandomKeys, JitInspector. */
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
${CONTROLS_STYLE(THEME.accent, THEME.text, THEME.panel, THEME.border)}
.jaxwidgets.disconnected { cursor: not-allowed; }
.jaxwidgets.disconnected > :not(.jaxwidgets-disconnected) { filter: grayscale(1); opacity: 0.45; pointer-events: none; }
.jaxwidgets .jaxwidgets-disconnected { font-family: inherit; font-size: 1em; font-weight: 600; cursor: auto; }
`;

/** Add the widget stylesheet to `root` (per view: shadow roots, as in marimo, do not see document styles). */
export function injectStyle(root: HTMLElement): HTMLStyleElement {
  const style = root.ownerDocument.createElement("style");
  style.textContent = STYLE;
  root.prepend(style);
  return style;
}

/**
 * Call `onChange` when the page may have changed theme: JupyterLab marks its theme on the body
 * (`data-jp-theme-name`, `data-jp-theme-light`); VS Code and others switch classes or inline variables on
 * the body or the root element. Returns the function that stops watching.
 */
export function observeTheme(doc: Document, onChange: () => void): () => void {
  const view = doc.defaultView as (Window & typeof globalThis) | null;
  if (!view?.MutationObserver) return () => {};
  const observer = new view.MutationObserver(() => onChange());
  const attributeFilter = ["class", "style", "data-jp-theme-name", "data-jp-theme-light"];
  for (const element of [doc.documentElement, doc.body]) if (element) observer.observe(element, { attributes: true, attributeFilter });
  return () => observer.disconnect();
}

/** Resolve a `var(--name, fallback)` expression for canvas drawing, which cannot use CSS variables. */
export function resolveColor(element: Element, variable: string, fallback: string): string {
  const view = element.ownerDocument.defaultView;
  if (!view) return fallback;
  const value = view.getComputedStyle(element).getPropertyValue(variable).trim();
  return value || fallback;
}

/** Colours the canvas needs, read from the element's computed style. */
export interface CanvasTheme {
  border: string;
  text: string;
}

export function readCanvasTheme(element: Element): CanvasTheme {
  const view = element.ownerDocument.defaultView;
  const inherited = view ? view.getComputedStyle(element).color : "";
  return {
    border: resolveColor(element, "--jp-border-color1", "rgba(128, 128, 128, 0.6)"),
    text: resolveColor(element, "--jp-ui-font-color1", inherited || "#444"),
  };
}

export type PageTheme = "light" | "dark";

const DARK_CLASSES = ["dark", "dark-theme", "vscode-dark", "vscode-high-contrast"];
const LIGHT_CLASSES = ["light", "light-theme", "vscode-light", "vscode-high-contrast-light"];

/**
 * The host page's theme. JupyterLab, Notebook 7 and Voila mark the body (`data-jp-theme-light`); marimo puts
 * `dark dark-theme` (or `light light-theme`) on the body, VS Code `vscode-dark` / `vscode-light`; any other
 * page is read from its `color-scheme`, and is light when it says nothing.
 */
export function pageTheme(doc: Document): PageTheme {
  const jupyter = doc.body?.dataset.jpThemeLight;
  if (jupyter === "true" || jupyter === "false") return jupyter === "true" ? "light" : "dark";
  for (const element of [doc.body, doc.documentElement]) {
    if (!element) continue;
    const classes = element.classList;
    if (LIGHT_CLASSES.some((name) => classes.contains(name))) return "light";
    if (DARK_CLASSES.some((name) => classes.contains(name))) return "dark";
  }
  const view = doc.defaultView;
  const scheme = view && doc.body ? view.getComputedStyle(doc.body).colorScheme : "";
  return /^\s*dark\b/.test(scheme ?? "") ? "dark" : "light";
}

/**
 * Mark `root` with the page's theme now and whenever the page switches: `data-theme` and `color-scheme`, so
 * native checkboxes, sliders, buttons and scrollbars are drawn for a dark page too. Returns the unwatch.
 */
export function followPageTheme(root: HTMLElement): () => void {
  const apply = (): void => {
    const theme = pageTheme(root.ownerDocument);
    if (root.dataset.theme === theme) return;
    root.dataset.theme = theme;
    root.style.colorScheme = theme;
  };
  apply();
  return observeTheme(root.ownerDocument, apply);
}
