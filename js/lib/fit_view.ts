/**
 * The view CurveFit and DensityFit share (src/jaxwidgets/_fit.py is its twin): the data plot with the model
 * curve and the parameter handles, optional panels below it (residuals, sensitivities d curve / d theta),
 * the parameter panel, the Fit button that animates the optimizer's iterates, and the readout.
 *
 * A widget gives its `FitSpec`: how to draw its data, and its lower panels. `values` are the parameters the
 * user sees (moved at once by a drag); `shown` is the exact picture of the newest reply (drawn by
 * lib/fit_exact.ts; the panel and readout by lib/fit_panel.ts, paced during drags). Until the reply for
 * the user's values comes, the curve is linearised about `shown` (lib/fit_provisional.ts). A drag stops a
 * running animation, and its request makes Python abandon a Fit still running: a drag is never lost.
 */
import type { BinaryLike } from "./arrays";
import { button, checkbox } from "./controls";
import { htmlElement, observeWidth } from "./dom";
import { replyIsFor } from "./flow";
import {
  announceFrame,
  decodeShown,
  fitLayout,
  parameterHandles,
  type PlacedHandle,
  drawCurve,
  type FitMessage,
  FitAnimation,
  fitFrames,
  type ReplyRecords,
  sensitivityPanel,
} from "./fit_draw";
import { FIT_PANEL_STYLE, type FitReport, PanelPace, ParamPanel, readoutParts, showTexts } from "./fit_panel";
import { ExactPicture, type FitRects } from "./fit_exact";
import { ProvisionalCurve } from "./fit_provisional";
import { Ink } from "./ink";
import type { AnyModel, Pair } from "./protocol";
import { type PlotScales, plotScales } from "./scale";
import { type ShellTraits, WidgetShell } from "./shell";
import { observeTheme, readCanvasTheme, resolveColor, type CanvasTheme } from "./theme";

export interface FitPlotBase {
  x_range: Pair;
  y_range: Pair;
  curve_points: number;
}

export interface FitTraits<P extends FitPlotBase> extends ShellTraits {
  parameter_names: string[];
  ranges: Record<string, [number, number]>;
  fixed: string[];
  handles: Record<string, [string, string]>;
  fitting: boolean;
  compiling: boolean;
  fit_report: FitReport;
  loss_name: string;
  x_label: string;
  y_label: string;
  _plot: P | Record<string, never>;
}

/** The exact picture of one parameter vector. `curve` holds the curve, then (CurveFit) the model at the
 * drawn data points; `gradient` and `sensitivities` are null while a Fit's path is animated. */
export interface Shown {
  values: Float32Array;
  loss: number;
  gradient: Float32Array | null;
  curve: Float32Array;
  sensitivities: Float32Array | null;
}

export interface LowerPanel<P> {
  label: string;
  /** Null: not drawn (e.g. residuals need the model at the data points). */
  yRange(plot: P, shown: Shown): Pair | null;
  draw(ctx: CanvasRenderingContext2D, scales: PlotScales, plot: P, shown: Shown, theme: CanvasTheme): void;
}

export interface FitSpec<P extends FitPlotBase> {
  kind: string;
  style?: string;
  drawData(ctx: CanvasRenderingContext2D, scales: PlotScales, plot: P, theme: CanvasTheme): void;
  lowerPanels: LowerPanel<P>[];
  /** A note shown with the readout (e.g. the known MLE). */
  note?(plot: P, names: readonly string[]): string;
  /** The lowest value the curve can take (a density's 0): the provisional curve is cut there. */
  curveFloor?: number;
}

/** "panel": the sliders, gradient bars and readout, written on an animation frame (a write between frames costs
 * a layout of the page, and another for the next pointer event's hit test). */
type Part = "data" | "curve" | "provisional" | "panel";

