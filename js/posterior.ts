/**
 * Posterior front end (twin of src/jaxwidgets/posterior.py, protocol in /tmp/posterior_protocol.md): NUTS
 * draws streaming in per chain, drawn live: a pair plot over the exact log density when there is one,
 * marginal histograms, trace plots, the arviz summary table, a posterior predictive panel, per-chain
 * progress and sliders that restart the chains (the drag path: one control request in flight, newest wins).
 *
 * Draws live in growing Float32Array buffers per chain (lib/draws.ts): a message appends only its new rows,
 * and the canvases are redrawn at most once per animation frame, however many messages came in between.
 */
import { asFloat32, type BinaryLike, decodeArray, decodeMessageArray, type DecodedArray } from "./lib/arrays";
import { drawAxes } from "./lib/axes";
import { createBanner } from "./lib/banner";
import { makeNormalization } from "./lib/colormap";
import { Connection } from "./lib/connection";
import { type ContourLevel, contourLevels, gridToPixel, levelPath } from "./lib/contour";
import { ControlQueue } from "./lib/control_queue";
import { clear, htmlElement, observeWidth, svgElement } from "./lib/dom";
import { Ink } from "./lib/ink";
import { type DrawBlock, DrawStore, histogram, padded, predictiveStyle, union } from "./lib/draws";
import { Requester } from "./lib/flow";
import { formatNumber } from "./lib/format";
import { drawHeatmap, gridImage } from "./lib/heatmap";
import {
  type ControlSpec,
  type DrawsFrameDetail,
  type DrawsMessage,
  type WarmupMessage,
  hasData,
  hasDensity,
  parsePosteriorMessage,
  type PosteriorModel,
  type ReplayReply,
} from "./lib/posterior_protocol";
import type { AnyModel, RenderProps } from "./lib/protocol";
import { FRAME_EVENT } from "./lib/protocol";
import { type PlotRect, type PlotScales, plotScales } from "./lib/scale";
import { createSummaryTable, updateSummaryTable } from "./lib/summary";
import { injectStyle, readCanvasTheme, resolveColor, THEME } from "./lib/theme";
import { WarmupTrail } from "./lib/warmup";

type Model = AnyModel<PosteriorModel>;
type Range = [number, number];

/** Okabe-Ito colours without vermillion and yellow: red marks divergences, yellow is viridis' peak. */
export const CHAIN_COLORS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#8C8C8C"] as const;
export const DIVERGENT_COLOR = "#e8000b";
/** The density heatmap shows log density down to this far below its maximum (e^-9 ~ 1e-4 of the peak). */
export const DENSITY_SPAN = 9;
/** Contours where a Gaussian's log density is 1, 2 and 3 standard deviations below the peak. */
const CONTOUR_DROPS = [0.5, 2, 4.5];

const RUNNING = new Set(["compiling", "warmup", "sampling"]);
const STATUS_TEXT: Record<string, string> = {
  compiling: "compiling…",
  warmup: "warming up",
  sampling: "sampling",
  done: "done",
  stopped: "stopped",
  error: "error",
};

const LAYOUT = { left: 58, gap: 6, marginal: 54, bottom: 40, top: 6, right: 10, minSide: 200, maxSide: 420, traceMin: 250, besideMin: 300, traceRight: 20 };

export const STYLE = `
.jaxwidgets-posterior .post-header { display: flex; flex-wrap: wrap; gap: 4px 12px; align-items: center; margin: 0 0 4px; }
.jaxwidgets-posterior .post-status { font-weight: 600; min-width: 6.5em; }
.jaxwidgets-posterior .post-status[data-status="error"] { color: ${THEME.error}; }
.jaxwidgets-posterior button {
  font: inherit; color: ${THEME.text}; background: ${THEME.panel}; border: 1px solid ${THEME.border};
  border-radius: 3px; padding: 2px 12px; cursor: pointer;
}
.jaxwidgets-posterior button:hover:not(:disabled) { border-color: ${THEME.accent}; }
.jaxwidgets-posterior button:disabled { opacity: 0.5; cursor: default; }
.jaxwidgets-posterior .post-progress { display: grid; grid-template-columns: auto minmax(80px, 1fr) auto; gap: 2px 8px; align-items: center; margin: 0 0 6px; max-width: 560px; }
.jaxwidgets-posterior .chain-label { display: inline-flex; align-items: center; gap: 5px; white-space: nowrap; font-size: 0.92em; }
.jaxwidgets-posterior .warmup-note { color: var(--jp-ui-font-color2, #666); font-style: italic; font-size: 0.92em; }
.jaxwidgets-posterior .chain-swatch { display: inline-block; width: 10px; height: 10px; border-radius: 50%; }
.jaxwidgets-posterior .track { position: relative; height: 8px; border-radius: 4px; overflow: hidden; background: ${THEME.plotBackground}; border: 1px solid ${THEME.border}; }
.jaxwidgets-posterior .track .warm, .jaxwidgets-posterior .track .draws { position: absolute; top: 0; bottom: 0; }
.jaxwidgets-posterior .track .warm { left: 0; background: repeating-linear-gradient(-45deg, rgba(128,128,128,0.75) 0 3px, rgba(128,128,128,0.4) 3px 6px); }
.jaxwidgets-posterior .chain-count { font-family: var(--jp-code-font-family, ui-monospace, monospace); font-size: 0.88em; white-space: nowrap; color: ${THEME.textDim}; }
.jaxwidgets-posterior .chain-count .divergent { color: ${THEME.error}; font-weight: 600; }
.jaxwidgets-posterior .post-controls { display: flex; flex-wrap: wrap; gap: 4px 18px; align-items: center; margin: 0 0 6px; }
.jaxwidgets-posterior .control { display: inline-flex; align-items: center; gap: 6px; white-space: nowrap; }
.jaxwidgets-posterior .control input[type="range"] { width: 150px; margin: 0; accent-color: ${THEME.accent}; }
.jaxwidgets-posterior .control-value { font-family: var(--jp-code-font-family, ui-monospace, monospace); font-size: 0.92em; min-width: 4.5em; }
.jaxwidgets-posterior .post-pair-controls { display: flex; flex-wrap: wrap; gap: 4px 14px; align-items: center; margin: 0 0 2px; }
.jaxwidgets-posterior .post-pair-controls label { display: inline-flex; align-items: center; gap: 4px; }
.jaxwidgets-posterior select { font: inherit; color: ${THEME.text}; background: ${THEME.panel}; border: 1px solid ${THEME.border}; border-radius: 3px; }
.jaxwidgets-posterior .post-legend { display: inline-flex; flex-wrap: wrap; gap: 2px 12px; color: ${THEME.textDim}; font-size: 0.9em; }
.jaxwidgets-posterior .post-legend .divergent-mark { color: ${DIVERGENT_COLOR}; font-weight: 700; }
.jaxwidgets-posterior .post-legend .reference-mark { font-weight: 700; }
.jaxwidgets-posterior .post-plots { display: flex; flex-wrap: wrap; gap: 4px 12px; align-items: flex-start; }
.jaxwidgets-posterior .post-predictive[hidden] { display: none; }
.jaxwidgets-posterior .panel-title { font-size: 0.92em; color: ${THEME.textDim}; margin: 6px 0 0; }
.jaxwidgets-posterior .contours path { stroke: rgba(255, 255, 255, 0.7); }
.jaxwidgets-posterior .summary-table { border-collapse: collapse; margin-top: 8px; font-size: 0.92em; user-select: text; -webkit-user-select: text; }
.jaxwidgets-posterior .summary-table th, .jaxwidgets-posterior .summary-table td { padding: 2px 10px; text-align: right; border-bottom: 1px solid ${THEME.border}; white-space: nowrap; }
.jaxwidgets-posterior .summary-table th.site { text-align: left; font-weight: 600; }
.jaxwidgets-posterior .summary-table thead th { color: ${THEME.textDim}; font-weight: 600; }
.jaxwidgets-posterior .summary-table td { font-family: var(--jp-code-font-family, ui-monospace, monospace); }
.jaxwidgets-posterior .summary-table td.r_hat.bad { color: ${THEME.error}; background: ${THEME.errorBackground}; font-weight: 700; }
`;

