/**
 * Descent front end (twin of src/jaxwidgets/descent.py): the LossSurface picture (lib/surface_plot.ts) with
 * one gradient-descent path per optimizer from each draggable start, a legend with divergence labels,
 * learning-rate / steps / step controls with a play button, the update and velocity vectors at the current
 * step, and a loss-versus-step chart.
 *
 * The paths and arrows are drawn on a canvas (lib/ink.ts) in their own layer: a reply costs a few ms of
 * drawing, not a re-layout and repaint of SVG over the heatmap.
 *
 * Drag path: a pointer event moves the start handle at once and sends the `runs` request from the handler
 * itself, through the same flow control as the probe (lib/flow.ts: one in flight, newest wins);
 * every non-stale reply is drawn the moment it arrives, solid: its paths are exact for the starts they begin
 * at (the handle may already be a little ahead). The paths fade (provisional) only while they answer other
 * inputs than the page shows: a learning rate or step count not computed yet, or no answer for a while.
 */
import { asFloat32, type BinaryLike, decodeMessageArray } from "./lib/arrays";
import { createHandle, type Handle, KNOB_RADIUS } from "./lib/drag";
import { htmlElement, setAttributeIfChanged, svgElement } from "./lib/dom";
import { drawArrow, drawMark, drawMarker, fillDots, Ink, strokePolyline, thinPolyline } from "./lib/ink";
import { replyIsFor, Requester } from "./lib/flow";
import { formatNumber } from "./lib/format";
import { LossChart } from "./lib/loss_chart";
import {
  type AnyModel,
  type DescentModel,
  FRAME_EVENT,
  type FrameDetail,
  type Pair,
  parseServerMessage,
  type RenderProps,
  type RunsReply,
  type RunsRequest,
} from "./lib/protocol";
import { SurfacePlot } from "./lib/surface_plot";

type Model = AnyModel<DescentModel>;

export const MAX_STARTS = 8;
/**
 * An optimizer's colour comes from Python (`optimizer_colors`, from OPTIMIZER_COLORS in descent.py: the one
 * source, which loss_figure() uses too); this grey only stands in for a name Python gave no colour.
 */
export const FALLBACK_COLOR = "#9E9E9E";
/** Learning-rate slider range, log10. */
export const LOG_RATE_RANGE: Pair = [-4, 0];
/** Step markers drawn per path at most (every k-th step beyond that). */
const MAX_MARKERS = 60;
/** The longest update arrow at the current step is drawn at least this long (all scaled alike). */
const MIN_ARROW_PX = 26;
/** A run plays in about this long, and never slower than MIN_STEPS_PER_SECOND. */
const PLAY_SECONDS = 5;
const MIN_STEPS_PER_SECOND = 30;
/** Runs requests in flight at once: one, like the probe (see PROBE_IN_FLIGHT in surface.ts). */
export const RUNS_IN_FLIGHT = 1;
/** Paths that still answer older starts fade after this long without a newer answer. */
export const STALE_FADE_MS = 300;
/** Opacity of paths that do not answer the inputs shown (provisional). */
const PROVISIONAL_OPACITY = 0.4;

/** The colour of optimizer `name` in the `optimizer_colors` trait. */
export function optimizerColor(colors: Readonly<Record<string, string>> | undefined, name: string): string {
  const color = colors?.[name];
  return typeof color === "string" && color !== "" ? color : FALLBACK_COLOR;
}

/**
 * Layout, sized for a laptop screen (JupyterLab in a 1280x800 window gives a notebook output about 1100 px
 * wide and 650 px tall): where the widget is wide enough, the legend, the controls and the loss chart stand
 * beside the plot in one column, and the whole widget is about as tall as the plot; else they go below it,
 * and the plot is kept smaller.
 */
export const DESCENT_LAYOUT = {
  /** Between the figure and the column beside it. */
  gap: 20,
  /** The column beside the plot: at least this wide to go there, and never wider. */
  columnMin: 320,
  columnMax: 560,
  /** The plot's side when the column is beside it (smaller: the column goes below). */
  besidePlotMin: 340,
  besidePlotMax: 460,
  /** The plot's side at most when the column is below it. */
  belowPlotMax: 420,
  /** The loss chart's height beside the plot: the figure's height less this (legend and controls), within. */
  chartBesideRoom: 210,
  chartBesideMin: 150,
  chartBesideMax: 280,
  chartBelow: 140,
};

export interface DescentLayout {
  beside: boolean;
  /** The side of the square plot area. */
  plot: number;
}

/** Where the column goes and how large the plot is, for a widget `available` px wide (`chrome`: axes, colorbar). */
export function descentLayout(available: number, chrome: number): DescentLayout {
  const L = DESCENT_LAYOUT;
  const besidePlot = available - chrome - L.gap - L.columnMin;
  if (besidePlot >= L.besidePlotMin) return { beside: true, plot: Math.min(L.besidePlotMax, besidePlot) };
  return { beside: false, plot: Math.min(L.belowPlotMax, available - chrome) };
}