export class FitView<P extends FitPlotBase> {
  readonly shell: WidgetShell<FitTraits<P>, Part>;
  readonly panel: ParamPanel;
  values: number[] = [];
  shown: Shown | null = null;
  private readonly model: AnyModel<FitTraits<P>>;
  private readonly spec: FitSpec<P>;
  private readonly names: string[];
  private readonly figure: HTMLDivElement;
  private readonly dataInk: Ink;
  private readonly provisionalInk: Ink;
  private readonly exactPicture: ExactPicture<P>;
  private readonly handleLayer: HTMLDivElement;
  private readonly handles: PlacedHandle[];
  private readonly readout: HTMLDivElement;
  private readonly fitButton: HTMLButtonElement;
  private readonly sensitivityBox: HTMLInputElement;
  private readonly params;
  private readonly fitRequester;
  private rects: FitRects = {
    figure: { left: 0, top: 0, width: 1, height: 1 },
    main: { left: 0, top: 0, width: 1, height: 1 },
    lower: [],
  };
  private start: number[] | null = null;
  /** The picture on screen: its seq and the values asked for (the key of its frame event). */
  private exact: { seq: number; values: ArrayLike<number> } | null = null;
  private announced: object | null = null; // the exact picture last announced (each is announced once)
  private readonly panelPace = new PanelPace(
    () => this.showPanel(),
    () => this.shell.invalidate("panel"),
  );
  private readonly provisional = new ProvisionalCurve();
  private readonly animation: FitAnimation;
  private theme: CanvasTheme = { border: "#999", text: "#444" };

  constructor(model: AnyModel<FitTraits<P>>, el: HTMLElement, spec: FitSpec<P>) {
    this.model = model;
    this.spec = spec;
    this.names = [...model.get("parameter_names")];
    this.shell = new WidgetShell<FitTraits<P>, Part>({
      model,
      el,
      kind: spec.kind,
      style: FIT_PANEL_STYLE + (spec.style ?? ""),
      paint: (parts) => this.paint(parts),
      onMessage: (content, buffers) => this.message(content, buffers),
      onDisconnect: () => this.animation.stop(),
    });
    this.animation = new FitAnimation(this.shell.root);
    const doc = this.shell.doc;
    this.figure = htmlElement(
      "div",
      { class: "jaxwidgets-figure fit-figure", role: "img", "aria-label": "data and model" },
      undefined,
      doc,
    );
    this.dataInk = new Ink(doc, "fit-data");
    this.exactPicture = new ExactPicture<P>(doc);
    this.provisionalInk = new Ink(doc, "fit-provisional");
    this.handleLayer = htmlElement("div", { class: "handle-layers" }, undefined, doc);
    this.figure.append(
      this.dataInk.canvas,
      this.exactPicture.ink.canvas,
      this.provisionalInk.canvas,
      this.exactPicture.axes,
      this.handleLayer,
    );
    this.readout = htmlElement("div", { class: "fit-readout", "aria-live": "polite" }, undefined, doc);
    this.panel = new ParamPanel(this.names, doc);
    this.fitButton = button("Fit", { className: "fit-button", title: "Run BFGS from here and animate its steps" }, doc);
    const reset = button("Reset", { className: "fit-reset", title: "Back to the parameters first shown" }, doc);
    const sensitivity = checkbox("sensitivities ∂curve/∂θ", doc);
    this.sensitivityBox = sensitivity.input;
    const buttons = htmlElement("div", { class: "fit-buttons" }, undefined, doc);
    buttons.append(this.fitButton, reset, sensitivity.element);
    this.shell.root.append(this.figure, this.readout, this.panel.element, buttons);

    this.params = this.shell.requester<{ values: number[]; fetch?: true }>("params");
    this.fitRequester = this.shell.requester<Record<string, never>>("fit", { acks: true });
    this.wire(reset);
    this.handles = parameterHandles(model.get("handles"), this.names, {
      figure: this.figure,
      scales: () => this.scales(),
      range: (name) => this.range(name),
      onMove: (changes) => this.moved(changes),
      doc: this.shell.doc,
    });
    for (const { handle } of this.handles) this.handleLayer.append(handle.layer);
    this.panel.setRanges(model.get("ranges"));
    this.panel.setFixed(model.get("fixed"));
    this.fitButton.disabled = Boolean(model.get("fitting"));
    this.showCompiling();
    this.layout();
    this.shell.start();
    this.params.request({ values: [], fetch: true }); // Python's parameters win over this view's state
  }

  destroy(): void {
    this.animation.stop();
    this.panelPace.dispose();
    for (const { handle } of this.handles) handle.destroy();
    this.shell.destroy();
  }

  // ---- wiring --------------------------------------------------------------------------------------------