let instanceCount = 0;

interface Curves {
  run: number;
  x: Float32Array;
  curves: Float32Array;
  k: number;
  n: number;
}

interface Density {
  values: Float32Array;
  nx: number;
  ny: number;
  /** The cells' extent: xs are cell centres, from linspace(x_range) (half a cell beyond each end). */
  x: Range;
  y: Range;
  /** The sample range Python sent (for the axis domain). */
  xRange: Range;
  yRange: Range;
  xSite: string;
  ySite: string;
  image: HTMLCanvasElement | null;
  contours: ContourLevel[];
}

interface PairGeometry {
  width: number;
  height: number;
  main: PlotRect;
  top: PlotRect;
  right: PlotRect;
}

/** Read a decoded message array as float32 (a bad record gives null and a console note, never a throw). */
function decodeMaybe(record: unknown, buffers: readonly BinaryLike[]): DecodedArray | null {
  if (typeof record !== "object" || record === null) return null;
  try {
    return decodeMessageArray(record as never, buffers);
  } catch (error) {
    console.error("jaxwidgets: bad array in posterior message", error);
    return null;
  }
}

/** A message's draws as a block for the store (null when malformed). */
export function drawBlock(run: number, offset: number, draws: DecodedArray | null, diverging: DecodedArray | null): DrawBlock | null {
  if (!draws || draws.shape.length !== 3) return null;
  const [chains = 0, count = 0, sites = 0] = draws.shape;
  return {
    run,
    offset,
    draws: asFloat32(draws).data,
    diverging: diverging && diverging.data.length >= chains * count ? diverging.data : null,
    chains,
    count,
    sites,
  };
}

class PosteriorView {
  private readonly model: Model;
  private readonly el: HTMLElement;
  private readonly doc: Document;
  readonly root: HTMLDivElement;
  private readonly client: string;
  private readonly cleanups: (() => void)[] = [];
  /** Requests go through `connection.send` (nothing is sent once the kernel connection is lost). */
  private readonly connection: Connection;

  private readonly title: HTMLDivElement;
  private readonly banner = createBanner();
  private readonly statusText: HTMLSpanElement;
  private readonly runButton: HTMLButtonElement;
  private readonly stopButton: HTMLButtonElement;
  private readonly progressBox: HTMLDivElement;
  private readonly controlsBox: HTMLDivElement;
  private readonly xSelect: HTMLSelectElement;
  private readonly ySelect: HTMLSelectElement;
  private readonly legend: HTMLDivElement;
  private readonly pairFigure: HTMLDivElement;
  private readonly pairInk: Ink;
  private readonly pairSvg: SVGSVGElement;
  private readonly pairAxes: SVGGElement;
  private readonly contourGroup: SVGGElement;
  private readonly clipRect: SVGRectElement;
  private readonly traceFigure: HTMLDivElement;
  private readonly traceInk: Ink;
  private readonly traceSvg: SVGSVGElement;
  private readonly predictiveBox: HTMLDivElement;
  private readonly predictiveInk: Ink;
  private readonly predictiveSvg: SVGSVGElement;
  private readonly table: HTMLTableElement;

  private readonly replayRequester: Requester<{ client: string }>;
  private readonly runRequester: Requester<{ client: string }>;
  private readonly stopRequester: Requester<{ client: string }>;
  private readonly controls: ControlQueue;
  private readonly sliders = new Map<string, { input: HTMLInputElement; readout: HTMLSpanElement; spec: ControlSpec }>();
  private readonly held = new Set<string>();

  readonly store = new DrawStore();
  /** Warm-up steps of the current run, shown faded until its first draws arrive. */
  private readonly warmupTrail = new WarmupTrail();
  private curves: Curves | null = null;
  private density: Density | null = null;
  private data: { x: Float32Array; y: Float32Array | null; kind: "points" | "histogram" } | null = null;

  private width = 0;
  private pair: PairGeometry = { width: 0, height: 0, main: { left: 0, top: 0, width: 0, height: 0 }, top: { left: 0, top: 0, width: 0, height: 0 }, right: { left: 0, top: 0, width: 0, height: 0 } };
  private traceSize = { width: 0, height: 0 };
  private predictiveSize = { width: 0, height: 0 };
  /** The pair plot's domain: grows with the draws, starts afresh on a new run or pair. */
  private domain: { key: string; x: Range | null; y: Range | null } = { key: "", x: null, y: null };
  private frame: number | null = null;
  private announcedVersion = -1;
  private announcedWarmup = -1;
  private drawnAxesKey = "";