/** The column's width and the loss chart's height, once the figure is `figure` px wide and tall. */
export function columnSize(layout: DescentLayout, available: number, figure: { width: number; height: number }): { width: number; chart: number } {
  const L = DESCENT_LAYOUT;
  if (!layout.beside) return { width: figure.width, chart: L.chartBelow };
  const width = Math.max(L.columnMin, Math.min(L.columnMax, available - figure.width - L.gap));
  const chart = Math.max(L.chartBesideMin, Math.min(L.chartBesideMax, figure.height - L.chartBesideRoom));
  return { width, chart };
}

export function startLabel(index: number): string {
  return index === 0 ? "start point" : `start point ${index + 1}`;
}

/** Steps per second while playing: a run takes about PLAY_SECONDS, at least MIN_STEPS_PER_SECOND. */
export function playRate(steps: number): number {
  return Math.max(MIN_STEPS_PER_SECOND, steps / PLAY_SECONDS);
}

/** Decoded runs: arrays indexed [start][optimizer][step]. */
export interface Runs {
  seq: number;
  starts: Pair[];
  rates: Record<string, number>;
  steps: number;
  names: string[];
  /** [optimizer][start] -> step of divergence or null. */
  diverged: (number | null)[][];
  positions: Float32Array;
  losses: Float32Array;
  updates: Float32Array;
  velocities: Float32Array;
}

export function decodeRuns(reply: RunsReply, buffers: readonly BinaryLike[]): Runs {
  const get = (name: "positions" | "losses" | "updates" | "velocities"): Float32Array =>
    asFloat32(decodeMessageArray(reply[name], buffers)).data;
  const runs: Runs = {
    seq: reply.seq,
    starts: reply.starts.map(([x, y]) => [x, y] as Pair),
    rates: { ...reply.learning_rates },
    steps: reply.steps,
    names: [...reply.names],
    diverged: reply.diverged.map((row) => [...row]),
    positions: get("positions"),
    losses: get("losses"),
    updates: get("updates"),
    velocities: get("velocities"),
  };
  const need = runs.starts.length * runs.names.length * (runs.steps + 1);
  if (runs.positions.length < 2 * need || runs.losses.length < need) {
    throw new RangeError(`runs arrays too short for ${runs.starts.length} starts, ${runs.names.length} optimizers, ${runs.steps} steps`);
  }
  return runs;
}

/** Position of optimizer `o` from start `s` at step `t`. */
export function positionAt(runs: Runs, s: number, o: number, t: number): Pair {
  const k = ((s * runs.names.length + o) * (runs.steps + 1) + t) * 2;
  return [runs.positions[k]!, runs.positions[k + 1]!];
}

function vectorAt(array: Float32Array, runs: Runs, s: number, o: number, t: number): Pair {
  const k = ((s * runs.names.length + o) * runs.steps + t) * 2;
  return [array[k]!, array[k + 1]!];
}

/** The losses of optimizer `o` from start `s` (a view, no copy). */
export function lossesOf(runs: Runs, s: number, o: number): Float32Array {
  const n = runs.steps + 1;
  const offset = (s * runs.names.length + o) * n;
  return runs.losses.subarray(offset, offset + n);
}

export function divergedAt(runs: Runs, s: number, o: number): number | null {
  return runs.diverged[o]?.[s] ?? null;
}

/** Legend text for one optimizer: its divergence labels over all starts ("" when none diverged). */
export function divergenceText(runs: Runs, o: number): string {
  const parts: string[] = [];
  runs.starts.forEach((_, s) => {
    const k = divergedAt(runs, s, o);
    if (k === null) return;
    parts.push(runs.starts.length === 1 || s === 0 ? `diverged at step ${k}` : `start ${s + 1}: diverged at step ${k}`);
  });
  return parts.join("; ");
}

/** A trajectory as drawn, in pixels: the line (thinned), the step dots, and where a divergence cut it. */
export interface PathShape {
  optimizer: string;
  start: number;
  color: string;
  /** Positions drawn: steps 0..steps-1 (fewer than steps + 1 where a divergence cut the path). */
  steps: number;
  line: number[];
  dots: number[];
  cut: number | null;
  /** Where the "✕" of a cut path goes: its last finite point (or its start). */
  end: Pair | null;
}

export function tracePaths(runs: Runs, toPixel: (x: number, y: number) => Pair, colorOf: (name: string) => string): PathShape[] {
  const stride = Math.max(1, Math.ceil(runs.steps / MAX_MARKERS));
  return runs.starts.flatMap(([sx, sy], s) =>
    runs.names.map((optimizer, o) => {
      const cut = divergedAt(runs, s, o);
      const last = cut === null ? runs.steps : cut - 1;
      const points: number[] = [];
      const dots: number[] = [];
      for (let t = 0; t <= last; t++) {
        const [x, y] = positionAt(runs, s, o, t);
        if (!Number.isFinite(x) || !Number.isFinite(y)) break;
        const [px, py] = toPixel(x, y);
        points.push(px, py);
        if (t > 0 && t % stride === 0) dots.push(px, py);
      }
      const n = points.length;
      const end: Pair | null = n > 0 ? [points[n - 2]!, points[n - 1]!] : cut !== null ? toPixel(sx, sy) : null;
      return { optimizer, start: s, color: colorOf(optimizer), steps: n / 2, line: thinPolyline(points), dots, cut, end };
    }),
  );
}