  private wire(reset: HTMLButtonElement): void {
    const shell = this.shell;
    this.panel.rows.forEach((row, i) => {
      shell.listen(row.slider.input, "input", () => this.moved([[i, Number(row.slider.input.value)]]));
      shell.listen(row.fix, "change", () => {
        const fixed = this.panel.rows.filter((r) => r.fix.checked).map((r) => r.name);
        this.model.set("fixed", fixed);
        this.model.save_changes();
      });
    });
    shell.listen(this.fitButton, "click", () => {
      this.fitButton.disabled = true;
      this.fitRequester.request({});
    });
    shell.listen(reset, "click", () => {
      if (this.start) this.moved(this.start.map((v, i) => [i, v] as [number, number]));
    });
    shell.listen(this.sensitivityBox, "change", () => this.layout());
    shell.onModel("ranges", () => this.panel.setRanges(this.model.get("ranges")));
    shell.onModel("fixed", () => this.panel.setFixed(this.model.get("fixed")));
    shell.onModel("fitting", () => (this.fitButton.disabled = Boolean(this.model.get("fitting"))));
    shell.onModel("compiling", () => this.showCompiling());
    shell.onModel("fit_report", () => this.showReadout());
    shell.onModel("_plot", () => this.layout());
    shell.addCleanup(observeWidth(shell.el, () => this.layout()));
    shell.addCleanup(observeTheme(shell.doc, () => this.shell.invalidate("data", "curve")));
  }

  /** While the Fit kernel compiles (after construction) the button says so; pressed, the Fit waits for it. */
  private showCompiling(): void {
    this.fitButton.textContent = this.model.get("compiling") ? "Fit (compiling…)" : "Fit";
  }

  private range(name: string): [number, number] {
    return this.model.get("ranges")[name] ?? [-1, 1];
  }

  // ---- moves and replies ---------------------------------------------------------------------------------

  /** The user moved parameters (slider, handle, reset): shown at once, sent newest-wins. */
  private moved(changes: [number, number][]): void {
    if (this.values.length !== this.names.length) return; // nothing known yet
    this.animation.stop();
    for (const [i, v] of changes) this.values[i] = v;
    this.placeHandles();
    this.shell.invalidate("panel");
    this.params.request({ values: [...this.values] });
    this.updateProvisional();
  }

  /** The linearised curve at the user's values while they are ahead of the exact picture (none otherwise). */
  private updateProvisional(): void {
    const [plot, shown, exact] = [this.plot(), this.shown, this.exact];
    const base = shown && exact ? { shown, at: exact.values } : null;
    if (plot) this.provisional.update(this.shell.root, base, this.values, plot, this.spec.curveFloor);
    this.shell.invalidate("provisional");
  }

  private message(content: unknown, buffers: readonly BinaryLike[]): void {
    if (typeof content !== "object" || content === null) return;
    const message = content as { type?: unknown; seq?: unknown };
    if (typeof message.seq !== "number") return;
    if (message.type === "params") this.paramsMessage(content as ReplyRecords & { seq: number }, buffers);
    else if (message.type === "fit") this.fitMessage(content as FitMessage & { seq: number }, buffers);
  }

  private paramsMessage(reply: ReplyRecords & { seq: number }, buffers: readonly BinaryLike[]): void {
    const mine = replyIsFor(reply, this.params.clientId) === true;
    if (mine && !this.params.accept(reply.seq)) return;
    if (!mine && reply.seq < this.params.lastSentSeq) return; // Python has not seen this view's newest move
    const shown = decodeShown(reply, buffers);
    if (!mine || this.values.length === 0) {
      this.animation.stop();
      this.values = Array.from(shown.values);
    }
    this.start ??= Array.from(shown.values);
    this.show(shown, reply.seq, mine ? this.params.sentPayload(reply.seq)?.values : undefined);
  }

  private fitMessage(message: FitMessage & { seq: number }, buffers: readonly BinaryLike[]): void {
    if (this.params.busy || this.handles.some(({ handle }) => handle.dragging())) return; // the drag wins
    const { frames, final } = fitFrames(message, buffers, this.names.length);
    this.animation.play(frames, final, (shown) => {
      this.values = Array.from(shown.values);
      this.show(shown, message.seq);
    });
  }