  constructor(model: Model, el: HTMLElement) {
    this.model = model;
    this.el = el;
    this.doc = el.ownerDocument;
    this.client = `posterior-${++instanceCount}-${Math.random().toString(36).slice(2, 10)}`;

    this.root = htmlElement("div", { class: "jaxwidgets jaxwidgets-posterior" });
    injectStyle(this.root);
    const style = this.doc.createElement("style");
    style.textContent = STYLE;
    this.root.prepend(style);

    this.title = htmlElement("div", { class: "jaxwidgets-title" });
    const header = htmlElement("div", { class: "post-header" });
    this.statusText = htmlElement("span", { class: "post-status", role: "status", "aria-live": "polite" });
    this.runButton = htmlElement("button", { type: "button", class: "run", title: "Start a new run (fresh warm-up from where the chains are)" }, "Run");
    this.stopButton = htmlElement("button", { type: "button", class: "stop", title: "Stop sampling after the current chunk" }, "Stop");
    header.append(this.statusText, this.runButton, this.stopButton);
    this.progressBox = htmlElement("div", { class: "post-progress", role: "group", "aria-label": "progress per chain" });
    this.controlsBox = htmlElement("div", { class: "post-controls" });

    const pairControls = htmlElement("div", { class: "post-pair-controls" });
    this.xSelect = htmlElement("select", { class: "pair-x", "aria-label": "pair plot x site" });
    this.ySelect = htmlElement("select", { class: "pair-y", "aria-label": "pair plot y site" });
    const xLabel = htmlElement("label", {}, "x ");
    xLabel.append(this.xSelect);
    const yLabel = htmlElement("label", {}, "y ");
    yLabel.append(this.ySelect);
    this.legend = htmlElement("div", { class: "post-legend" });
    pairControls.append(xLabel, yLabel, this.legend);

    const plots = htmlElement("div", { class: "post-plots" });
    this.pairFigure = htmlElement("div", { class: "jaxwidgets-figure post-pair" });
    this.pairInk = new Ink(this.doc, "pair-draws");
    this.pairSvg = svgElement("svg", { role: "img", "aria-label": "pair plot of the draws" });
    const clipId = `jaxwidgets-clip-posterior-${instanceCount}`;
    const clip = svgElement("clipPath", { id: clipId });
    this.clipRect = svgElement("rect");
    clip.append(this.clipRect);
    const defs = svgElement("defs");
    defs.append(clip);
    this.contourGroup = svgElement("g", { class: "contours", "clip-path": `url(#${clipId})` });
    this.pairAxes = svgElement("g", { class: "axis" });
    this.pairSvg.append(defs, this.contourGroup, this.pairAxes);
    this.pairFigure.append(this.pairInk.canvas, this.pairSvg);

    this.traceFigure = htmlElement("div", { class: "jaxwidgets-figure post-trace" });
    this.traceInk = new Ink(this.doc, "traces");
    this.traceSvg = svgElement("svg", { role: "img", "aria-label": "trace plots" });
    this.traceFigure.append(this.traceInk.canvas, this.traceSvg);
    plots.append(this.pairFigure, this.traceFigure);

    this.predictiveBox = htmlElement("div", { class: "post-predictive" });
    const predictiveFigure = htmlElement("div", { class: "jaxwidgets-figure" });
    this.predictiveInk = new Ink(this.doc, "predictive");
    this.predictiveSvg = svgElement("svg", { role: "img", "aria-label": "posterior predictive" });
    predictiveFigure.append(this.predictiveInk.canvas, this.predictiveSvg);
    this.predictiveBox.append(htmlElement("div", { class: "panel-title" }, "posterior predictive"), predictiveFigure);
    this.predictiveBox.hidden = true;

    this.table = createSummaryTable(this.doc);
    this.root.append(this.title, this.banner.element, header, this.progressBox, this.controlsBox, pairControls, plots, this.predictiveBox, this.table);
    el.append(this.root);

    this.connection = new Connection({ model, el, root: this.root, onLost: () => this.disposeRequesters() });
    this.cleanups.push(() => this.connection.dispose());
    const send = (m: unknown): void => this.connection.send(m);
    this.replayRequester = new Requester<{ client: string }>({ type: "replay", send });
    this.runRequester = new Requester<{ client: string }>({ type: "run", send });
    this.stopRequester = new Requester<{ client: string }>({ type: "stop", send });
    this.controls = new ControlQueue({ type: "control", send });

    this.listen(this.runButton, "click", () => this.runRequester.request({ client: this.client }));
    this.listen(this.stopButton, "click", () => this.stopRequester.request({ client: this.client }));
    this.listen(this.xSelect, "change", () => this.pairChosen());
    this.listen(this.ySelect, "change", () => this.pairChosen());

    this.onModel("title", () => (this.title.textContent = this.model.get("title") ?? ""));
    this.onModel("error", () => this.banner.set(this.model.get("error")));
    this.onModel("status", () => this.statusChanged());
    this.onModel("progress", () => this.progressChanged());
    this.onModel("num_chains", () => this.progressChanged());
    this.onModel("summary", () => updateSummaryTable(this.table, this.model.get("summary")));
    this.onModel("controls", () => this.controlsChanged());
    this.onModel("sites", () => this.sitesChanged());
    this.onModel("pair", () => this.pairChanged());
    this.onModel("_density", () => this.densityChanged());
    this.onModel("_data", () => this.dataChanged());
    this.onModel("num_samples", () => this.invalidate());
    this.onModel("reference", () => this.invalidate());
    this.onModel("reference_label", () => this.invalidate());
    const onCustom = (content: unknown, buffers?: readonly BinaryLike[]): void => this.message(content, buffers ?? []);
    this.model.on("msg:custom", onCustom as (...args: never[]) => void);
    this.cleanups.push(() => this.model.off("msg:custom", onCustom as (...args: never[]) => void));
    this.observeSize();

    this.title.textContent = this.model.get("title") ?? "";
    this.banner.set(this.model.get("error"));
    this.statusChanged();
    this.progressChanged();
    this.controlsChanged();
    this.sitesChanged();
    this.densityChanged();
    this.dataChanged();
    updateSummaryTable(this.table, this.model.get("summary"));
    this.layout();
    // Last: a view rendered after a kernel restart is disconnected at once, with every control built.
    this.connection.watch();
    this.replayRequester.request({ client: this.client });
  }

  destroy(): void {
    if (this.frame !== null) cancelAnimationFrame(this.frame);
    this.frame = null;
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    this.disposeRequesters();
    this.root.remove();
  }

  private disposeRequesters(): void {
    for (const requester of [this.replayRequester, this.runRequester, this.stopRequester]) requester.dispose();
    this.controls.dispose();
  }

  // ---- wiring --------------------------------------------------------------------------------------------

  private listen(target: EventTarget, type: string, handler: (event: Event) => void): void {
    target.addEventListener(type, handler);
    this.cleanups.push(() => target.removeEventListener(type, handler));
  }

  private onModel(trait: keyof PosteriorModel & string, handler: () => void): void {
    const event = `change:${trait}`;
    this.model.on(event, handler);
    this.cleanups.push(() => this.model.off(event, handler));
  }

  private observeSize(): void {
    this.cleanups.push(observeWidth(this.el, () => this.layout()));
  }

  // ---- messages ------------------------------------------------------------------------------------------

  private message(content: unknown, buffers: readonly BinaryLike[]): void {
    const message = parsePosteriorMessage(content);
    if (message === null) return;
    switch (message.type) {
      case "reset":
        this.warmupTrail.reset(message.run);
        if (this.store.reset(message.run)) {
          if (this.curves && this.curves.run < message.run) this.curves = null;
          this.invalidate();
        }
        return;
      case "draws":
        this.draws(message, buffers);
        return;
      case "warmup":
        this.warmup(message, buffers);
        return;
      case "curves": {
        if (message.run < this.store.run) return;
        const x = decodeMaybe(message.x, buffers);
        const curves = decodeMaybe(message.curves, buffers);
        if (x && curves) this.setCurves(message.run, x, curves);
        return;
      }
      default:
        break;
    }
    // Replies: only this view's (another view of the model gets its own).
    if (typeof message.client === "string" && message.client !== "" && message.client !== this.client) return;
    if (message.type === "replay") this.replay(message, buffers);
    else if (message.type === "run") this.runRequester.accept(message.seq);
    else if (message.type === "stop") this.stopRequester.accept(message.seq);
    else if (message.type === "control") this.controlAcked(message.seq);
    else if (message.type === "error") {
      if (message.request === "replay") this.replayRequester.accept(message.seq);
      else if (message.request === "run") this.runRequester.accept(message.seq);
      else if (message.request === "stop") this.stopRequester.accept(message.seq);
      else if (message.request === "control") this.controlAcked(message.seq);
    }
  }

  private draws(message: DrawsMessage, buffers: readonly BinaryLike[]): void {
    if (message.run < this.store.run) return; // an older run: dropped without decoding
    const block = drawBlock(message.run, message.offset, decodeMaybe(message.draws, buffers), decodeMaybe(message.diverging, buffers));
    if (block && this.store.append(block)) this.invalidate();
  }

  private warmup(message: WarmupMessage, buffers: readonly BinaryLike[]): void {
    if (message.run < this.store.run) return;
    const steps = decodeMaybe(message.draws, buffers);
    if (steps && this.warmupTrail.append(message.run, message.iteration, asFloat32(steps).data, steps.shape)) this.invalidate();
  }

  /** Warm-up steps are shown while the current run has no draws yet. */
  private showingWarmup(): boolean {
    return this.store.total === 0 && this.warmupTrail.count > 0 && this.warmupTrail.run >= this.store.run;
  }