/** The arrows and markers at one step of every path, in pixels, all scaled alike (`scale`). */
export interface StepShape {
  arrows: { kind: "update" | "velocity"; color: string; from: Pair; d: Pair }[];
  markers: { color: string; at: Pair }[];
  scale: number;
}

/**
 * Update (solid) and velocity (dashed) arrows at step `t`. Velocities are the optimizer's running gradient
 * (momentum trace, Adam's first moment), in other units than the step: drawn as the direction -velocity, as
 * long as the step itself. Arrows shorter than MIN_ARROW_PX are all scaled up by the same (nice) factor.
 */
export function traceStep(runs: Runs, step: number, toPixel: (x: number, y: number) => Pair, perUnit: Pair, colorOf: (name: string) => string): StepShape {
  const t = Math.min(step, runs.steps);
  const toPx = (d: Pair): Pair => [d[0] * perUnit[0], -d[1] * perUnit[1]];
  const arrows: StepShape["arrows"] = [];
  const markers: StepShape["markers"] = [];
  let longest = 0;
  runs.starts.forEach((_, s) => {
    runs.names.forEach((name, o) => {
      const cut = divergedAt(runs, s, o);
      if (cut !== null && t >= cut) return;
      const [x, y] = positionAt(runs, s, o, t);
      if (!Number.isFinite(x) || !Number.isFinite(y)) return;
      const color = colorOf(name);
      const at = toPixel(x, y);
      markers.push({ color, at });
      if (t >= runs.steps) return;
      const u = toPx(vectorAt(runs.updates, runs, s, o, t));
      const uLength = Math.hypot(...u);
      if (!Number.isFinite(uLength) || uLength === 0) return;
      const [vx, vy] = toPx(vectorAt(runs.velocities, runs, s, o, t));
      const vLength = Math.hypot(vx, vy);
      if (Number.isFinite(vLength) && vLength > 0) arrows.push({ kind: "velocity", color, from: at, d: [(-vx / vLength) * uLength, (-vy / vLength) * uLength] });
      arrows.push({ kind: "update", color, from: at, d: u });
      longest = Math.max(longest, uLength);
    });
  });
  const scale = longest > 0 && longest < MIN_ARROW_PX ? niceFactor(Math.min(MIN_ARROW_PX / longest, 1e4)) : 1;
  return { arrows, markers, scale };
}

/**
 * The smallest of 1, 2, 5, 10, 20, 50, ... that is at least `factor`: arrows scaled ×5 read better than
 * ×4.73, and the label ("arrows ×5") stays put while a drag changes the steps a little.
 */
export function niceFactor(factor: number): number {
  if (!(factor > 1)) return 1;
  const power = 10 ** Math.floor(Math.log10(factor));
  return [1, 2, 5, 10].map((m) => m * power).find((f) => f >= factor * (1 - 1e-12))!;
}

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

class DescentView {
  private readonly model: Model;
  private readonly plot: SurfacePlot<DescentModel>;
  private readonly ink: Ink;
  private readonly legend: HTMLDivElement;
  private readonly controls: HTMLDivElement;
  private readonly rateSlider: HTMLInputElement;
  private readonly rateValue: HTMLSpanElement;
  private readonly stepsSlider: HTMLInputElement;
  private readonly stepsValue: HTMLSpanElement;
  private readonly playButton: HTMLButtonElement;
  private readonly stepSlider: HTMLInputElement;
  private readonly stepValue: HTMLSpanElement;
  private readonly chart: LossChart;
  /** The figure and, beside it or below it, the column of legend, controls and loss chart. */
  private readonly body: HTMLDivElement;
  private readonly column: HTMLDivElement;
  private layout: DescentLayout = { beside: false, plot: 0 };
  private chartHeight = DESCENT_LAYOUT.chartBelow;
  private readonly runsRequester: Requester<RunsRequest>;
  private handles: Handle[] = [];

  /** What the page shows as inputs (the handles hold the starts). */
  private rates: Record<string, number>;
  private steps: number;
  private step: number;
  /** Inputs the user changed and Python has not confirmed yet: sent in full with every request. */
  private desired: RunsRequest = {};
  /** Runs drawn (each exact for the inputs it carries; `provisional` says whether those are the page's). */
  private runs: Runs | null = null;
  /** The paths of `runs` in pixels (traced again when the runs or the scales change). */
  private shapes: PathShape[] = [];
  /** What the legend was built for: rebuilt only when it changes. */
  private legendKey = "";
  /** Someone else's runs that came during a drag here: drawn faded at the next frame. */
  private pending: Runs | null = null;
  private provisional = false;
  private fadeTimer: ReturnType<typeof setTimeout> | null = null;
  private playing = false;
  private playFrame: number | null = null;
  private playClock: { time: number; step: number } | null = null;
  private arrowScale = 1;

