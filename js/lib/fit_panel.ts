/**
 * The parameter panel of CurveFit and DensityFit: per parameter a slider (its `ranges` entry), the value, a
 * bar showing which way the loss wants it to move (-d loss / d theta, scaled to the largest), and a Fix
 * toggle bound to the `fixed` trait. Plus the readout of the loss and of the last Fit.
 */
import { checkbox, type Slider, slider } from "./controls";
import { htmlElement } from "./dom";
import { formatNumber } from "./format";

/**
 * The panel is rewritten at most this often (ms); the last state always shows. A frame that repaints the panel
 * as well as the curve repaints the whole widget's area (the damage is one rectangle around both): with the panel
 * written on every frame of a CurveFit drag, the page drew 37 exact pictures/s, with it hidden 45 (same run).
 */
export const PANEL_INTERVAL_MS = 80;

/** Runs `write` at most every PANEL_INTERVAL_MS: at once when the last run is that long ago, else `later` is
 * called once the interval has passed (to ask for a frame that runs it then). The last request always runs. */
export class PanelPace {
  private lastAt = Number.NEGATIVE_INFINITY;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly write: () => void,
    private readonly later: () => void,
  ) {}

  run(): void {
    const wait = this.lastAt + PANEL_INTERVAL_MS - Date.now();
    if (wait <= 0) {
      this.lastAt = Date.now();
      this.write();
    } else
      this.timer ??= setTimeout(() => {
        this.timer = null;
        this.later();
      }, wait);
  }

  dispose(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}

/** Okabe-Ito: one colour per parameter (sensitivity curves and the bars' names). */
export const PARAM_COLORS = ["#E69F00", "#56B4E9", "#009E73", "#CC79A7", "#D55E00", "#0072B2", "#F0E442", "#999999"];

export const FIT_PANEL_STYLE = `
.jaxwidgets .fit-params { display: grid; grid-template-columns: auto auto 110px auto; gap: 2px 12px; align-items: center; margin-top: 6px; }
.jaxwidgets .fit-params .control { gap: 6px; }
.jaxwidgets .fit-params .control-name { min-width: 3.5em; font-weight: 600; }
.jaxwidgets .fit-grad { position: relative; height: 10px; border-left: 1px solid var(--jp-border-color1, #999); margin-left: 55px; }
.jaxwidgets .fit-grad-bar { position: absolute; top: 1px; height: 8px; border-radius: 2px; }
.jaxwidgets .fit-grad-text { font-family: var(--jp-code-font-family, monospace); font-size: 0.85em; min-width: 6em; }
.jaxwidgets .fit-readout { font-family: var(--jp-code-font-family, monospace); margin-top: 4px; display: flex; flex-wrap: wrap; gap: 0 1.5em; user-select: text; -webkit-user-select: text; }
.jaxwidgets canvas.fit-curve { will-change: transform, opacity; }
.jaxwidgets .fit-buttons { display: flex; gap: 8px; align-items: center; margin-top: 6px; flex-wrap: wrap; }
`;

export interface ParamRow {
  name: string;
  slider: Slider;
  fix: HTMLInputElement;
  bar: HTMLDivElement;
  gradText: HTMLSpanElement;
}

export class ParamPanel {
  readonly element: HTMLDivElement;
  readonly rows: ParamRow[];

  constructor(names: readonly string[], doc: Document) {
    this.element = htmlElement("div", { class: "fit-params", role: "group", "aria-label": "parameters" }, undefined, doc);
    this.rows = names.map((name, i) => {
      const control = slider(name, { min: 0, max: 1, step: 0 }, doc);
      (control.element.firstChild as HTMLElement).style.color = PARAM_COLORS[i % PARAM_COLORS.length]!;
      const fix = checkbox("Fix", doc);
      fix.input.setAttribute("aria-label", `fix ${name}`);
      fix.input.dataset.param = name;
      const gradient = htmlElement("div", { class: "fit-grad", title: `−∂loss/∂${name}: the way ${name} wants to move` }, undefined, doc);
      const bar = htmlElement("div", { class: "fit-grad-bar" }, undefined, doc);
      bar.style.background = PARAM_COLORS[i % PARAM_COLORS.length]!;
      gradient.append(bar);
      const gradText = htmlElement("span", { class: "fit-grad-text" }, undefined, doc);
      control.input.dataset.param = name;
      this.element.append(control.element, fix.element, gradient, gradText);
      return { name, slider: control, fix: fix.input, bar, gradText };
    });
  }