  private replay(reply: ReplayReply, buffers: readonly BinaryLike[]): void {
    if (!this.replayRequester.accept(reply.seq)) return;
    const block = drawBlock(reply.run, 0, decodeMaybe(reply.draws, buffers), decodeMaybe(reply.diverging, buffers));
    if (block && this.store.replace(block)) {
      const x = decodeMaybe(reply.x, buffers);
      const curves = decodeMaybe(reply.curves, buffers);
      if (x && curves) this.setCurves(reply.run, x, curves);
      else if (this.curves && this.curves.run < reply.run) this.curves = null;
      this.invalidate();
    }
  }

  private setCurves(run: number, x: DecodedArray, curves: DecodedArray): void {
    if (run > this.store.run) this.store.reset(run);
    const n = x.data.length;
    const k = curves.shape.length === 2 ? curves.shape[0]! : n > 0 ? Math.floor(curves.data.length / n) : 0;
    if (curves.shape.length === 2 && curves.shape[1] !== n) return;
    this.curves = { run, x: asFloat32(x).data, curves: asFloat32(curves).data, k, n };
    this.invalidate();
  }

  // ---- header, progress, controls ------------------------------------------------------------------------

  private statusChanged(): void {
    const status = String(this.model.get("status") ?? "");
    this.statusText.textContent = STATUS_TEXT[status] ?? status;
    this.statusText.dataset.status = status;
    this.root.dataset.status = status;
    this.stopButton.disabled = !RUNNING.has(status);
  }

  private progressChanged(): void {
    const progress = this.model.get("progress") ?? [];
    const warmupTotal = Math.max(0, this.model.get("num_warmup") ?? 0);
    const samplesTotal = Math.max(0, this.model.get("num_samples") ?? 0);
    const all = Math.max(1, warmupTotal + samplesTotal);
    const chains = Math.max(progress.length, this.model.get("num_chains") ?? 0);
    // Three cells per chain: label, bar, counts. Rebuild only when the number of chains changes.
    if (this.progressBox.childElementCount !== chains * 3) {
      clear(this.progressBox);
      for (let c = 0; c < chains; c++) {
        const label = htmlElement("span", { class: "chain-label" });
        label.append(htmlElement("span", { class: "chain-swatch", style: `background:${chainColor(c)}` }), `chain ${c + 1}`);
        const track = htmlElement("div", { class: "track", role: "progressbar", "aria-label": `chain ${c + 1}`, "aria-valuemin": 0, "aria-valuemax": all });
        track.append(htmlElement("div", { class: "warm" }), htmlElement("div", { class: "draws", style: `background:${chainColor(c)}` }));
        this.progressBox.append(label, track, htmlElement("span", { class: "chain-count" }));
      }
    }
    const cells = this.progressBox.children;
    for (let c = 0; c < chains; c++) {
      const p = progress[c] ?? { chain: c, warmup: 0, draws: 0, divergences: 0 };
      const warm = Math.min(p.warmup, warmupTotal);
      const draws = Math.min(p.draws, samplesTotal || p.draws);
      const track = cells[c * 3 + 1] as HTMLDivElement;
      const [warmBar, drawBar] = [track.children[0] as HTMLDivElement, track.children[1] as HTMLDivElement];
      warmBar.style.width = `${(100 * warm) / all}%`;
      drawBar.style.left = `${(100 * warmupTotal) / all}%`;
      drawBar.style.width = `${(100 * draws) / all}%`;
      track.setAttribute("aria-valuenow", String(warm + draws));
      track.setAttribute("aria-valuetext", `warm-up ${warm} of ${warmupTotal}, draws ${draws} of ${samplesTotal}, ${p.divergences} divergent`);
      const count = cells[c * 3 + 2] as HTMLSpanElement;
      const parts: (string | Node)[] = [warm < warmupTotal ? `warm-up ${warm}/${warmupTotal}` : `${draws}/${samplesTotal}`];
      if (p.divergences > 0) parts.push(" · ", htmlElement("span", { class: "divergent" }, `${p.divergences} divergent`));
      count.replaceChildren(...parts);
    }
  }

  private controlsChanged(): void {
    const specs = this.model.get("controls") ?? {};
    const names = Object.keys(specs);
    const same = names.length === this.sliders.size && names.every((n) => this.sliders.has(n));
    if (!same) {
      clear(this.controlsBox);
      this.sliders.clear();
      for (const name of names) this.addSlider(name, specs[name]!);
    }
    for (const name of names) {
      const slider = this.sliders.get(name)!;
      const spec = specs[name]!;
      slider.spec = spec;
      slider.input.min = String(spec.min);
      slider.input.max = String(spec.max);
      slider.input.step = String(spec.step > 0 ? spec.step : "any");
      // The user's value stands while they hold the slider or a request for it is under way.
      if (this.held.has(name) || this.controls.busyWith(name)) continue;
      slider.input.value = String(spec.value);
      // The range input snaps to its step grid: the readout shows Python's exact value.
      this.showSliderValue(name, spec.value);
    }
    this.controlsBox.hidden = names.length === 0;
  }

  private addSlider(name: string, spec: ControlSpec): void {
    const box = htmlElement("label", { class: "control" });
    const text = htmlElement("span", { class: "control-name" }, spec.label || name);
    const input = htmlElement("input", { type: "range", min: spec.min, max: spec.max, step: spec.step > 0 ? spec.step : "any", "aria-label": spec.label || name });
    input.value = String(spec.value);
    const readout = htmlElement("span", { class: "control-value" });
    box.append(text, input, readout);
    this.controlsBox.append(box);
    this.sliders.set(name, { input, readout, spec });
    this.showSliderValue(name, spec.value);
    this.listen(input, "input", () => {
      this.showSliderValue(name);
      this.controls.request({ client: this.client, name, value: Number(input.value) });
    });
    this.listen(input, "pointerdown", () => this.held.add(name));
    const release = (): void => {
      this.held.delete(name);
    };
    this.listen(input, "pointerup", release);
    this.listen(input, "pointercancel", release);
    this.listen(input, "change", release);
  }

  private showSliderValue(name: string, value?: number): void {
    const slider = this.sliders.get(name);
    if (!slider) return;
    const text = formatNumber(value ?? Number(slider.input.value));
    slider.readout.textContent = text;
    slider.input.setAttribute("aria-valuetext", text);
  }

  private controlAcked(seq: number): void {
    this.controls.accept(seq);
    // When nothing is left under way, show Python's values (they may have been clamped or refused).
    if (!this.controls.busy) this.controlsChanged();
  }

  // ---- sites and pair ------------------------------------------------------------------------------------

  private sitesChanged(): void {
    const sites = this.model.get("sites") ?? [];
    for (const select of [this.xSelect, this.ySelect]) {
      const current = [...select.options].map((o) => o.value);
      if (current.length === sites.length && current.every((v, k) => v === sites[k])) continue;
      clear(select);
      for (const site of sites) select.append(htmlElement("option", { value: site }, site));
    }
    this.pairChanged();
  }

  private pairChanged(): void {
    const [x = "", y = ""] = this.model.get("pair") ?? ["", ""];
    this.xSelect.value = x;
    this.ySelect.value = y;
    this.invalidate();
  }

  private pairChosen(): void {
    const pair: [string, string] = [this.xSelect.value, this.ySelect.value];
    this.model.set("pair", pair);
    this.model.save_changes();
    this.invalidate();
  }

  private pairIndices(): [number, number] {
    const sites = this.model.get("sites") ?? [];
    const [x = "", y = ""] = this.model.get("pair") ?? ["", ""];
    return [sites.indexOf(x), sites.indexOf(y)];
  }