  constructor(model: Model, el: HTMLElement) {
    this.model = model;
    this.rates = { ...(model.get("learning_rates") ?? {}) };
    this.steps = model.get("steps") ?? 1;
    this.step = Math.min(model.get("step") ?? 0, this.steps);
    this.plot = new SurfacePlot<DescentModel>({
      model,
      el,
      kind: "descent",
      label: "descent paths",
      onClick: (x, y, event) => this.backgroundClick(x, y, event),
      onScales: () => this.relayoutHandles(),
      plotSide: (available, chrome) => (this.layout = descentLayout(available, chrome)).plot,
      onLayout: (width, available) => this.layoutColumn(width, available),
      paintOverlay: () => this.paintOverlay(),
      onMessage: (content, buffers) => this.message(content, buffers),
      onDisconnect: () => this.disconnected(),
    });
    const plot = this.plot;
    this.ink = plot.addInk("descent-paths");
    // Alt-click (or Delete on a focused handle) removes a start; capture runs before the handle's own drag.
    plot.listen(plot.handles, "pointerdown", (event) => this.maybeRemove(event as PointerEvent), { capture: true });

    this.legend = htmlElement("div", { class: "descent-legend", "aria-label": "optimizers" });
    this.controls = htmlElement("div", { class: "descent-controls" });
    [this.rateSlider, this.rateValue] = this.slider("learning rate", { min: LOG_RATE_RANGE[0], max: LOG_RATE_RANGE[1], step: 0.01 });
    [this.stepsSlider, this.stepsValue] = this.slider("steps", { min: 1, max: Math.max(1, model.get("max_steps") ?? 500), step: 1 });
    const stepRow = htmlElement("div", { class: "control step-control" });
    this.playButton = htmlElement("button", { type: "button", class: "play", "aria-label": "play" });
    stepRow.append(this.playButton);
    this.controls.append(stepRow);
    [this.stepSlider, this.stepValue] = this.slider("step", { min: 0, max: this.steps, step: 1 }, stepRow);
    this.chart = new LossChart();
    this.column = htmlElement("div", { class: "descent-column" });
    this.column.append(this.legend, this.controls, this.chart.element, plot.status);
    this.body = htmlElement("div", { class: "descent-body" });
    plot.figure.replaceWith(this.body);
    this.body.append(plot.figure, this.column);

    this.runsRequester = new Requester<RunsRequest>({
      type: "runs",
      send: (m) => plot.connection.send(m),
      onIdle: () => (this.desired = {}),
      maxInFlight: RUNS_IN_FLIGHT,
      client: plot.clientId,
    });

    plot.listen(this.rateSlider, "input", () => this.rateInput());
    plot.listen(this.stepsSlider, "input", () => this.stepsInput());
    plot.listen(this.stepSlider, "input", () => this.stepInput());
    plot.listen(this.stepSlider, "change", () => this.syncStep());
    plot.listen(this.playButton, "click", () => (this.playing ? this.pause() : this.play()));
    plot.onModel("step", () => this.modelStepChanged());
    plot.onModel("max_steps", () => (this.stepsSlider.max = String(Math.max(1, this.model.get("max_steps")))));
    plot.addCleanup(() => this.stopAnimation());
    plot.addCleanup(() => this.clearFadeTimer());

    this.setStarts(model.get("starts") ?? []);
    this.syncControls();
    plot.start();
    // Python's first runs were sent before this view existed: ask for the current ones.
    this.runsRequester.request({});
  }

  destroy(): void {
    this.stopAnimation();
    this.runsRequester.dispose();
    for (const handle of this.handles) handle.destroy();
    this.plot.destroy();
  }

  /** The kernel is gone: nothing more to send, no animation or fade; the last picture stays. */
  private disconnected(): void {
    this.pause(false);
    this.runsRequester.dispose();
    this.clearFadeTimer();
  }

  // ---- controls ----------------------------------------------------------------------------------------

  private slider(label: string, range: { min: number; max: number; step: number }, row?: HTMLElement): [HTMLInputElement, HTMLSpanElement] {
    const container = row ?? htmlElement("div", { class: "control" });
    const name = htmlElement("label", { class: "control-name" }, label);
    const input = htmlElement("input", { type: "range", min: range.min, max: range.max, step: range.step, "aria-label": label });
    const value = htmlElement("span", { class: "control-value" });
    name.append(input);
    container.append(name, value);
    if (!row) this.controls.append(container);
    return [input, value];
  }

