/**
 * One control per argument of f, built from Python's `_controls`: a slider for a number, a log-length
 * slider and a dtype menu for an array, a menu of values for a static argument.
 */
import { slider } from "../lib/controls";
import { htmlElement } from "../lib/dom";
import { formatNumber } from "../lib/format";
import type { ArrayValue, ControlSpec, ControlValue } from "./model";

interface Built {
  spec: ControlSpec;
  element: HTMLElement;
  read(): ControlValue;
  show(value: ControlValue): void;
}

function select(label: string, options: readonly string[], doc: Document): { element: HTMLLabelElement; input: HTMLSelectElement } {
  const element = htmlElement("label", { class: "control" }, undefined, doc);
  const input = htmlElement("select", { "aria-label": label }, undefined, doc);
  for (const [i, text] of options.entries()) input.append(htmlElement("option", { value: i }, text, doc));
  element.append(htmlElement("span", { class: "control-name" }, label, doc), input);
  return { element, input };
}

function build(spec: ControlSpec, doc: Document, onChange: () => void): Built {
  if (spec.kind === "scalar") {
    const s = slider(spec.name, { min: spec.min, max: spec.max, step: (spec.max - spec.min) / 200 }, doc);
    s.input.addEventListener("input", () => {
      s.show(formatNumber(Number(s.input.value)));
      onChange();
    });
    return {
      spec,
      element: s.element,
      read: () => Number(s.input.value),
      show: (value) => {
        s.input.value = String(value);
        s.show(formatNumber(value as number));
      },
    };
  }
  if (spec.kind === "array") {
    const element = htmlElement("span", { class: "control jit-array" }, undefined, doc);
    const length = slider(`${spec.name} length`, { min: 0, max: Math.log10(spec.max_length), step: 0.05 }, doc);
    const dtype = select(`${spec.name} dtype`, spec.dtypes, doc);
    element.append(length.element, dtype.element);
    const read = (): ArrayValue => ({
      length: Math.max(1, Math.round(10 ** Number(length.input.value))),
      dtype: spec.dtypes[Number(dtype.input.value)] ?? "float32",
    });
    length.input.addEventListener("input", () => {
      length.show(read().length.toLocaleString("en-US"));
      onChange();
    });
    dtype.input.addEventListener("change", onChange);
    return {
      spec,
      element,
      read,
      show: (value) => {
        const { length: n, dtype: d } = value as ArrayValue;
        length.input.value = String(Math.log10(n));
        length.show(n.toLocaleString("en-US"));
        dtype.input.value = String(Math.max(0, spec.dtypes.indexOf(d)));
      },
    };
  }
  if (spec.kind === "fixed") {
    const element = htmlElement(
      "span",
      { class: "control jit-fixed", title: "no control: change it from Python" },
      `${spec.name}: ${spec.text}`,
      doc,
    );
    return { spec, element, read: () => spec.text, show: () => {} };
  }
  const menu = select(`${spec.name} (static)`, spec.options, doc);
  menu.input.addEventListener("change", onChange);
  return {
    spec,
    element: menu.element,
    read: () => Number(menu.input.value),
    show: (value) => {
      menu.input.value = String(value);
    },
  };
}

/** The argument controls; `values()` reads them all, `show(state)` sets them from Python's state. */
export class ArgumentControls {
  readonly element: HTMLDivElement;
  private built: Built[] = [];
  private specs = "";

  constructor(
    private readonly doc: Document,
    private readonly onChange: () => void,
  ) {
    this.element = htmlElement("div", { class: "controls jit-controls" }, undefined, doc);
  }

  /** (Re)build the controls when Python's specs change (a static argument gained an option). */
  setSpecs(specs: readonly ControlSpec[]): void {
    const key = JSON.stringify(specs);
    if (key === this.specs) return;
    this.specs = key;
    const state = this.built.length > 0 ? this.values() : null;
    this.element.replaceChildren();
    this.built = specs.map((spec) => build(spec, this.doc, this.onChange));
    for (const b of this.built) this.element.append(b.element);
    if (state) this.show(state);
  }

  values(): Record<string, ControlValue> {
    return Object.fromEntries(this.built.filter((b) => b.spec.kind !== "fixed").map((b) => [b.spec.name, b.read()]));
  }

  show(state: Record<string, ControlValue>): void {
    for (const b of this.built) if (state[b.spec.name] !== undefined) b.show(state[b.spec.name]!);
  }
}