  /** The reference values (model trait `reference`) of the sites at these indices, null where none. */
  private referenceFor(ix: number, iy = -1): [number | null, number | null] {
    const sites = this.model.get("sites") ?? [];
    const reference = this.model.get("reference") ?? {};
    const at = (index: number): number | null => {
      const value = index >= 0 ? reference[sites[index] ?? ""] : undefined;
      return typeof value === "number" && Number.isFinite(value) ? value : null;
    };
    return [at(ix), at(iy)];
  }

  // ---- density and data ----------------------------------------------------------------------------------

  private densityChanged(): void {
    const state = this.model.get("_density");
    if (!hasDensity(state)) {
      this.density = null;
      this.invalidate();
      return;
    }
    try {
      const decoded = asFloat32(decodeArray(state.values));
      const [ny = 0, nx = 0] = decoded.shape;
      const half = (range: Range, n: number): Range => {
        const h = n > 1 ? (range[1] - range[0]) / (n - 1) / 2 : 0.5;
        return [range[0] - h, range[1] + h];
      };
      const values = decoded.data;
      let vmax = -Infinity;
      for (let k = 0; k < values.length; k++) if (values[k]! > vmax) vmax = values[k]!;
      let image: HTMLCanvasElement | null = null;
      let contours: ContourLevel[] = [];
      if (Number.isFinite(vmax)) {
        // Below vmax - DENSITY_SPAN the density is negligible: transparent, so the draws stand out.
        const vmin = vmax - DENSITY_SPAN;
        const shown = new Float32Array(values.length);
        for (let k = 0; k < values.length; k++) shown[k] = values[k]! >= vmin ? values[k]! : Number.NaN;
        image = gridImage(shown, nx, ny, makeNormalization(vmin, vmax, false), this.doc);
        contours = contourLevels(values, nx, ny, CONTOUR_DROPS.map((d) => vmax - d));
      }
      this.density = {
        values,
        nx,
        ny,
        x: half(state.x_range, nx),
        y: half(state.y_range, ny),
        xRange: [state.x_range[0], state.x_range[1]],
        yRange: [state.y_range[0], state.y_range[1]],
        xSite: state.x_site,
        ySite: state.y_site,
        image,
        contours,
      };
    } catch (error) {
      console.error("jaxwidgets: cannot decode _density", error);
      this.density = null;
    }
    this.domain.key = ""; // the density's range becomes part of the domain
    this.invalidate();
  }

  private dataChanged(): void {
    const state = this.model.get("_data");
    this.data = null;
    if (hasData(state)) {
      try {
        const x = asFloat32(decodeArray(state.x)).data;
        const y = state.y ? asFloat32(decodeArray(state.y)).data : null;
        this.data = { x, y, kind: state.kind === "points" && y ? "points" : "histogram" };
      } catch (error) {
        console.error("jaxwidgets: cannot decode _data", error);
      }
    }
    this.invalidate();
  }

  /** The density grid drawn under the pair plot, if it is for the pair shown (in either order). */
  private densityForPair(): { density: Density; transposed: boolean } | null {
    const d = this.density;
    if (!d) return null;
    const [x = "", y = ""] = this.model.get("pair") ?? ["", ""];
    if (d.xSite === x && d.ySite === y) return { density: d, transposed: false };
    if (d.xSite === y && d.ySite === x && x !== y) return { density: d, transposed: true };
    return null;
  }

  // ---- layout --------------------------------------------------------------------------------------------

  private layout(): void {
    const available = Math.min(760, this.root.clientWidth || this.el.clientWidth || 640);
    this.width = available;
    const chrome = LAYOUT.left + LAYOUT.gap + LAYOUT.marginal + LAYOUT.right;
    // Leave room for the trace plots beside the pair plot when the width allows a decent pair plot.
    const besideSide = available - chrome - 12 - LAYOUT.traceMin;
    const side = Math.round(
      besideSide >= LAYOUT.besideMin ? Math.min(LAYOUT.maxSide, besideSide) : Math.max(LAYOUT.minSide, Math.min(LAYOUT.maxSide, available - chrome)),
    );
    const main: PlotRect = { left: LAYOUT.left, top: LAYOUT.top + LAYOUT.marginal + LAYOUT.gap, width: side, height: side };
    this.pair = {
      width: side + chrome,
      height: main.top + side + LAYOUT.bottom,
      main,
      top: { left: main.left, top: LAYOUT.top, width: side, height: LAYOUT.marginal },
      right: { left: main.left + side + LAYOUT.gap, top: main.top, width: LAYOUT.marginal, height: side },
    };
    sizeFigure(this.pairFigure, this.pairSvg, this.pair.width, this.pair.height);
    for (const [name, value] of Object.entries({ x: main.left, y: main.top, width: side, height: side })) {
      this.clipRect.setAttribute(name, String(value));
    }
    // Traces beside the pair plot when there is room, else below at full width.
    const rest = available - this.pair.width - 12;
    this.traceSize = rest >= LAYOUT.traceMin ? { width: rest, height: this.pair.height } : { width: available, height: 2 * 130 };
    this.traceSvg.dataset.key = "";
    sizeFigure(this.traceFigure, this.traceSvg, this.traceSize.width, this.traceSize.height);
    this.predictiveSize = { width: Math.min(available, 640), height: 210 };
    const predictiveFigure = this.predictiveInk.canvas.parentElement as HTMLDivElement;
    sizeFigure(predictiveFigure, this.predictiveSvg, this.predictiveSize.width, this.predictiveSize.height);
    this.drawnAxesKey = "";
    this.invalidate();
  }

  // ---- drawing -------------------------------------------------------------------------------------------

  private invalidate(): void {
    if (this.frame === null && typeof requestAnimationFrame !== "undefined") {
      this.frame = requestAnimationFrame(() => this.paint());
    }
  }

  private paint(): void {
    this.frame = null;
    const [ix, iy] = this.pairIndices();
    this.updateDomain(ix, iy);
    this.updateLegend();
    this.drawPair(ix, iy);
    this.drawTraces(ix, iy);
    this.drawPredictive();
    const warmup = this.showingWarmup() ? this.warmupTrail.lastIteration : -1;
    if (this.store.version !== this.announcedVersion || warmup !== this.announcedWarmup) {
      this.announcedVersion = this.store.version;
      this.announcedWarmup = warmup;
      const data = this.root.dataset;
      data.totalDraws = String(this.store.total);
      data.warmupShown = String(warmup >= 0 ? this.warmupTrail.count : 0);
      data.run = String(this.store.run);
      const detail: DrawsFrameDetail = {
        kind: "draws",
        run: this.store.run,
        total: this.store.total,
        warmup: warmup >= 0 ? this.warmupTrail.count : 0,
        time: performance.now(),
      };
      this.root.dispatchEvent(new CustomEvent(FRAME_EVENT, { detail, bubbles: true }));
    }
  }

  /** Grow the pair domain to hold every draw (and the density grid); start afresh on a new run or pair. */
  private updateDomain(ix: number, iy: number): void {
    // Warm-up wanders wider than the posterior: the first draws start a fresh domain.
    const warm = this.showingWarmup();
    const key = `${this.store.run}|${ix}|${iy}|${warm ? "warm-up" : "draws"}`;
    if (this.domain.key !== key) this.domain = { key, x: null, y: null };
    const store = this.store;
    const dense = this.densityForPair();
    const densityX = dense ? (dense.transposed ? dense.density.yRange : dense.density.xRange) : null;
    const densityY = dense ? (dense.transposed ? dense.density.xRange : dense.density.yRange) : null;
    const extent = (index: number): Range | null =>
      index < 0 ? null : store.total > 0 ? store.extent(index) : warm ? this.warmupTrail.extent(index) : null;
    const [refX, refY] = this.referenceFor(ix, iy);
    const dataX = union(extent(ix), refX === null ? null : [refX, refX]);
    const dataY = union(extent(iy), refY === null ? null : [refY, refY]);
    const grow = (current: Range | null, data: Range | null, density: Range | null): Range | null => {
      const wanted = union(density, data ? padded(data) : null);
      if (!wanted) return current;
      if (current && wanted[0] >= current[0] && wanted[1] <= current[1]) return current;
      // Grow with some slack, so a slowly widening cloud does not rescale every frame.
      const next = union(current, wanted)!;
      return current ? padded(next, 0.05) : next;
    };
    this.domain.x = grow(this.domain.x, dataX, densityX);
    this.domain.y = grow(this.domain.y, dataY, densityY);
  }