  private show(shown: Shown, seq: number, asked?: number[]): void {
    this.shown = shown;
    this.exact = { seq, values: asked?.length ? asked : shown.values };
    const data = this.shell.root.dataset;
    data.values = JSON.stringify(Array.from(shown.values));
    data.loss = String(shown.loss);
    data.shownSeq = String(seq);
    this.placeHandles();
    this.updateProvisional();
    this.shell.invalidate("curve", "panel");
  }

  private showReadout(): void {
    if (!this.shown) return;
    const parts = readoutParts(this.model.get("loss_name"), this.shown.loss, this.model.get("fit_report") ?? {}, this.animation.text);
    const plot = this.plot();
    const note = plot && this.spec.note ? this.spec.note(plot, this.names) : "";
    if (note) parts.push(note);
    showTexts(this.readout, parts, this.shell.doc);
  }

  private placeHandles(): void {
    for (const { handle, ix, iy } of this.handles) {
      if (this.values.length > Math.max(ix, iy) && !handle.dragging()) handle.setPosition(this.values[ix]!, this.values[iy]!);
    }
  }

  // ---- layout and painting -------------------------------------------------------------------------------

  private plot(): P | null {
    const plot = this.model.get("_plot");
    return "x_range" in plot ? (plot as P) : null;
  }

  private panels(): LowerPanel<P>[] {
    const panels = [...this.spec.lowerPanels];
    if (this.sensitivityBox.checked) panels.push(sensitivityPanel(this.names));
    return panels;
  }

  layout(): void {
    const width = Math.max(320, Math.min(720, this.shell.root.clientWidth || this.shell.el.clientWidth || 640));
    const { main, lower, height } = fitLayout(width, this.panels().length);
    this.rects = { figure: { left: 0, top: 0, width, height }, main, lower };
    Object.assign(this.figure.style, { height: `${height}px`, width: `${width}px` });
    this.exactPicture.axes.setAttribute("width", String(width));
    this.exactPicture.axes.setAttribute("height", String(height));
    for (const { handle } of this.handles) handle.relayout();
    this.shell.invalidate("data", "curve");
  }

  scales(): PlotScales {
    const plot = this.plot();
    return plotScales(plot?.x_range ?? [0, 1], plot?.y_range ?? [0, 1], this.rects.main);
  }

  private paint(parts: ReadonlySet<Part>): void {
    if (parts.has("panel")) this.panelPace.run();
    const plot = this.plot();
    if (!plot) return;
    this.theme = readCanvasTheme(this.shell.root);
    if (parts.has("data")) {
      // The whole figure on the widget's own background: where that is opaque, so is this bottom layer, and
      // the compositor skips drawing the page beneath it on every frame of a drag.
      const background = this.shell.doc.defaultView?.getComputedStyle(this.shell.root).backgroundColor;
      const ctx = this.dataInk.begin(this.rects.figure, background);
      if (ctx) this.spec.drawData(ctx, this.scales(), plot, this.theme);
    }
    const color = resolveColor(this.shell.root, "--jp-brand-color1", "#1976d2");
    if (parts.has("curve") || parts.has("data")) {
      const labels = { x: this.model.get("x_label"), y: this.model.get("y_label") };
      this.exactPicture.paint(plot, this.shown, this.rects, this.panels(), { labels, color, theme: this.theme });
    }
    this.provisional.paint(this.provisionalInk, this.scales(), plot, this.exactPicture.ink.canvas, color);
    if (parts.has("curve") || parts.has("provisional")) this.announce();
  }

  /** The sliders (all but the one the user moves: it has the focus), gradient bars and readout. */
  private showPanel(): void {
    this.panel.show(this.values, this.shown?.gradient ?? null, this.panel.activeSlider(this.shell.doc), this.shown?.loss);
    this.showReadout();
  }

  /** Each exact picture once when first painted, and each provisional one, keyed by the first handle. */
  private announce(): void {
    const [exact, first] = [this.exact, this.handles[0]];
    const key = (v: ArrayLike<number>): [number, number] | null => (first ? [v[first.ix]!, v[first.iy]!] : null);
    if (exact && exact !== this.announced) announceFrame(this.shell.root, "exact", exact.seq, key(exact.values));
    this.announced = exact;
    if (this.provisional.curve) announceFrame(this.shell.root, "provisional", this.params.lastSentSeq, key(this.values));
  }
}

export { drawCurve, sensitivityPanel };