  private syncControls(): void {
    const { rate, mixed } = sliderRate(this.rates);
    this.rateSlider.value = String(Math.log10(rate));
    this.rateValue.textContent = mixed
      ? Object.entries(this.rates).map(([name, r]) => `${name} ${formatNumber(r, 3)}`).join(", ")
      : formatNumber(rate, 3);
    this.stepsSlider.value = String(this.steps);
    this.stepsValue.textContent = String(this.steps);
    this.stepSlider.max = String(this.steps);
    this.syncStepControl();
  }

  /** Step slider, its text and the play button; the DOM is touched only where something changed. */
  private syncStepControl(): void {
    setIfChanged(this.stepSlider, "value", String(this.step));
    const scale = this.arrowScale > 1 ? `  (arrows ×${this.arrowScale})` : "";
    setIfChanged(this.stepValue, "textContent", `${this.step} / ${this.steps}${scale}`);
    const label = this.playing ? "pause" : "play";
    if (this.playButton.getAttribute("aria-label") !== label || this.playButton.childElementCount === 0) {
      this.playButton.replaceChildren(playIcon(this.playing));
      this.playButton.setAttribute("aria-label", label);
    }
  }

  private rateInput(): void {
    const rate = rateFromSlider(Number(this.rateSlider.value));
    for (const name of Object.keys(this.rates)) this.rates[name] = rate;
    this.syncControls();
    this.changed({ learning_rates: { ...this.rates } });
  }

  private stepsInput(): void {
    this.steps = Math.max(1, Math.round(Number(this.stepsSlider.value)));
    this.step = Math.min(this.step, this.steps);
    this.syncControls();
    this.changed({ steps: this.steps });
  }

  private stepInput(): void {
    this.pause(false);
    this.step = Math.round(Number(this.stepSlider.value));
    this.stepMoved();
  }

  private stepMoved(): void {
    this.paintInk();
    this.chart.placeMarker(this.step);
    this.syncStepControl();
    this.plot.root.dataset.step = String(this.step);
  }

  /** `step` goes to Python when the user lets go of the slider or the animation stops, not per frame. */
  private syncStep(): void {
    if (this.model.get("step") === this.step) return;
    this.model.set("step", this.step);
    this.model.save_changes();
  }

  private modelStepChanged(): void {
    if (this.playing) return;
    const step = Math.min(Math.max(0, Math.round(this.model.get("step") ?? 0)), this.steps);
    if (step === this.step) return;
    this.step = step;
    this.stepMoved();
  }

  private play(): void {
    if (this.step >= this.steps) this.step = 0;
    this.playing = true;
    this.playClock = null;
    this.syncStepControl();
    if (typeof requestAnimationFrame === "undefined") return;
    this.playFrame = requestAnimationFrame((time) => this.tick(time));
  }

  private tick(time: number): void {
    this.playFrame = null;
    if (!this.playing) return;
    if (this.playClock === null) this.playClock = { time, step: this.step };
    const elapsed = (time - this.playClock.time) / 1000;
    const step = Math.min(this.steps, Math.floor(this.playClock.step + elapsed * playRate(this.steps)));
    if (step !== this.step) {
      this.step = step;
      this.stepMoved();
    }
    if (this.step >= this.steps) {
      this.pause();
      return;
    }
    this.playFrame = requestAnimationFrame((t) => this.tick(t));
  }

  private pause(sync = true): void {
    if (!this.playing) return;
    this.playing = false;
    this.stopAnimation();
    this.syncStepControl();
    if (sync) this.syncStep();
  }

  private stopAnimation(): void {
    if (this.playFrame !== null) cancelAnimationFrame(this.playFrame);
    this.playFrame = null;
    this.playClock = null;
  }

  // ---- starts ------------------------------------------------------------------------------------------

  private startPositions(): Pair[] {
    return this.handles.map((h) => h.position());
  }

  /** Make one handle per start (creating or removing handles as needed) and place them. */
  private setStarts(starts: readonly Pair[]): void {
    while (this.handles.length > starts.length) this.handles.pop()!.destroy();
    while (this.handles.length < starts.length) this.handles.push(this.makeHandle(this.handles.length));
    starts.forEach(([x, y], k) => this.handles[k]!.setPosition(x, y));
  }

  private makeHandle(index: number): Handle {
    const plot = this.plot;
    const handle = createHandle({
      label: startLabel(index),
      eventToPixel: (event) => plot.localPoint(event),
      toData: (px, py) => plot.toData(px, py),
      toPixel: (x, y) => plot.toPixel(x, y),
      keyStep: () => plot.keyStep(),
      clamp: (x, y) => plot.clampToView(x, y),
      inPlot: (px, py) => plot.showsHandleAt(px, py),
      onMove: () => this.startsMoved(),
      onDragEnd: () => this.dragEnded(),
    });
    handle.element.classList.add("start");
    if (index > 0) {
      const number = svgElement("text", { class: "start-number", x: KNOB_RADIUS + 3, y: -KNOB_RADIUS - 1 });
      number.textContent = String(index + 1);
      handle.element.append(number);
    }
    handle.element.addEventListener("keydown", (event) => {
      if ((event.key === "Delete" || event.key === "Backspace") && this.handles.length > 1) {
        event.preventDefault();
        this.removeStart(this.handles.indexOf(handle));
      }
    });
    plot.handles.append(handle.layer);
    return handle;
  }

