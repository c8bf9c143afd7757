/**
 * Descent's controls (built with lib/controls.ts): the learning-rate slider (log10), the steps slider, and
 * the step slider with its play button. They only show values and hold the inputs; the view listens.
 */
import { button, type Slider, slider } from "../lib/controls";
import { htmlElement, svgElement } from "../lib/dom";
import { formatNumber } from "../lib/format";
import type { Pair } from "../lib/protocol";

/** Learning-rate slider range, log10. */
export const LOG_RATE_RANGE: Pair = [-4, 0];

/** The common learning rate when all are equal, else their geometric mean (where the slider sits). */
export function sliderRate(rates: Record<string, number>): { rate: number; mixed: boolean } {
  const values = Object.values(rates).filter((r) => r > 0);
  if (values.length === 0) return { rate: 0.01, mixed: false };
  const mixed = values.some((r) => Math.abs(r - values[0]!) > 1e-9 * values[0]!);
  const rate = Math.exp(values.reduce((sum, r) => sum + Math.log(r), 0) / values.length);
  return { rate, mixed };
}

/** Slider position (log10) -> a rate rounded to 3 significant digits (so the value shown is the value sent). */
export function rateFromSlider(log10: number): number {
  return Number((10 ** log10).toPrecision(3));
}

export class DescentControls {
  readonly element: HTMLDivElement;
  readonly rate: Slider;
  readonly steps: Slider;
  readonly step: Slider;
  readonly play: HTMLButtonElement;

  constructor(doc: Document, steps: number, maxSteps: number) {
    this.element = htmlElement("div", { class: "descent-controls" }, undefined, doc);
    this.rate = slider("learning rate", { min: LOG_RATE_RANGE[0], max: LOG_RATE_RANGE[1], step: 0.01 }, doc);
    this.steps = slider("steps", { min: 1, max: Math.max(1, maxSteps), step: 1 }, doc);
    this.step = slider("step", { min: 0, max: steps, step: 1 }, doc);
    this.play = button("", { className: "play" }, doc);
    this.play.setAttribute("aria-label", "play");
    const stepRow = htmlElement("div", { class: "control step-control" }, undefined, doc);
    stepRow.append(this.play, this.step.element);
    this.element.append(this.rate.element, this.steps.element, stepRow);
  }

  /** The slider's rate (the geometric mean when they differ, all of them then listed) and the step count. */
  showSettings(rates: Record<string, number>, steps: number): void {
    const { rate, mixed } = sliderRate(rates);
    this.rate.input.value = String(Math.log10(rate));
    this.rate.show(
      mixed
        ? Object.entries(rates)
            .map(([name, r]) => `${name} ${formatNumber(r, 3)}`)
            .join(", ")
        : formatNumber(rate, 3),
    );
    this.steps.input.value = String(steps);
    this.steps.show(String(steps));
    this.step.input.max = String(steps);
  }

  /** Step slider, its text and the play button; the DOM is touched only where something changed. */
  showStep(step: number, steps: number, arrowScale: number, playing: boolean): void {
    if (this.step.input.value !== String(step)) this.step.input.value = String(step);
    const scale = arrowScale > 1 ? `  (arrows ×${arrowScale})` : "";
    this.step.show(`${step} / ${steps}${scale}`);
    const label = playing ? "pause" : "play";
    if (this.play.getAttribute("aria-label") !== label || this.play.childElementCount === 0) {
      this.play.replaceChildren(playIcon(playing));
      this.play.setAttribute("aria-label", label);
    }
  }

  setMaxSteps(maxSteps: number): void {
    this.steps.input.max = String(Math.max(1, maxSteps));
  }
}

/** ▶ / ⏸ as SVG: the glyphs are missing from many fonts (headless browsers show a box). */
function playIcon(playing: boolean): SVGSVGElement {
  const icon = svgElement("svg", { width: 12, height: 12, viewBox: "0 0 12 12", "aria-hidden": "true" });
  if (playing)
    icon.append(svgElement("rect", { x: 2, y: 1.5, width: 3, height: 9 }), svgElement("rect", { x: 7, y: 1.5, width: 3, height: 9 }));
  else icon.append(svgElement("path", { d: "M2.5,1.5L10.5,6L2.5,10.5Z" }));
  return icon;
}
