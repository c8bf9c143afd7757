/**
 * The form controls every widget draws (sliders, checkboxes, buttons), built one way and styled by one CSS
 * rule set (CONTROLS_STYLE, part of the shared style in theme.ts). Controls only build DOM; the widget
 * listens (WidgetShell.listen) and decides what a change sends.
 */
import { htmlElement, setAttributeIfChanged } from "./dom";

export const CONTROLS_STYLE = (accent: string, text: string, panel: string, border: string): string => `
.jaxwidgets .controls { display: flex; flex-wrap: wrap; gap: 4px 18px; align-items: center; margin: 6px 0; max-width: 100%; }
.jaxwidgets .controls[hidden] { display: none; }
.jaxwidgets .control { display: inline-flex; align-items: center; gap: 6px; white-space: nowrap; }
.jaxwidgets .control-name { display: inline-flex; align-items: center; gap: 6px; }
.jaxwidgets .control input[type="range"] { width: 140px; margin: 0; accent-color: ${accent}; }
.jaxwidgets .control-value { font-family: var(--jp-code-font-family, ui-monospace, monospace); font-size: 0.92em; min-width: 4.5em; }
.jaxwidgets button.control-button {
  font: inherit; color: ${text}; background: ${panel}; border: 1px solid ${border};
  border-radius: 3px; padding: 2px 12px; cursor: pointer;
}
.jaxwidgets button.control-button:hover:not(:disabled) { border-color: ${accent}; }
.jaxwidgets button.control-button:disabled { opacity: 0.5; cursor: default; }
`;

export interface SliderRange {
  min: number;
  max: number;
  /** A step of 0 (or less) lets the slider take any value. */
  step: number;
}

export interface Slider {
  /** The `label.control` holding the name, the range input and the value readout. */
  element: HTMLLabelElement;
  input: HTMLInputElement;
  readout: HTMLSpanElement;
  /** Show `text` beside the slider and to assistive technology (aria-valuetext). */
  show(text: string): void;
  /** New bounds and step, keeping the value where the browser allows. */
  setRange(range: SliderRange): void;
}

/** A labelled range input with a value readout, e.g. `slider("learning rate", { min: -4, max: 0, step: 0.01 })`. */
export function slider(label: string, range: SliderRange, doc: Document = document): Slider {
  const element = htmlElement("label", { class: "control" }, undefined, doc);
  const name = htmlElement("span", { class: "control-name" }, label, doc);
  const input = htmlElement("input", { type: "range", "aria-label": label }, undefined, doc);
  const readout = htmlElement("span", { class: "control-value" }, undefined, doc);
  element.append(name, input, readout);
  const control: Slider = {
    element,
    input,
    readout,
    show(text) {
      // Only what changed is touched: a slider shown per animation frame then costs the page no style work.
      if (readout.textContent !== text) readout.textContent = text;
      setAttributeIfChanged(input, "aria-valuetext", text);
    },
    setRange({ min, max, step }) {
      input.min = String(min);
      input.max = String(max);
      input.step = step > 0 ? String(step) : "any";
    },
  };
  control.setRange(range);
  return control;
}

/** A labelled checkbox. */
export function checkbox(label: string, doc: Document = document): { element: HTMLLabelElement; input: HTMLInputElement } {
  const element = htmlElement("label", { class: "control" }, undefined, doc);
  const input = htmlElement("input", { type: "checkbox" }, undefined, doc);
  element.append(input, doc.createTextNode(label));
  return { element, input };
}

/** A plain button; `title` explains what it does. */
export function button(label: string, options: { className?: string; title?: string } = {}, doc: Document = document): HTMLButtonElement {
  const classes = ["control-button", options.className].filter(Boolean).join(" ");
  const attributes: Record<string, string> = { type: "button", class: classes };
  if (options.title) attributes.title = options.title;
  return htmlElement("button", attributes, label, doc);
}