  private relabel(): void {
    this.handles.forEach((handle, k) => {
      handle.element.setAttribute("aria-label", startLabel(k));
      const number = handle.element.querySelector(".start-number");
      if (number) number.textContent = String(k + 1);
    });
  }

  private relayoutHandles(): void {
    for (const handle of this.handles) handle.relayout();
  }

  private backgroundClick(x: number, y: number, event: MouseEvent): void {
    const [cx, cy] = this.plot.clampToView(x, y);
    if (event.shiftKey) {
      if (this.handles.length >= MAX_STARTS) return;
      const handle = this.makeHandle(this.handles.length);
      this.handles.push(handle);
      handle.setPosition(cx, cy);
    } else {
      this.handles[0]?.setPosition(cx, cy);
    }
    this.startsMoved();
  }

  private maybeRemove(event: PointerEvent): void {
    if (!event.altKey || this.handles.length <= 1) return;
    const index = this.handles.findIndex((h) => h.element.contains(event.target as Node));
    if (index < 0) return;
    event.stopPropagation();
    event.preventDefault();
    this.removeStart(index);
  }

  private removeStart(index: number): void {
    if (index < 0 || this.handles.length <= 1) return;
    this.handles.splice(index, 1)[0]!.destroy();
    // Handles hold their label from creation: rebuild the numbers in order.
    const positions = this.startPositions();
    for (const handle of this.handles.splice(0)) handle.destroy();
    this.setStarts(positions);
    this.relabel();
    this.startsMoved();
  }

  /** A start moved (pointer, keyboard, click): provisional picture now, request through flow control. */
  private startsMoved(): void {
    this.changed({ starts: this.startPositions() });
  }

  private changed(change: RunsRequest): void {
    Object.assign(this.desired, change);
    const request: RunsRequest = {};
    if (this.desired.starts) request.starts = this.desired.starts.map(([x, y]) => [x, y] as Pair);
    if (this.desired.learning_rates) request.learning_rates = { ...this.desired.learning_rates };
    if (this.desired.steps !== undefined) request.steps = this.desired.steps;
    this.runsRequester.request(request);
    this.showProvisional();
  }

  // ---- messages ----------------------------------------------------------------------------------------

  private message(content: unknown, buffers: readonly BinaryLike[]): void {
    const message = parseServerMessage(content);
    if (message === null) return;
    if (message.type === "runs") this.runsMessage(message, buffers);
    else if (message.type === "error" && message.request === "runs") this.runsRequester.acceptOwn(message);
  }

  private runsMessage(reply: RunsReply, buffers: readonly BinaryLike[]): void {
    const asked = this.runsRequester.sentPayload(reply.seq);
    // Python echoes our client id; without one (older Python) the seq and the inputs must agree.
    const ours = replyIsFor(reply, this.runsRequester.clientId) ?? (asked !== undefined && this.agrees(asked, reply));
    if (ours && !this.runsRequester.accept(reply.seq)) return; // older than runs already shown
    let runs: Runs;
    try {
      runs = decodeRuns(reply, buffers);
    } catch (error) {
      console.error("jaxwidgets: bad runs message", error);
      return;
    }
    if (this.matchesPage(runs) || (ours && (this.runsRequester.busy || this.dragging()))) {
      // Exact for the inputs it carries: drawn now, solid, so this frame shows it.
      this.showRuns(runs);
      return;
    }
    if (!ours && (this.runsRequester.busy || this.dragging())) {
      // Someone else's result while the user is moving things here: newer than what is drawn, not ours.
      this.pending = runs;
      this.plot.invalidate("overlay");
      return;
    }
    // Python changed the inputs (user code, or another view of this model, or it answered our empty
    // request with its current inputs): follow it.
    this.desired = {};
    this.setStarts(runs.starts);
    this.relabel();
    this.rates = { ...runs.rates };
    this.steps = runs.steps;
    this.step = Math.min(this.step, this.steps);
    this.syncControls();
    this.showRuns(runs);
  }

  private dragging(): boolean {
    return this.handles.some((h) => h.dragging());
  }

  /** Does a reply answer what a request asked (the fields it set)? */
  private agrees(asked: RunsRequest, reply: RunsReply): boolean {
    if (asked.starts && !this.sameStarts(asked.starts, reply.starts)) return false;
    if (asked.learning_rates && !sameRates(asked.learning_rates, reply.learning_rates)) return false;
    return asked.steps === undefined || asked.steps === reply.steps;
  }

  private sameStarts(a: readonly Pair[], b: readonly Pair[]): boolean {
    return a.length === b.length && a.every(([x, y], k) => this.plot.samePosition(x, y, b[k]![0], b[k]![1]));
  }