  private updateLegend(): void {
    const chains = this.store.chains || this.model.get("num_chains") || 0;
    const marked = this.referenceFor(...this.pairIndices()).some((v) => v !== null) ? (this.model.get("reference_label") ?? "") : null;
    const key = `${chains}|${this.showingWarmup()}|${marked}`;
    if (this.legend.dataset.key === key) return;
    this.legend.dataset.key = key;
    clear(this.legend);
    for (let c = 0; c < chains; c++) {
      const entry = htmlElement("span", { class: "chain-label" });
      entry.append(htmlElement("span", { class: "chain-swatch", style: `background:${chainColor(c)}` }), `chain ${c + 1}`);
      this.legend.append(entry);
    }
    const divergent = htmlElement("span", {});
    divergent.append(htmlElement("span", { class: "divergent-mark" }, "×"), " divergent");
    this.legend.append(divergent);
    if (marked !== null) {
      const reference = htmlElement("span", { class: "reference-label" });
      reference.append(htmlElement("span", { class: "reference-mark" }, "⊕"), ` ${marked || "reference"}`);
      this.legend.append(reference);
    }
    if (this.showingWarmup()) this.legend.append(htmlElement("span", { class: "warmup-note" }, "faded: warm-up steps (adapting, not draws)"));
  }

  private drawPair(ix: number, iy: number): void {
    const g = this.pair;
    const sites = this.model.get("sites") ?? [];
    const xDomain = this.domain.x ?? [0, 1];
    const yDomain = this.domain.y ?? [0, 1];
    const scales = plotScales(xDomain, yDomain, g.main);
    const dense = this.densityForPair();

    // Axes and contours only change with the domain, the size or the density.
    const axesKey = `${xDomain}|${yDomain}|${g.main.width}|${ix}|${iy}|${this.density ? this.density.xSite + this.density.values.length : ""}|${dense?.transposed}`;
    if (axesKey !== this.drawnAxesKey) {
      this.drawnAxesKey = axesKey;
      drawAxes(this.pairAxes, scales, g.main, { x: sites[ix] ?? "", y: sites[iy] ?? "" });
      this.drawContours(scales, dense);
    }

    const ctx = this.pairInk.begin({ left: 0, top: 0, width: g.width, height: g.height });
    if (!ctx) return;
    const plotBackground = resolveColor(this.root, "--jp-layout-color2", "rgba(128, 128, 128, 0.12)");
    ctx.fillStyle = plotBackground;
    ctx.fillRect(g.main.left, g.main.top, g.main.width, g.main.height);
    if (dense?.density.image) {
      const d = dense.density;
      const image = dense.transposed ? transposedImage(d, this.doc) : d.image;
      const xr = dense.transposed ? d.y : d.x;
      const yr = dense.transposed ? d.x : d.y;
      if (image) {
        const left = scales.x(xr[0]);
        const top = scales.y(yr[1]);
        ctx.save();
        ctx.globalAlpha = 0.85;
        drawHeatmap(ctx, image, { target: { left, top, width: scales.x(xr[1]) - left, height: scales.y(yr[0]) - top }, clip: g.main }, null);
        ctx.restore();
      }
    }
    const store = this.store;
    if (ix < 0 || iy < 0) return;
    ctx.save();
    ctx.beginPath();
    ctx.rect(g.main.left, g.main.top, g.main.width, g.main.height);
    ctx.clip();
    // Warm-up steps (not draws): small faded dots, no marginals.
    if (this.showingWarmup()) drawChainDots(ctx, scales, this.warmupTrail.values, this.warmupTrail.count, this.warmupTrail.sites, [ix, iy], 2, 0.3);
    const n = store.total;
    if (n === 0) {
      ctx.restore();
      return;
    }
    const many = n * store.chains > 4000;
    drawChainDots(ctx, scales, store.values, n, store.sites, [ix, iy], many ? 2 : 3, many ? 0.45 : 0.65);
    const sx = scales.x;
    const sy = scales.y;
    // Divergent draws on top: red crosses.
    ctx.globalAlpha = 1;
    ctx.strokeStyle = DIVERGENT_COLOR;
    ctx.lineWidth = 1.6;
    ctx.beginPath();
    for (let c = 0; c < store.chains; c++) {
      const flags = store.diverging[c]!;
      for (let i = 0; i < n; i++) {
        if (flags[i] !== 1) continue;
        const px = sx(store.at(c, i, ix));
        const py = sy(store.at(c, i, iy));
        if (!(Number.isFinite(px) && Number.isFinite(py))) continue;
        ctx.moveTo(px - 3.5, py - 3.5);
        ctx.lineTo(px + 3.5, py + 3.5);
        ctx.moveTo(px - 3.5, py + 3.5);
        ctx.lineTo(px + 3.5, py - 3.5);
      }
    }
    ctx.stroke();
    drawReference(ctx, scales, g.main, this.referenceFor(ix, iy), readCanvasTheme(this.root).text);
    ctx.restore();
    this.drawMarginals(ctx, ix, iy, xDomain, yDomain);
  }

  /** Histograms of the two pair sites per chain, as step lines on the top and right edges. */
  private drawMarginals(ctx: CanvasRenderingContext2D, ix: number, iy: number, xDomain: Range, yDomain: Range): void {
    const store = this.store;
    const g = this.pair;
    const theme = readCanvasTheme(this.root);
    for (const [site, domain, rect, vertical] of [
      [ix, xDomain, g.top, false],
      [iy, yDomain, g.right, true],
    ] as const) {
      const length = vertical ? rect.height : rect.width;
      const bins = Math.max(10, Math.min(60, Math.round(length / 8)));
      const perChain: Float64Array[] = [];
      let peak = 0;
      for (let c = 0; c < store.chains; c++) {
        const counts = histogram(store.values[c]!, domain[0], domain[1], bins, store.sites, site, store.total);
        for (let b = 0; b < bins; b++) {
          counts[b]! /= Math.max(1, store.total);
          if (counts[b]! > peak) peak = counts[b]!;
        }
        perChain.push(counts);
      }
      ctx.strokeStyle = theme.border;
      ctx.lineWidth = 1;
      ctx.beginPath();
      if (vertical) {
        ctx.moveTo(rect.left + 0.5, rect.top);
        ctx.lineTo(rect.left + 0.5, rect.top + rect.height);
      } else {
        ctx.moveTo(rect.left, rect.top + rect.height - 0.5);
        ctx.lineTo(rect.left + rect.width, rect.top + rect.height - 0.5);
      }
      ctx.stroke();
      if (!(peak > 0)) continue;
      const depth = (vertical ? rect.width : rect.height) - 4;
      perChain.forEach((counts, c) => {
        ctx.strokeStyle = chainColor(c);
        ctx.globalAlpha = 0.9;
        ctx.lineWidth = 1.4;
        ctx.beginPath();
        for (let b = 0; b < bins; b++) {
          const a0 = (b / bins) * length;
          const a1 = ((b + 1) / bins) * length;
          const h = (counts[b]! / peak) * depth;
          if (vertical) {
            // Along y, bin 0 is at the bottom.
            const y0 = rect.top + rect.height - a0;
            const y1 = rect.top + rect.height - a1;
            const x = rect.left + h;
            if (b === 0) ctx.moveTo(rect.left, y0);
            ctx.lineTo(x, y0);
            ctx.lineTo(x, y1);
            if (b === bins - 1) ctx.lineTo(rect.left, y1);
          } else {
            const x0 = rect.left + a0;
            const x1 = rect.left + a1;
            const y = rect.top + rect.height - h;
            if (b === 0) ctx.moveTo(x0, rect.top + rect.height);
            ctx.lineTo(x0, y);
            ctx.lineTo(x1, y);
            if (b === bins - 1) ctx.lineTo(x1, rect.top + rect.height);
          }
        }
        ctx.stroke();
      });
      ctx.globalAlpha = 1;
    }
  }

