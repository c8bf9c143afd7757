/**
 * What Descent draws of its runs besides the loss chart: the paths, the current step's arrows and markers
 * and the "✕" of cut paths on the ink canvas, and the legend of optimizers; and the frame events and data
 * attributes that say what the page shows (tests and benchmarks/latency.py read them).
 */
import { htmlElement, setAttributeIfChanged } from "../lib/dom";
import { formatNumber } from "../lib/format";
import { drawArrow, drawMark, drawMarker, fillDots, type Ink, strokePolyline } from "../lib/ink";
import { FRAME_EVENT, type FrameDetail } from "../lib/protocol";
import type { PlotRect } from "../lib/scale";
import { divergenceText, type Runs } from "./runs";
import type { PathShape, StepShape } from "./trace";

/** Opacity of paths that do not answer the inputs shown (provisional). */
const PROVISIONAL_OPACITY = 0.4;

/**
 * Paths, the current step's arrows and markers, and the "✕" of cut paths, on the ink canvas; faded and
 * dashed while provisional. The canvas's `data-scene` says what was drawn (for tests and tools).
 */
export function paintRuns(ink: Ink, rect: PlotRect, shapes: readonly PathShape[], step: StepShape | null, provisional: boolean): void {
  // Provisional: the whole layer fades (as one, by the compositor) and the paths are dashed.
  const opacity = provisional ? String(PROVISIONAL_OPACITY) : "";
  if (ink.canvas.style.opacity !== opacity) ink.canvas.style.opacity = opacity;
  const ctx = ink.begin(rect);
  if (ctx) {
    for (const shape of shapes) {
      strokePolyline(ctx, shape.line, { color: shape.color, width: 2, halo: 2, dash: provisional ? [5, 3] : undefined });
      fillDots(ctx, shape.dots, 2.25, shape.color);
      if (shape.cut !== null && shape.end) drawMark(ctx, shape.end, "✕", shape.color);
    }
    for (const arrow of step?.arrows ?? []) {
      drawArrow(ctx, arrow.from, [arrow.d[0] * step!.scale, arrow.d[1] * step!.scale], arrow.color, arrow.kind === "velocity");
    }
    for (const marker of step?.markers ?? []) drawMarker(ctx, marker.at, 4, marker.color);
  }
  ink.canvas.dataset.scene = JSON.stringify({
    provisional,
    paths: shapes.map(({ optimizer, start, steps, cut, end }) => ({
      optimizer,
      start,
      steps,
      cut,
      end: end?.map((v) => Math.round(v * 10) / 10) ?? null,
    })),
    updates: step?.arrows.filter((a) => a.kind === "update").length ?? 0,
    velocities: step?.arrows.filter((a) => a.kind === "velocity").length ?? 0,
  });
}

/** One entry per optimizer: its colour, name, learning rate and divergence labels, and a line of help. */
export class Legend {
  readonly element: HTMLDivElement;
  /** What the legend was built for: rebuilt only when it changes. */
  private key = "";

  constructor(doc: Document) {
    this.element = htmlElement("div", { class: "descent-legend", "aria-label": "optimizers" }, undefined, doc);
  }

  show(runs: Runs | null, colorOf: (name: string) => string): void {
    const key = runs ? runs.names.map((name, o) => `${name}:${runs.rates[name]}:${divergenceText(runs, o)}`).join("|") : "";
    if (key === this.key && this.element.childElementCount > 0) return;
    this.key = key;
    this.element.replaceChildren();
    if (!runs) return;
    runs.names.forEach((name, o) => {
      const entry = htmlElement("span", { class: "legend-entry" });
      entry.dataset.optimizer = name;
      const swatch = htmlElement("span", { class: "swatch" });
      swatch.style.background = colorOf(name);
      const label = htmlElement("span", { class: "legend-name" }, name);
      entry.append(swatch, label);
      const rate = runs.rates[name];
      if (rate !== undefined) entry.append(htmlElement("span", { class: "legend-rate" }, `lr ${formatNumber(rate, 3)}`));
      const diverged = divergenceText(runs, o);
      if (diverged) entry.append(htmlElement("span", { class: "legend-diverged" }, `✕ ${diverged}`));
      this.element.append(entry);
    });
    const help = htmlElement("span", { class: "legend-help" }, "drag a start · shift-click adds one · alt-click removes");
    this.element.append(help);
  }
}

/** Tell the page (tests, benchmarks) a picture was drawn: a `jaxwidgets:frame` event on the widget root. */
export function dispatchFrame(root: HTMLElement, detail: FrameDetail): void {
  root.dispatchEvent(new CustomEvent(FRAME_EVENT, { detail, bubbles: true }));
}

/** The exact picture of `runs` is drawn: say where it starts and what diverged, on `root`, and dispatch it. */
export function announceExact(root: HTMLElement, runs: Runs): void {
  const [x, y] = runs.starts[0] ?? [Number.NaN, Number.NaN];
  const data = root.dataset;
  data.exactX = String(x);
  data.exactY = String(y);
  data.exactSeq = String(runs.seq);
  setAttributeIfChanged(root, "data-diverged", JSON.stringify(runs.diverged));
  dispatchFrame(root, { kind: "exact", x, y, seq: runs.seq, time: performance.now() });
}