  setRanges(ranges: Record<string, [number, number]>): void {
    for (const row of this.rows) {
      const [min, max] = ranges[row.name] ?? [0, 1];
      row.slider.setRange({ min, max, step: (max - min) / 1000 });
    }
  }

  /** The slider being dragged (keyboard focus follows the pointer): a reply must not move it under the user. */
  activeSlider(doc: Document): HTMLInputElement | null {
    return this.rows.find((row) => row.slider.input === doc.activeElement)?.slider.input ?? null;
  }

  setFixed(fixed: readonly string[]): void {
    for (const row of this.rows) row.fix.checked = fixed.includes(row.name);
  }

  /** Show the values (sliders not being dragged follow) and the gradient bars. */
  show(values: ArrayLike<number>, gradient: ArrayLike<number> | null, active: HTMLInputElement | null, loss = 0): void {
    // Scaled to the largest component, but never below 1 % of the loss: at a minimum the bars shrink away
    // instead of magnifying float32 noise.
    let largest = Number.isFinite(loss) ? 0.01 * Math.abs(loss) : 0;
    if (gradient) for (let i = 0; i < gradient.length; i++) largest = Math.max(largest, Math.abs(gradient[i]!));
    this.rows.forEach((row, i) => {
      const value = values[i]!;
      if (row.slider.input !== active) row.slider.input.value = String(value);
      row.slider.show(formatNumber(value));
      const g = gradient ? gradient[i]! : Number.NaN;
      // The bar points the way the loss falls: against the gradient.
      const share = largest > 0 && Number.isFinite(g) ? Math.abs(g) / largest : 0;
      const width = `${(share * 50).toFixed(1)}px`;
      const left = -g >= 0 ? "0px" : `-${width}`;
      // Only what changed is touched: each style write costs the page a layout.
      if (row.bar.style.width !== width || row.bar.style.left !== left) Object.assign(row.bar.style, { width, left });
      row.bar.dataset.gradient = String(g);
      const text = Number.isFinite(g) ? `∂ = ${formatNumber(g, 3)}` : "";
      if (row.gradText.textContent !== text) row.gradText.textContent = text;
    });
  }
}

export interface FitReport {
  bfgs?: { iterations: number; loss: number };
  scipy?: { iterations: number; loss: number };
}

/** "chi² = 1.96e4", and after a Fit the iterations and final loss of each optimizer. */
export function readoutParts(lossName: string, loss: number, report: FitReport, frame: string): string[] {
  const parts = [`${lossName} = ${formatNumber(loss, 6)}`];
  if (frame) parts.push(frame);
  if (report.bfgs) parts.push(`BFGS (optax L-BFGS): ${report.bfgs.iterations} it, ${formatNumber(report.bfgs.loss, 6)}`);
  if (report.scipy) parts.push(`scipy BFGS: ${report.scipy.iterations} it, ${formatNumber(report.scipy.loss, 6)}`);
  return parts;
}

/** One span per text in `container`; only the texts that changed are written (each write costs a layout). */
export function showTexts(container: HTMLElement, texts: readonly string[], doc: Document): void {
  const spans = container.children;
  if (spans.length !== texts.length) {
    container.replaceChildren(...texts.map((text) => htmlElement("span", {}, text, doc)));
    return;
  }
  texts.forEach((text, k) => {
    const span = spans[k]!;
    if (span.textContent !== text) span.textContent = text;
  });
}