  private drawContours(scales: PlotScales, dense: { density: Density; transposed: boolean } | null): void {
    const paths = this.contourGroup.children;
    const levels = dense?.density.contours ?? [];
    const d = dense?.density;
    const toPixel = d
      ? dense.transposed
        ? (u: number, v: number): [number, number] => {
            const [px, py] = gridToPixel(d.nx, d.ny, d.x, d.y, scales.y, scales.x)(u, v);
            return [py, px];
          }
        : gridToPixel(d.nx, d.ny, d.x, d.y, scales.x, scales.y)
      : null;
    levels.forEach((level, k) => {
      const path = (paths[k] as SVGPathElement | undefined) ?? this.contourGroup.appendChild(svgElement("path"));
      path.setAttribute("d", toPixel ? levelPath(level, toPixel) : "");
    });
    while (paths.length > levels.length) paths[paths.length - 1]!.remove();
  }

  private drawTraces(ix: number, iy: number): void {
    const { width, height } = this.traceSize;
    const sites = this.model.get("sites") ?? [];
    const store = this.store;
    const samples = Math.max(this.model.get("num_samples") ?? 0, store.total, 1);
    const plots = [
      { site: ix, domain: this.domain.x },
      { site: iy, domain: this.domain.y },
    ];
    const plotHeight = (height - 8) / 2;
    const rects: PlotRect[] = plots.map((_, k) => ({
      left: LAYOUT.left,
      top: LAYOUT.top + k * plotHeight,
      width: Math.max(40, width - LAYOUT.left - LAYOUT.traceRight),
      height: Math.max(30, plotHeight - 34),
    }));
    const axesKey = `${width}|${height}|${samples}|${ix}|${iy}|${this.domain.x}|${this.domain.y}`;
    if (this.traceSvg.dataset.key !== axesKey) {
      this.traceSvg.dataset.key = axesKey;
      clear(this.traceSvg);
      plots.forEach((plot, k) => {
        const group = svgElement("g", { class: "axis" });
        this.traceSvg.append(group);
        drawAxes(group, plotScales([0, samples], plot.domain ?? [0, 1], rects[k]!), rects[k]!, { x: k === 1 ? "draw" : "", y: sites[plot.site] ?? "" });
      });
    }
    const ctx = this.traceInk.begin({ left: 0, top: 0, width, height });
    if (!ctx) return;
    const plotBackground = resolveColor(this.root, "--jp-layout-color2", "rgba(128, 128, 128, 0.12)");
    plots.forEach((plot, k) => {
      const rect = rects[k]!;
      ctx.fillStyle = plotBackground;
      ctx.fillRect(rect.left, rect.top, rect.width, rect.height);
      if (plot.site < 0 || store.total === 0 || !plot.domain) return;
      const scales = plotScales([0, samples], plot.domain, rect);
      ctx.save();
      ctx.beginPath();
      ctx.rect(rect.left, rect.top, rect.width, rect.height);
      ctx.clip();
      ctx.lineWidth = 0.9;
      ctx.globalAlpha = 0.75;
      for (let c = 0; c < store.chains; c++) {
        ctx.strokeStyle = chainColor(c);
        ctx.beginPath();
        const rows = store.values[c]!;
        for (let i = 0, kk = plot.site; i < store.total; i++, kk += store.sites) {
          const px = scales.x(i);
          const py = scales.y(rows[kk]!);
          if (i === 0) ctx.moveTo(px, py);
          else ctx.lineTo(px, py);
        }
        ctx.stroke();
      }
      ctx.globalAlpha = 1;
      ctx.strokeStyle = DIVERGENT_COLOR;
      ctx.lineWidth = 1.4;
      ctx.beginPath();
      for (let c = 0; c < store.chains; c++) {
        const flags = store.diverging[c]!;
        for (let i = 0; i < store.total; i++) {
          if (flags[i] !== 1) continue;
          const px = scales.x(i);
          const py = scales.y(store.at(c, i, plot.site));
          ctx.moveTo(px - 3, py - 3);
          ctx.lineTo(px + 3, py + 3);
          ctx.moveTo(px - 3, py + 3);
          ctx.lineTo(px + 3, py - 3);
        }
      }
      ctx.stroke();
      drawReference(ctx, scales, rect, [null, this.referenceFor(plot.site)[0]], readCanvasTheme(this.root).text);
      ctx.restore();
    });
  }