  /** Runs computed for the page's learning rates, step count and number of starts (the starts may lag). */
  private sameSettings(runs: Runs): boolean {
    return runs.starts.length === this.handles.length && sameRates(this.rates, runs.rates) && runs.steps === this.steps;
  }

  /** Are these runs for exactly the inputs the page shows now? */
  private matchesPage(runs: Runs): boolean {
    return this.sameStarts(this.startPositions(), runs.starts) && sameRates(this.rates, runs.rates) && runs.steps === this.steps;
  }

  // ---- drawing -----------------------------------------------------------------------------------------

  /**
   * In the pointer event's handler: the handle has moved and the request is on its way. Paths for other
   * settings (rate, steps) fade at once; paths that only lag behind a moving start stay solid, and fade if no
   * newer answer comes within STALE_FADE_MS.
   */
  private showProvisional(): void {
    if (!this.runs || !this.sameSettings(this.runs)) this.setProvisional(true);
    else this.armFade();
    const [x, y] = this.handles[0]?.position() ?? [Number.NaN, Number.NaN];
    this.dispatchFrame({ kind: "provisional", x, y, seq: this.runsRequester.lastSentSeq, time: performance.now() });
  }

  /** Fade (or show solid) the paths; repainted at once when that changes. */
  private setProvisional(on: boolean): void {
    if (on === this.provisional) return;
    this.provisional = on;
    this.paintInk();
  }

  private armFade(): void {
    this.clearFadeTimer();
    this.fadeTimer = setTimeout(() => {
      this.fadeTimer = null;
      if (this.runs && !this.matchesPage(this.runs)) this.setProvisional(true);
    }, STALE_FADE_MS);
  }

  private clearFadeTimer(): void {
    if (this.fadeTimer !== null) clearTimeout(this.fadeTimer);
    this.fadeTimer = null;
  }

  /** Draw runs now (a reply's paths, exact for its own inputs), and announce the exact picture. */
  private showRuns(runs: Runs): void {
    this.pending = null;
    this.runs = runs;
    const fresh = this.matchesPage(runs) || this.sameSettings(runs);
    if (this.matchesPage(runs)) this.clearFadeTimer();
    this.provisional = !fresh;
    this.drawRunsParts();
    this.announceExact(runs);
  }

  private drawRunsParts(): void {
    this.shapes = this.runs ? tracePaths(this.runs, (x, y) => this.plot.toPixel(x, y), (name) => this.colorOf(name)) : [];
    this.paintInk();
    this.drawLegend();
    this.drawChart();
    this.syncStepControl();
  }

  private dispatchFrame(detail: FrameDetail): void {
    this.plot.root.dispatchEvent(new CustomEvent(FRAME_EVENT, { detail, bubbles: true }));
  }

  /** On an animation frame: re-place everything after a view change, or draw runs that are not ours. */
  private paintOverlay(): void {
    this.relayoutHandles();
    const pending = this.pending;
    this.pending = null;
    if (pending) {
      this.runs = pending;
      this.provisional = true;
    }
    this.drawRunsParts();
  }

  private announceExact(runs: Runs): void {
    const [x, y] = runs.starts[0] ?? [Number.NaN, Number.NaN];
    const data = this.plot.root.dataset;
    data.exactX = String(x);
    data.exactY = String(y);
    data.exactSeq = String(runs.seq);
    setAttributeIfChanged(this.plot.root, "data-diverged", JSON.stringify(runs.diverged));
    this.dispatchFrame({ kind: "exact", x, y, seq: runs.seq, time: performance.now() });
  }

  /**
   * Paths, the current step's arrows and markers, and the "✕" of cut paths, on the ink canvas; faded and
   * dashed while provisional. The canvas's `data-scene` says what was drawn (for tests and tools).
   */
  private paintInk(): void {
    const runs = this.runs;
    const step = runs ? traceStep(runs, this.step, (x, y) => this.plot.toPixel(x, y), [this.plot.pixelsPerUnit("x"), this.plot.pixelsPerUnit("y")], (name) => this.colorOf(name)) : null;
    this.arrowScale = step?.scale ?? 1;
    // Provisional: the whole layer fades (as one, by the compositor) and the paths are dashed.
    const opacity = this.provisional ? String(PROVISIONAL_OPACITY) : "";
    if (this.ink.canvas.style.opacity !== opacity) this.ink.canvas.style.opacity = opacity;
    const ctx = this.ink.begin(this.plot.rect);
    if (ctx) {
      for (const shape of this.shapes) {
        strokePolyline(ctx, shape.line, { color: shape.color, width: 2, halo: 2, dash: this.provisional ? [5, 3] : undefined });
        fillDots(ctx, shape.dots, 2.25, shape.color);
        if (shape.cut !== null && shape.end) drawMark(ctx, shape.end, "✕", shape.color);
      }
      for (const arrow of step?.arrows ?? []) {
        drawArrow(ctx, arrow.from, [arrow.d[0] * step!.scale, arrow.d[1] * step!.scale], arrow.color, arrow.kind === "velocity");
      }
      for (const marker of step?.markers ?? []) drawMarker(ctx, marker.at, 4, marker.color);
    }
    this.ink.canvas.dataset.scene = JSON.stringify({
      provisional: this.provisional,
      paths: this.shapes.map(({ optimizer, start, steps, cut, end }) => ({ optimizer, start, steps, cut, end: end?.map((v) => Math.round(v * 10) / 10) ?? null })),
      updates: step?.arrows.filter((a) => a.kind === "update").length ?? 0,
      velocities: step?.arrows.filter((a) => a.kind === "velocity").length ?? 0,
    });
  }

