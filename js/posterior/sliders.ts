/**
 * The sliders of the model arguments a Posterior page can change (the `controls` trait): a move sends a
 * `control` request (one in flight, the newest value per slider kept, the last always sent); while the user
 * holds a slider or a request for it is under way, Python's echoes of older values do not move it.
 */
import { type Slider, slider } from "../lib/controls";
import type { Requester } from "../lib/flow";
import { formatNumber } from "../lib/format";
import { clear, htmlElement } from "../lib/dom";
import { type ControlPayload, ControlQueue } from "./control_queue";
import type { ControlSpec } from "./protocol";

export interface SlidersOptions {
  doc: Document;
  /** The shell's requester of `control` requests (its acks and errors free its slot). */
  makeRequester(onIdle: () => void): Requester<ControlPayload>;
  /** Add a DOM listener that the view's destroy removes. */
  listen(target: EventTarget, type: string, handler: () => void): void;
}

export class Sliders {
  readonly element: HTMLDivElement;
  private readonly options: SlidersOptions;
  private readonly queue: ControlQueue;
  private readonly sliders = new Map<string, Slider>();
  private readonly held = new Set<string>();
  private specs: Record<string, ControlSpec> = {};

  constructor(options: SlidersOptions) {
    this.options = options;
    this.element = htmlElement("div", { class: "controls post-controls" }, undefined, options.doc);
    this.queue = new ControlQueue(options.makeRequester);
  }

  /** Show Python's controls: rebuilt when the names change; values stand where the user is at work. */
  show(specs: Record<string, ControlSpec>): void {
    this.specs = specs;
    const names = Object.keys(specs);
    if (!(names.length === this.sliders.size && names.every((n) => this.sliders.has(n)))) this.build(names);
    for (const name of names) {
      const control = this.sliders.get(name)!;
      const spec = specs[name]!;
      control.setRange(spec);
      if (this.held.has(name) || this.queue.busyWith(name)) continue;
      control.input.value = String(spec.value);
      // The range input snaps to its step grid: the readout shows Python's exact value.
      control.show(formatNumber(spec.value));
    }
    this.element.hidden = names.length === 0;
  }

  /** An ack or error of a control request came: once nothing is under way, show Python's values. */
  settled(): void {
    if (!this.queue.busy) this.show(this.specs);
  }

  dispose(): void {
    this.queue.dispose();
  }

  private build(names: readonly string[]): void {
    clear(this.element);
    this.sliders.clear();
    for (const name of names) {
      const spec = this.specs[name]!;
      const control = slider(spec.label || name, spec, this.options.doc);
      control.input.value = String(spec.value);
      control.show(formatNumber(spec.value));
      this.element.append(control.element);
      this.sliders.set(name, control);
      const { listen } = this.options;
      listen(control.input, "input", () => {
        control.show(formatNumber(Number(control.input.value)));
        this.queue.request({ name, value: Number(control.input.value) });
      });
      listen(control.input, "pointerdown", () => this.held.add(name));
      const release = (): void => void this.held.delete(name);
      for (const type of ["pointerup", "pointercancel", "change"]) listen(control.input, type, release);
    }
  }
}