  private drawPredictive(): void {
    const data = this.data;
    const curves = this.curves && this.curves.run >= this.store.run ? this.curves : null;
    const visible = data !== null || curves !== null;
    this.predictiveBox.hidden = !visible;
    if (!visible) return;
    const { width, height } = this.predictiveSize;
    const rect: PlotRect = { left: LAYOUT.left, top: 8, width: Math.max(60, width - LAYOUT.left - 14), height: height - 8 - LAYOUT.bottom };

    // Domain: the data and the curves (robustly: wild curves of early draws must not squash the data).
    let xDomain: Range | null = null;
    let yDomain: Range | null = null;
    let bins: Float64Array | null = null;
    let binRange: Range | null = null;
    if (data) {
      xDomain = finiteExtent(data.x);
      if (data.kind === "points" && data.y) yDomain = finiteExtent(data.y);
      else if (xDomain) {
        binRange = xDomain[1] > xDomain[0] ? xDomain : padded(xDomain);
        const count = Math.max(8, Math.min(40, Math.round(Math.sqrt(data.x.length) * 2)));
        bins = histogram(data.x, binRange[0], binRange[1], count);
        const widthPerBin = (binRange[1] - binRange[0]) / count;
        let peak = 0;
        for (let b = 0; b < count; b++) {
          bins[b]! /= Math.max(1, data.x.length) * widthPerBin; // a density, comparable with density curves
          peak = Math.max(peak, bins[b]!);
        }
        yDomain = [0, peak];
      }
    }
    if (curves) {
      xDomain = union(xDomain, finiteExtent(curves.x));
      yDomain = union(yDomain, quantileExtent(curves.curves, 0.01, 0.99));
    }
    const xr = padded(xDomain ?? [0, 1], 0.03);
    const yr = padded(yDomain ?? [0, 1], 0.06);
    if (bins) yr[0] = Math.max(yr[0], 0);
    const scales = plotScales(xr, yr, rect);
    let group = this.predictiveSvg.firstElementChild as SVGGElement | null;
    if (!group) group = this.predictiveSvg.appendChild(svgElement("g", { class: "axis" }));
    drawAxes(group, scales, rect, { x: "x", y: data?.kind === "histogram" ? "density" : "y" });

    const ctx = this.predictiveInk.begin({ left: 0, top: 0, width, height });
    if (!ctx) return;
    const theme = readCanvasTheme(this.root);
    ctx.fillStyle = resolveColor(this.root, "--jp-layout-color2", "rgba(128, 128, 128, 0.12)");
    ctx.fillRect(rect.left, rect.top, rect.width, rect.height);
    ctx.save();
    ctx.beginPath();
    ctx.rect(rect.left, rect.top, rect.width, rect.height);
    ctx.clip();
    if (bins && binRange) {
      ctx.fillStyle = theme.text;
      ctx.globalAlpha = 0.25;
      const step = (binRange[1] - binRange[0]) / bins.length;
      for (let b = 0; b < bins.length; b++) {
        const x0 = scales.x(binRange[0] + b * step);
        const x1 = scales.x(binRange[0] + (b + 1) * step);
        const y = scales.y(bins[b]!);
        ctx.fillRect(x0, y, x1 - x0 - 0.5, scales.y(0) - y);
      }
      ctx.globalAlpha = 1;
    }
    // The data first and faint, thinned for display; the curves over it (lib/draws.ts predictiveStyle).
    const style = predictiveStyle(data?.kind === "points" && data.y ? Math.min(data.x.length, data.y.length) : 0, curves?.k ?? 0);
    if (data?.kind === "points" && data.y) {
      ctx.fillStyle = theme.text;
      ctx.globalAlpha = style.dotAlpha;
      const n = Math.min(data.x.length, data.y.length);
      const r = style.dotRadius;
      ctx.beginPath();
      for (let i = 0; i < n; i += style.stride) {
        const px = scales.x(data.x[i]!);
        const py = scales.y(data.y[i]!);
        if (!(Number.isFinite(px) && Number.isFinite(py))) continue;
        ctx.moveTo(px + r, py);
        ctx.arc(px, py, r, 0, 2 * Math.PI);
      }
      ctx.fill();
      ctx.globalAlpha = 1;
    }
    if (curves) {
      ctx.strokeStyle = resolveColor(this.root, "--jp-brand-color1", "#1976d2");
      ctx.globalAlpha = style.curveAlpha;
      ctx.lineWidth = 1.6;
      ctx.lineJoin = "round";
      for (let j = 0; j < curves.k; j++) {
        ctx.beginPath();
        let started = false;
        for (let i = 0; i < curves.n; i++) {
          const px = scales.x(curves.x[i]!);
          const py = scales.y(curves.curves[j * curves.n + i]!);
          if (!(Number.isFinite(px) && Number.isFinite(py))) {
            started = false;
            continue;
          }
          if (started) ctx.lineTo(px, py);
          else ctx.moveTo(px, py);
          started = true;
        }
        ctx.stroke();
      }
      ctx.globalAlpha = 1;
    }
    ctx.restore();
  }
}

function chainColor(chain: number): string {
  return CHAIN_COLORS[chain % CHAIN_COLORS.length]!;
}

/** The figure and its SVG at this size (its ink canvas sizes itself when drawn). */
function sizeFigure(figure: HTMLDivElement, svg: SVGSVGElement, width: number, height: number): void {
  figure.style.width = `${width}px`;
  figure.style.height = `${height}px`;
  svg.setAttribute("width", String(width));
  svg.setAttribute("height", String(height));
}

function finiteExtent(values: ArrayLike<number>): Range | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return Number.isFinite(lo) && Number.isFinite(hi) ? [lo, hi] : null;
}

/** The q-quantiles of the finite values (for axis ranges that ignore a few wild values). */
export function quantileExtent(values: ArrayLike<number>, lowQ: number, highQ: number): Range | null {
  const finite: number[] = [];
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i]!)) finite.push(values[i]!);
  if (finite.length === 0) return null;
  finite.sort((a, b) => a - b);
  const at = (q: number): number => finite[Math.min(finite.length - 1, Math.max(0, Math.round(q * (finite.length - 1))))]!;
  return [at(lowQ), at(highQ)];
}

/** Each chain's first `count` rows (of `stride` values) as `size`-pixel squares at columns [ix, iy], in its colour. */
function drawChainDots(
  ctx: CanvasRenderingContext2D,
  scales: PlotScales,
  chains: readonly Float32Array[],
  count: number,
  stride: number,
  [ix, iy]: [number, number],
  size: number,
  alpha: number,
): void {
  ctx.globalAlpha = alpha;
  chains.forEach((rows, c) => {
    ctx.fillStyle = chainColor(c);
    for (let i = 0, k = 0; i < count; i++, k += stride) {
      const px = scales.x(rows[k + ix]!);
      const py = scales.y(rows[k + iy]!);
      if (Number.isFinite(px) && Number.isFinite(py)) ctx.fillRect(px - size / 2, py - size / 2, size, size);
    }
  });
}

/**
 * A reference point (or value): dashed lines across the plot at x and y, and where both are given a ring with
 * a cross (white under dark, so it reads over dots and density alike).
 */
function drawReference(ctx: CanvasRenderingContext2D, scales: PlotScales, rect: PlotRect, [x, y]: [number | null, number | null], color: string): void {
  if (x === null && y === null) return;
  const px = x === null ? null : scales.x(x);
  const py = y === null ? null : scales.y(y);
  ctx.save();
  ctx.globalAlpha = 0.9;
  ctx.strokeStyle = color;
  ctx.lineWidth = 1;
  ctx.setLineDash([4, 3]);
  ctx.beginPath();
  if (px !== null) {
    ctx.moveTo(px, rect.top);
    ctx.lineTo(px, rect.top + rect.height);
  }
  if (py !== null) {
    ctx.moveTo(rect.left, py);
    ctx.lineTo(rect.left + rect.width, py);
  }
  ctx.stroke();
  ctx.setLineDash([]);
  if (px !== null && py !== null) {
    for (const [stroke, width] of [["#fff", 4], [color, 2]] as const) {
      ctx.strokeStyle = stroke;
      ctx.lineWidth = width;
      ctx.beginPath();
      ctx.arc(px, py, 7, 0, 2 * Math.PI);
      ctx.moveTo(px - 10, py);
      ctx.lineTo(px + 10, py);
      ctx.moveTo(px, py - 10);
      ctx.lineTo(px, py + 10);
      ctx.stroke();
    }
  }
  ctx.restore();
}

const transposedCache = new WeakMap<Density, HTMLCanvasElement | null>();

/** The density image with x and y swapped (pair chosen in the other order than the grid). */
function transposedImage(d: Density, doc: Document): HTMLCanvasElement | null {
  if (transposedCache.has(d)) return transposedCache.get(d)!;
  let vmax = -Infinity;
  for (let k = 0; k < d.values.length; k++) if (d.values[k]! > vmax) vmax = d.values[k]!;
  const shown = new Float32Array(d.values.length);
  for (let j = 0; j < d.ny; j++) {
    for (let i = 0; i < d.nx; i++) {
      const v = d.values[j * d.nx + i]!;
      shown[i * d.ny + j] = v >= vmax - DENSITY_SPAN ? v : Number.NaN;
    }
  }
  const image = Number.isFinite(vmax) ? gridImage(shown, d.ny, d.nx, makeNormalization(vmax - DENSITY_SPAN, vmax, false), doc) : null;
  transposedCache.set(d, image);
  return image;
}

function render({ model, el }: RenderProps<PosteriorModel>): () => void {
  const view = new PosteriorView(model, el);
  return () => view.destroy();
}

export default { render };