  private colorOf(name: string): string {
    return optimizerColor(this.model.get("optimizer_colors"), name);
  }

  private drawLegend(): void {
    const runs = this.runs;
    const key = runs ? runs.names.map((name, o) => `${name}:${runs.rates[name]}:${divergenceText(runs, o)}`).join("|") : "";
    if (key === this.legendKey && this.legend.childElementCount > 0) return;
    this.legendKey = key;
    this.legend.replaceChildren();
    if (!runs) return;
    runs.names.forEach((name, o) => {
      const entry = htmlElement("span", { class: "legend-entry" });
      entry.dataset.optimizer = name;
      const swatch = htmlElement("span", { class: "swatch" });
      swatch.style.background = this.colorOf(name);
      const label = htmlElement("span", { class: "legend-name" }, name);
      entry.append(swatch, label);
      const rate = runs.rates[name];
      if (rate !== undefined) entry.append(htmlElement("span", { class: "legend-rate" }, `lr ${formatNumber(rate, 3)}`));
      const diverged = divergenceText(runs, o);
      if (diverged) entry.append(htmlElement("span", { class: "legend-diverged" }, `✕ ${diverged}`));
      this.legend.append(entry);
    });
    const help = htmlElement("span", { class: "legend-help" }, "drag a start · shift-click adds one · alt-click removes");
    this.legend.append(help);
  }

  private drawChart(): void {
    const runs = this.runs;
    const width = Math.max(200, this.columnWidth);
    if (!runs || runs.starts.length === 0) {
      this.chart.draw(width, this.steps, [], this.step, false, this.chartHeight);
      return;
    }
    const series = runs.names.map((name, o) => ({ name, color: this.colorOf(name), values: lossesOf(runs, 0, o), cut: divergedAt(runs, 0, o) }));
    this.chart.draw(width, runs.steps, series, this.step, this.holdingChart(), this.chartHeight);
  }

  /** While a start is dragged (or its answer is on the way) the chart's y range only grows: steady axes. */
  private holdingChart(): boolean {
    return this.dragging() || this.runsRequester.busy;
  }

  /** A drag ended: the chart may fit its y range to the lines again (once the last answer is drawn). */
  private dragEnded(): void {
    if (!this.holdingChart()) this.drawChart();
  }

  private columnWidth = 0;

  /** The figure is laid out (`width` px wide): size the column beside or below it, and the chart in it. */
  private layoutColumn(width: number, available: number): void {
    const { width: column, chart } = columnSize(this.layout, available, { width, height: this.plot.figureHeight });
    this.columnWidth = column;
    this.chartHeight = chart;
    this.body.classList.toggle("beside", this.layout.beside);
    this.plot.root.dataset.layout = this.layout.beside ? "beside" : "below";
    this.column.style.width = `${column}px`;
    this.drawChart();
  }
}

/** ▶ / ⏸ as SVG: the glyphs are missing from many fonts (headless browsers show a box). */
function playIcon(playing: boolean): SVGSVGElement {
  const icon = svgElement("svg", { width: 12, height: 12, viewBox: "0 0 12 12", "aria-hidden": "true" });
  if (playing) icon.append(svgElement("rect", { x: 2, y: 1.5, width: 3, height: 9 }), svgElement("rect", { x: 7, y: 1.5, width: 3, height: 9 }));
  else icon.append(svgElement("path", { d: "M2.5,1.5L10.5,6L2.5,10.5Z" }));
  return icon;
}

function sameRates(a: Record<string, number>, b: Record<string, number>): boolean {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((k) => {
    const x = a[k]!;
    const y = b[k];
    return y !== undefined && Math.abs(x - y) <= 1e-6 * Math.max(Math.abs(x), Math.abs(y));
  });
}

/** Set a property only when it differs: an unchanged text or value then costs the page no style work. */
function setIfChanged<E extends HTMLElement, K extends "value" | "textContent">(element: E, key: K & keyof E, value: string): void {
  if (element[key] !== value) (element as Record<K, unknown>)[key] = value;
}

function render({ model, el }: RenderProps<DescentModel>): () => void {
  const view = new DescentView(model, el);
  return () => view.destroy();
}

export default { render };
