/**
 * LossSurface front end (twin of src/jaxwidgets/surface.py): a heatmap with contours of f(x, y), a probe to
 * drag that shows f, the descent direction -grad f and the Hessian's principal directions, wheel zoom and
 * drag pan. Implements the drag path of the wire protocol: optimistic handle, provisional readout from the
 * grid at once, one request in flight (lib/flow.ts), exact result drawn on the next animation frame.
 */
import { asFloat32, type BinaryLike, decodeArray, decodeMessageArray } from "./lib/arrays";
import { drawAxes, drawColorbarAxis } from "./lib/axes";
import { createBanner } from "./lib/banner";
import { levels, makeNormalization, type Normalization } from "./lib/colormap";
import { type ContourLevel, contourLevels, gridToPixel, levelPath } from "./lib/contour";
import { createHandle, type Handle, KNOB_RADIUS } from "./lib/drag";
import { htmlElement, svgElement } from "./lib/dom";
import { Requester } from "./lib/flow";
import { formatNumber } from "./lib/format";
import { drawColorbar, drawHeatmap, gridImage, hasUndefined, hatchPattern } from "./lib/heatmap";
import { bilinear, type CellGrid, finiteMedian, gradientMagnitudes, symmetricEigen2 } from "./lib/math";
import {
  type AnyModel,
  FRAME_EVENT,
  type FrameDetail,
  hasSurface,
  type Pair,
  parseServerMessage,
  type ProbeReply,
  type ProbeRequest,
  type RenderProps,
  type SurfaceModel,
  type SurfaceState,
  type ViewRequest,
} from "./lib/protocol";
import { type PlotRect, type PlotScales, plotScales } from "./lib/scale";
import { injectStyle, readCanvasTheme, resolveColor } from "./lib/theme";
import { attachPanZoom, sameWindow, type ViewWindow } from "./lib/view";

type Model = AnyModel<SurfaceModel>;

const LAYOUT = {
  marginLeft: 62,
  marginTop: 8,
  marginBottom: 46,
  colorbarGap: 16,
  colorbarWidth: 14,
  colorbarLabels: 58,
  minPlot: 260,
  maxPlot: 640,
};

/** The arrow for a median-sized gradient spans this fraction of the plot; no arrow exceeds MAX_ARROW. */
const MEDIAN_ARROW = 0.1;
const MAX_ARROW = 0.25;
/** Shorter arrows would hide under the knob: the direction still matters where the slope is gentle. */
const MIN_ARROW_PX = KNOB_RADIUS + 14;
/** Hessian direction segments are clipped to this range (half-length in px, and fraction of the plot). */
const MIN_EIGEN_PX = KNOB_RADIUS + 10;
const MAX_EIGEN = 0.2;
const CONTOUR_COUNT = 10;

/** A decoded `_surface` with everything derived from it that does not depend on the view. */
interface Surface {
  generation: number;
  stage: string;
  grid: CellGrid;
  grad: Float32Array;
  vmin: number | null;
  vmax: number | null;
  medianGrad: number;
  hasUndefined: boolean;
  norm: Normalization | null;
  image: HTMLCanvasElement | null;
  contours: ContourLevel[];
}

/** What the probe overlay shows: a provisional estimate or an exact reply. */
interface ProbeReading {
  kind: "provisional" | "exact";
  x: number;
  y: number;
  seq: number;
  value: number;
  gx: number;
  gy: number;
  hessian: [number, number, number] | null;
}

let instanceCount = 0;

/**
 * What the views of one model on this page know that the model's traits may not: the page moves the probe
 * and the window by messages, and Python does not echo those values back, so a view rendered later would
 * read stale traits. Shared per model object, across its views.
 */
interface SharedState {
  probe?: Pair;
  window?: ViewWindow;
}
const sharedByModel = new WeakMap<object, SharedState>();

function sharedState(model: object): SharedState {
  let state = sharedByModel.get(model);
  if (!state) sharedByModel.set(model, (state = {}));
  return state;
}

class SurfaceView {
  private readonly model: Model;
  private readonly el: HTMLElement;
  private readonly root: HTMLDivElement;
  private readonly doc: Document;
  private readonly id = ++instanceCount;
  private readonly shared: SharedState;
  private readonly cleanups: (() => void)[] = [];

  private readonly title: HTMLDivElement;
  private readonly banner = createBanner();
  private readonly logBox: HTMLInputElement;
  private readonly hessianBox: HTMLInputElement;
  private readonly figure: HTMLDivElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly svg: SVGSVGElement;
  private readonly clipRect: SVGRectElement;
  private readonly contourGroup: SVGGElement;
  private readonly axesGroup: SVGGElement;
  private readonly colorbarGroup: SVGGElement;
  private readonly overlay: SVGGElement;
  private readonly eigenGroup: SVGGElement;
  private readonly arrowHalo: SVGPathElement;
  private readonly arrow: SVGPathElement;
  private readonly arrowHead: SVGPathElement;
  private readonly readout: HTMLDivElement;
  private readonly legend: HTMLDivElement;
  private readonly handle: Handle;

  private readonly probeRequester: Requester<ProbeRequest>;
  private readonly viewRequester: Requester<ViewRequest | { type: "reset_view" }>;

  private window: ViewWindow;
  private rect: PlotRect = { left: LAYOUT.marginLeft, top: LAYOUT.marginTop, width: LAYOUT.minPlot, height: LAYOUT.minPlot };
  private scales: PlotScales;
  private surface: Surface | null = null;
  private reading: ProbeReading | null = null;
  private pendingExact: ProbeReading | null = null;
  private resetPending = false;
  private hatch: { dpr: number; pattern: CanvasPattern | string } | null = null;
  private frame: number | null = null;
  private dirty = { canvas: false, contours: false, axes: false, probe: false };

  constructor(model: Model, el: HTMLElement) {
    this.model = model;
    this.el = el;
    this.doc = el.ownerDocument;
    this.shared = sharedState(model);
    this.window = this.shared.window ?? { x: model.get("x_range"), y: model.get("y_range") };
    this.scales = plotScales(this.window.x, this.window.y, this.rect);

    this.root = htmlElement("div", { class: "jaxwidgets jaxwidgets-surface" });
    injectStyle(this.root);
    this.title = htmlElement("div", { class: "jaxwidgets-title" });
    const toolbar = htmlElement("div", { class: "jaxwidgets-toolbar" });
    this.logBox = this.checkbox(toolbar, "log scale", "log_scale");
    this.hessianBox = this.checkbox(toolbar, "Hessian", "show_hessian");
    const reset = htmlElement("button", { type: "button", title: "Back to the initial view (or double-click the plot)" }, "Reset view");
    toolbar.append(reset);
    this.listen(reset, "click", () => this.requestReset());

    this.figure = htmlElement("div", { class: "jaxwidgets-figure" });
    this.canvas = htmlElement("canvas", { "aria-hidden": "true" });
    this.svg = svgElement("svg", { role: "group", "aria-label": "loss surface" });
    const clipId = `jaxwidgets-clip-${this.id}`;
    const clip = svgElement("clipPath", { id: clipId });
    this.clipRect = svgElement("rect");
    clip.append(this.clipRect);
    const defs = svgElement("defs");
    defs.append(clip);
    this.contourGroup = svgElement("g", { class: "contours", "clip-path": `url(#${clipId})` });
    this.axesGroup = svgElement("g", { class: "axis" });
    this.colorbarGroup = svgElement("g", { class: "axis colorbar-axis" });
    this.overlay = svgElement("g", { class: "probe-overlay", "clip-path": `url(#${clipId})` });
    this.eigenGroup = svgElement("g", { class: "eigen-directions" });
    this.arrowHalo = svgElement("path", { class: "halo", "stroke-width": 4.5 });
    this.arrow = svgElement("path", { class: "arrow" });
    this.arrowHead = svgElement("path", { class: "arrow-head" });
    this.handle = createHandle({
      label: "probe",
      eventToPixel: (event) => this.localPoint(event),
      toData: (px, py) => this.toData(px, py),
      toPixel: (x, y) => [this.scales.x(x), this.scales.y(y)],
      keyStep: () => [(this.window.x[1] - this.window.x[0]) / 100, (this.window.y[1] - this.window.y[0]) / 100],
      clamp: (x, y) => this.clampToView(x, y),
      onMove: (x, y) => this.probeMoved(x, y),
    });
    this.overlay.append(this.eigenGroup, this.arrowHalo, this.arrow, this.arrowHead, this.handle.element);
    this.svg.append(defs, this.contourGroup, this.axesGroup, this.colorbarGroup, this.overlay);
    this.figure.append(this.canvas, this.svg);

    this.readout = htmlElement("div", { class: "readout" });
    this.legend = htmlElement("div", { class: "legend" });
    this.legend.hidden = true;
    this.root.append(this.title, this.banner.element, toolbar, this.figure, this.readout, this.legend);
    el.append(this.root);

    this.probeRequester = new Requester<ProbeRequest>({ type: "probe", send: (m) => this.model.send(m) });
    this.viewRequester = new Requester<ViewRequest | { type: "reset_view" }>({
      type: "view",
      send: (m) => this.model.send(m),
      onIdle: () => this.viewSettled(),
    });

    this.attachInteraction();
    this.attachModel();
    this.observeSize();
    this.syncAll();
  }

  destroy(): void {
    if (this.frame !== null) cancelAnimationFrame(this.frame);
    this.frame = null;
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    this.probeRequester.dispose();
    this.viewRequester.dispose();
    this.handle.destroy();
    this.root.remove();
  }

  // ---- wiring ------------------------------------------------------------------------------------------

  private listen(target: EventTarget, type: string, handler: (event: Event) => void): void {
    target.addEventListener(type, handler);
    this.cleanups.push(() => target.removeEventListener(type, handler));
  }

  private onModel(event: string, handler: (...args: never[]) => void): void {
    this.model.on(event, handler);
    this.cleanups.push(() => this.model.off(event, handler));
  }

  private checkbox(toolbar: HTMLElement, text: string, trait: "log_scale" | "show_hessian"): HTMLInputElement {
    const label = htmlElement("label");
    const box = htmlElement("input", { type: "checkbox" });
    label.append(box, this.doc.createTextNode(text));
    toolbar.append(label);
    this.listen(box, "change", () => {
      this.model.set(trait, box.checked);
      this.model.save_changes();
    });
    return box;
  }

  private attachModel(): void {
    this.onModel("change:_surface", () => this.surfaceChanged());
    this.onModel("change:error", () => this.banner.set(this.model.get("error")));
    this.onModel("change:title", () => (this.title.textContent = this.model.get("title") ?? ""));
    this.onModel("change:x_label", () => this.invalidate("axes"));
    this.onModel("change:y_label", () => this.invalidate("axes"));
    this.onModel("change:log_scale", () => this.logScaleChanged());
    this.onModel("change:show_hessian", () => this.showHessianChanged());
    this.onModel("change:x_range", () => this.modelWindowChanged());
    this.onModel("change:y_range", () => this.modelWindowChanged());
    this.onModel("change:probe", () => this.modelProbeChanged());
    this.onModel("msg:custom", ((content: unknown, buffers?: readonly BinaryLike[]) =>
      this.message(content, buffers ?? [])) as (...args: never[]) => void);
  }

  private attachInteraction(): void {
    const detach = attachPanZoom(this.svg, {
      window: () => this.window,
      plotSize: () => ({ width: this.rect.width, height: this.rect.height }),
      toData: (px, py) => this.toData(px, py),
      localPoint: (event) => this.localPoint(event),
      contains: (px, py) => this.insidePlot(px, py),
      onWindow: (window) => this.requestWindow(window),
      onClick: (x, y) => {
        this.handle.setPosition(...this.clampToView(x, y));
        this.probeMoved(...this.handle.position());
      },
      onReset: () => this.requestReset(),
    });
    this.cleanups.push(detach);
  }

  private observeSize(): void {
    if (typeof ResizeObserver === "undefined") return;
    let width = -1;
    // Only width drives the layout; our own height changes must not trigger another full redraw.
    const observer = new ResizeObserver(() => {
      if (this.el.clientWidth === width) return;
      width = this.el.clientWidth;
      this.layout();
    });
    observer.observe(this.el);
    this.cleanups.push(() => observer.disconnect());
  }

  /** Bring every part in line with the model (first render). */
  private syncAll(): void {
    this.title.textContent = this.model.get("title") ?? "";
    this.banner.set(this.model.get("error"));
    this.logBox.checked = Boolean(this.model.get("log_scale"));
    this.hessianBox.checked = Boolean(this.model.get("show_hessian"));
    this.handle.setPosition(...(this.shared.probe ?? this.model.get("probe")));
    this.layout();
    this.surfaceChanged();
    this.drawProvisional();
    // Ask for the exact reading at the initial position.
    this.probeRequester.request({ x: this.handle.position()[0], y: this.handle.position()[1] });
  }

  // ---- geometry ----------------------------------------------------------------------------------------

  private layout(): void {
    const available = this.el.clientWidth || this.root.clientWidth || LAYOUT.minPlot + 200;
    const chrome = LAYOUT.marginLeft + LAYOUT.colorbarGap + LAYOUT.colorbarWidth + LAYOUT.colorbarLabels;
    const side = Math.round(Math.max(LAYOUT.minPlot, Math.min(LAYOUT.maxPlot, available - chrome)));
    this.rect = { left: LAYOUT.marginLeft, top: LAYOUT.marginTop, width: side, height: side };
    const width = side + chrome;
    const height = side + LAYOUT.marginTop + LAYOUT.marginBottom;
    this.figure.style.width = `${width}px`;
    this.figure.style.height = `${height}px`;
    this.svg.setAttribute("width", String(width));
    this.svg.setAttribute("height", String(height));
    this.canvas.style.width = `${width}px`;
    this.canvas.style.height = `${height}px`;
    for (const [name, value] of Object.entries({ x: this.rect.left, y: this.rect.top, width: side, height: side })) {
      this.clipRect.setAttribute(name, String(value));
    }
    this.updateScales();
    this.handle.relayout();
    this.invalidate("canvas", "contours", "axes", "probe");
  }

  private colorbarRect(): PlotRect {
    return { left: this.rect.left + this.rect.width + LAYOUT.colorbarGap, top: this.rect.top, width: LAYOUT.colorbarWidth, height: this.rect.height };
  }

  private updateScales(): void {
    this.scales = plotScales(this.window.x, this.window.y, this.rect);
  }

  private localPoint(event: MouseEvent): [number, number] {
    const box = this.svg.getBoundingClientRect();
    return [event.clientX - box.left, event.clientY - box.top];
  }

  private toData(px: number, py: number): [number, number] {
    return [this.scales.x.invert(px), this.scales.y.invert(py)];
  }

  private insidePlot(px: number, py: number): boolean {
    const r = this.rect;
    return px >= r.left && px <= r.left + r.width && py >= r.top && py <= r.top + r.height;
  }

  private clampToView(x: number, y: number): [number, number] {
    const clamp = (v: number, [lo, hi]: readonly [number, number]): number => Math.min(hi, Math.max(lo, v));
    return [clamp(x, this.window.x), clamp(y, this.window.y)];
  }

  // ---- model changes -----------------------------------------------------------------------------------

  private surfaceChanged(): void {
    const state = this.model.get("_surface");
    if (!hasSurface(state)) return;
    try {
      this.surface = this.decodeSurface(state);
    } catch (error) {
      console.error("jaxwidgets: cannot decode _surface", error);
      return;
    }
    this.followSurfaceWindow(this.surface.grid);
    this.root.dataset.surfaceGeneration = String(this.surface.generation);
    this.root.dataset.surfaceStage = this.surface.stage;
    this.updateLegend();
    this.invalidate("canvas", "contours", "axes", "probe");
  }

  private decodeSurface(state: SurfaceState): Surface {
    const values = asFloat32(decodeArray(state.values));
    const grad = asFloat32(decodeArray(state.grad));
    const [ny = 0, nx = 0] = values.shape;
    const grid: CellGrid = { values: values.data, nx, ny, x: state.x_range, y: state.y_range };
    const surface: Surface = {
      generation: state.generation,
      stage: state.stage,
      grid,
      grad: grad.data,
      vmin: finiteOrNull(state.vmin),
      vmax: finiteOrNull(state.vmax),
      medianGrad: finiteMedian(gradientMagnitudes(grad.data, nx * ny)),
      hasUndefined: hasUndefined(values.data),
      norm: null,
      image: null,
      contours: [],
    };
    this.colorize(surface);
    return surface;
  }

  /** Colour image and contours: they depend on the surface and on the log_scale setting. */
  private colorize(surface: Surface): void {
    const { vmin, vmax, grid } = surface;
    if (vmin === null || vmax === null) {
      surface.norm = null;
      surface.contours = [];
      surface.image = null;
      return;
    }
    surface.norm = makeNormalization(vmin, vmax, Boolean(this.model.get("log_scale")));
    surface.image = gridImage(grid.values, grid.nx, grid.ny, surface.norm, this.doc);
    surface.contours = contourLevels(grid.values, grid.nx, grid.ny, levels(surface.norm, CONTOUR_COUNT));
  }

  /**
   * A surface is computed for Python's current view. When this view has no view request under way, that is
   * the window to show: it follows zooms made in another view of the model, or by Python.
   */
  private followSurfaceWindow(grid: CellGrid): void {
    if (this.viewRequester.busy) return;
    const window = { x: grid.x, y: grid.y };
    if (!sameWindow(window, this.window)) this.setWindow(window);
  }

  private logScaleChanged(): void {
    this.logBox.checked = Boolean(this.model.get("log_scale"));
    if (this.surface) this.colorize(this.surface);
    this.invalidate("canvas", "contours");
  }

  private showHessianChanged(): void {
    const on = Boolean(this.model.get("show_hessian"));
    this.hessianBox.checked = on;
    // Exact readings taken with the Hessian off carry NaNs there: ask again.
    if (on) this.probeRequester.request(this.handlePayload());
    this.invalidate("probe");
  }

  private modelWindowChanged(): void {
    // While our own view requests are under way the traits echo older windows: keep the user's.
    if (this.viewRequester.busy && !this.resetPending) return;
    this.adoptModelWindow();
  }

  private viewSettled(): void {
    if (this.resetPending) {
      this.resetPending = false;
      this.adoptModelWindow();
    }
  }

  private adoptModelWindow(): void {
    const window = { x: this.model.get("x_range"), y: this.model.get("y_range") };
    if (sameWindow(window, this.window)) return;
    this.setWindow(window);
  }

  private modelProbeChanged(): void {
    if (this.handle.dragging() || this.probeRequester.busy) return;
    const [x, y] = this.model.get("probe");
    const [hx, hy] = this.handle.position();
    if (this.samePosition(x, y, hx, hy)) return;
    this.handle.setPosition(x, y);
    this.drawProvisional();
  }

  // ---- messages ----------------------------------------------------------------------------------------

  private message(content: unknown, buffers: readonly BinaryLike[]): void {
    const message = parseServerMessage(content);
    if (message === null) return;
    if (message.type === "probe") this.probeReply(message, buffers);
    else if (message.type === "view" || message.request !== "probe") this.viewRequester.accept(message.seq);
    else this.probeRequester.accept(message.seq);
  }

  private probeReply(reply: ProbeReply, buffers: readonly BinaryLike[]): void {
    const asked = this.probeRequester.sentPayload(reply.seq);
    const ours = asked !== undefined && this.samePosition(asked.x, asked.y, reply.x, reply.y);
    if (ours && !this.probeRequester.accept(reply.seq)) return;
    const [hx, hy] = this.handle.position();
    if (!this.samePosition(reply.x, reply.y, hx, hy)) {
      // Not where the handle is. A move made by Python (or another view of this model) is followed when
      // the user is not moving the probe here; otherwise it is an intermediate result to skip.
      if (ours || this.handle.dragging() || this.probeRequester.busy) return;
      this.handle.setPosition(reply.x, reply.y);
    }
    let result: Float32Array;
    try {
      result = asFloat32(decodeMessageArray(reply.result, buffers)).data;
    } catch (error) {
      console.error("jaxwidgets: bad probe reply", error);
      return;
    }
    this.pendingExact = exactReading(reply, result);
    this.invalidate("probe");
  }

  // ---- user actions ------------------------------------------------------------------------------------

  private handlePayload(): ProbeRequest {
    const [x, y] = this.handle.position();
    return { x, y };
  }

  private probeMoved(x: number, y: number): void {
    this.pendingExact = null;
    this.probeRequester.request({ x, y });
    this.drawProvisional();
  }

  private requestWindow(window: ViewWindow): void {
    this.resetPending = false;
    this.setWindow(window);
    this.viewRequester.request({ x_range: [...window.x], y_range: [...window.y] });
  }

  private requestReset(): void {
    this.resetPending = true;
    this.viewRequester.request({ type: "reset_view" });
  }

  private setWindow(window: ViewWindow): void {
    this.window = { x: [...window.x], y: [...window.y] };
    this.shared.window = this.window;
    this.updateScales();
    this.handle.relayout();
    this.invalidate("canvas", "contours", "axes", "probe");
  }

  // ---- drawing -----------------------------------------------------------------------------------------

  private invalidate(...parts: (keyof SurfaceView["dirty"])[]): void {
    for (const part of parts) this.dirty[part] = true;
    if (this.frame === null && typeof requestAnimationFrame !== "undefined") {
      this.frame = requestAnimationFrame(() => this.paint());
    }
  }

  private paint(): void {
    this.frame = null;
    const dirty = this.dirty;
    this.dirty = { canvas: false, contours: false, axes: false, probe: false };
    if (dirty.canvas) this.drawCanvas();
    if (dirty.contours) this.drawContours();
    if (dirty.axes) this.drawAxesAndColorbar();
    if (dirty.probe) this.drawProbeFrame();
  }

  private drawCanvas(): void {
    const dpr = this.doc.defaultView?.devicePixelRatio ?? 1;
    const width = parseFloat(this.canvas.style.width) || 0;
    const height = parseFloat(this.canvas.style.height) || 0;
    const backingWidth = Math.round(width * dpr);
    const backingHeight = Math.round(height * dpr);
    if (this.canvas.width !== backingWidth || this.canvas.height !== backingHeight) {
      this.canvas.width = backingWidth;
      this.canvas.height = backingHeight;
    }
    const ctx = this.canvas.getContext("2d");
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    ctx.fillStyle = resolveColor(this.root, "--jp-layout-color2", "rgba(128, 128, 128, 0.12)");
    ctx.fillRect(this.rect.left, this.rect.top, this.rect.width, this.rect.height);
    const surface = this.surface;
    if (surface?.image) {
      drawHeatmap(ctx, surface.image, { target: this.gridPixelRect(surface.grid), clip: this.rect }, surface.hasUndefined ? this.hatchFor(ctx, dpr) : null);
    }
    if (surface?.norm) drawColorbar(ctx, this.colorbarRect(), readCanvasTheme(this.root).border, this.doc);
  }

  private hatchFor(ctx: CanvasRenderingContext2D, dpr: number): CanvasPattern | string {
    if (this.hatch?.dpr !== dpr) this.hatch = { dpr, pattern: hatchPattern(ctx, dpr, this.doc) };
    return this.hatch.pattern;
  }

  /** Where the grid's extent lies in pixels under the current view (it may lag behind during pan/zoom). */
  private gridPixelRect(grid: CellGrid): PlotRect {
    const left = this.scales.x(grid.x[0]);
    const right = this.scales.x(grid.x[1]);
    const top = this.scales.y(grid.y[1]);
    const bottom = this.scales.y(grid.y[0]);
    return { left, top, width: right - left, height: bottom - top };
  }

  private drawContours(): void {
    const surface = this.surface;
    const levelsToDraw = surface?.contours ?? [];
    const toPixel = surface ? gridToPixel(surface.grid.nx, surface.grid.ny, surface.grid.x, surface.grid.y, this.scales.x, this.scales.y) : null;
    const paths = this.contourGroup.children;
    levelsToDraw.forEach((level, k) => {
      const path = (paths[k] as SVGPathElement | undefined) ?? this.contourGroup.appendChild(svgElement("path"));
      path.setAttribute("d", toPixel ? levelPath(level, toPixel) : "");
      path.dataset.level = String(level.value);
    });
    while (paths.length > levelsToDraw.length) paths[paths.length - 1]!.remove();
  }

  private drawAxesAndColorbar(): void {
    drawAxes(this.axesGroup, this.scales, this.rect, { x: this.model.get("x_label") ?? "x", y: this.model.get("y_label") ?? "y" });
    const norm = this.surface?.norm ?? null;
    drawColorbarAxis(this.colorbarGroup, norm, this.colorbarRect(), norm ? levels(norm, CONTOUR_COUNT) : []);
  }

  private updateLegend(): void {
    const parts: string[] = [];
    if (this.surface?.hasUndefined) parts.push("undefined (NaN or ±inf)");
    if (this.surface?.stage === "coarse") parts.push("refining…");
    this.legend.replaceChildren();
    if (this.surface?.hasUndefined) this.legend.append(htmlElement("span", { class: "undefined-swatch" }), " ");
    this.legend.append(parts.join("   "));
    this.legend.hidden = parts.length === 0;
  }

  /** Estimate from the grid at the handle, drawn at once (same frame as the pointer event). */
  private drawProvisional(): void {
    this.showReading(this.provisionalReading());
  }

  private provisionalReading(): ProbeReading {
    const [x, y] = this.handle.position();
    const surface = this.surface;
    const grad = surface ? { ...surface.grid, values: surface.grad } : null;
    const cells = surface ? surface.grid.nx * surface.grid.ny : 0;
    return {
      kind: "provisional",
      x,
      y,
      seq: this.probeRequester.lastSentSeq,
      value: surface ? bilinear(surface.grid, x, y) : Number.NaN,
      gx: grad ? bilinear(grad, x, y) : Number.NaN,
      gy: grad ? bilinear(grad, x, y, cells) : Number.NaN,
      hessian: null,
    };
  }

  /**
   * On an animation frame: show the exact reply if one is waiting (and still matches the handle), else
   * re-place the current reading after a view or surface change, without announcing a new frame.
   */
  private drawProbeFrame(): void {
    this.handle.relayout();
    const exact = this.pendingExact;
    this.pendingExact = null;
    const [hx, hy] = this.handle.position();
    if (exact && this.samePosition(exact.x, exact.y, hx, hy)) {
      this.showReading(exact);
      return;
    }
    const current = this.reading?.kind === "provisional" ? this.provisionalReading() : this.reading;
    if (!current) return;
    this.reading = current;
    this.drawOverlay(current);
    this.drawReadout(current);
  }

  private showReading(reading: ProbeReading): void {
    this.reading = reading;
    this.shared.probe = [reading.x, reading.y];
    this.drawOverlay(reading);
    this.drawReadout(reading);
    if (reading.kind === "exact") this.writeDataAttributes();
    const detail: FrameDetail = { kind: reading.kind, x: reading.x, y: reading.y, seq: reading.seq, time: performance.now() };
    this.root.dispatchEvent(new CustomEvent(FRAME_EVENT, { detail, bubbles: true }));
  }

  private writeDataAttributes(): void {
    const reading = this.reading;
    if (reading?.kind !== "exact") return;
    const data = this.root.dataset;
    data.exactX = String(reading.x);
    data.exactY = String(reading.y);
    data.exactSeq = String(reading.seq);
    data.value = String(reading.value);
  }

  private drawReadout(reading: ProbeReading): void {
    const approx = reading.kind === "provisional";
    const eq = approx ? "≈" : "=";
    const parts = [`f(${formatNumber(reading.x)}, ${formatNumber(reading.y)}) ${eq} ${valueOrGap(reading.value, approx)}`];
    if (Number.isFinite(reading.gx) && Number.isFinite(reading.gy)) {
      parts.push(`∇f ${eq} (${formatNumber(reading.gx)}, ${formatNumber(reading.gy)})`);
      parts.push(`|∇f| ${eq} ${formatNumber(Math.hypot(reading.gx, reading.gy))}`);
    }
    const eigen = this.eigenOf(reading);
    if (eigen) parts.push(`λ = ${formatNumber(eigen.values[0])}, ${formatNumber(eigen.values[1])}`);
    // One span per quantity so narrow layouts wrap between quantities, never inside one.
    this.readout.replaceChildren(...parts.map((text) => htmlElement("span", {}, text)));
    this.readout.classList.toggle("provisional", approx);
  }

  private eigenOf(reading: ProbeReading): ReturnType<typeof symmetricEigen2> | null {
    if (!reading.hessian || !this.model.get("show_hessian")) return null;
    const [hxx, hxy, hyy] = reading.hessian;
    if (![hxx, hxy, hyy].every(Number.isFinite)) return null;
    return symmetricEigen2(hxx, hxy, hyy);
  }

  private drawOverlay(reading: ProbeReading): void {
    this.overlay.classList.toggle("provisional", reading.kind === "provisional");
    const [px, py] = [this.scales.x(reading.x), this.scales.y(reading.y)];
    this.drawArrow(px, py, reading.gx, reading.gy);
    this.drawEigen(px, py, this.eigenOf(reading));
  }

  /** -grad f, scaled so a median gradient of the surface spans MEDIAN_ARROW of the plot. */
  private drawArrow(px: number, py: number, gx: number, gy: number): void {
    const size = Math.min(this.rect.width, this.rect.height);
    const magnitude = Math.hypot(gx, gy);
    const median = this.surface?.medianGrad ?? Number.NaN;
    const reference = Number.isFinite(median) && median > 0 ? median : magnitude;
    const lengthPx = Math.max(MIN_ARROW_PX, Math.min((magnitude / reference) * MEDIAN_ARROW * size, MAX_ARROW * size));
    // Direction in pixels of the data-space vector -grad (y flips on screen).
    const dx = -gx * this.pixelsPerUnit("x");
    const dy = gy * this.pixelsPerUnit("y");
    const norm = Math.hypot(dx, dy);
    // No arrow at a stationary point (relative to the typical slope) or without a gradient.
    if (!(Number.isFinite(lengthPx) && norm > 0 && magnitude > 1e-6 * reference)) {
      for (const part of [this.arrow, this.arrowHalo, this.arrowHead]) part.setAttribute("d", "");
      return;
    }
    const ux = dx / norm;
    const uy = dy / norm;
    const start = KNOB_RADIUS + 1;
    const head = Math.min(9, lengthPx * 0.4);
    const tipX = px + ux * lengthPx;
    const tipY = py + uy * lengthPx;
    const shaftEnd = lengthPx - head * 0.8;
    const line = `M${(px + ux * start).toFixed(1)},${(py + uy * start).toFixed(1)}L${(px + ux * shaftEnd).toFixed(1)},${(py + uy * shaftEnd).toFixed(1)}`;
    this.arrow.setAttribute("d", line);
    this.arrowHalo.setAttribute("d", line);
    const baseX = tipX - ux * head;
    const baseY = tipY - uy * head;
    const wing = head * 0.55;
    this.arrowHead.setAttribute(
      "d",
      `M${tipX.toFixed(1)},${tipY.toFixed(1)}L${(baseX - uy * wing).toFixed(1)},${(baseY + ux * wing).toFixed(1)}L${(baseX + uy * wing).toFixed(1)},${(baseY - ux * wing).toFixed(1)}Z`,
    );
  }

  /** Principal directions of the Hessian, half-length ~ 1/sqrt|lambda| (clipped); dashed when negative. */
  private drawEigen(px: number, py: number, eigen: ReturnType<typeof symmetricEigen2> | null): void {
    const segments = this.eigenGroup.children;
    if (!eigen) {
      while (segments.length) segments[0]!.remove();
      return;
    }
    const maxPx = MAX_EIGEN * Math.min(this.rect.width, this.rect.height);
    eigen.values.forEach((lambda, k) => {
      const [vx, vy] = eigen.vectors[k]!;
      const dx = vx * this.pixelsPerUnit("x");
      const dy = -vy * this.pixelsPerUnit("y");
      const pxPerUnit = Math.hypot(dx, dy);
      const half = Math.min(maxPx, Math.max(MIN_EIGEN_PX, pxPerUnit / Math.sqrt(Math.abs(lambda))));
      const ux = dx / pxPerUnit;
      const uy = dy / pxPerUnit;
      const segment = (segments[k] as SVGPathElement | undefined) ?? this.eigenGroup.appendChild(svgElement("path"));
      segment.setAttribute("class", lambda < 0 ? "eigen negative" : "eigen");
      segment.setAttribute("d", `M${(px - ux * half).toFixed(1)},${(py - uy * half).toFixed(1)}L${(px + ux * half).toFixed(1)},${(py + uy * half).toFixed(1)}`);
    });
  }

  private pixelsPerUnit(axis: "x" | "y"): number {
    const [lo, hi] = this.window[axis];
    return (axis === "x" ? this.rect.width : this.rect.height) / (hi - lo);
  }

  /** Equal up to float32 rounding relative to the view (Python may compute in float32). */
  private samePosition(ax: number, ay: number, bx: number, by: number): boolean {
    const tolX = 1e-6 * Math.max(this.window.x[1] - this.window.x[0], Math.abs(ax));
    const tolY = 1e-6 * Math.max(this.window.y[1] - this.window.y[0], Math.abs(ay));
    return Math.abs(ax - bx) <= tolX && Math.abs(ay - by) <= tolY;
  }
}

function valueOrGap(value: number, approx: boolean): string {
  if (Number.isFinite(value)) return formatNumber(value);
  return approx ? "…" : formatNumber(value);
}

function finiteOrNull(value: number | null | undefined): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

function exactReading(reply: ProbeReply, result: Float32Array): ProbeReading {
  const at = (k: number): number => result[k] ?? Number.NaN;
  return {
    kind: "exact",
    x: reply.x,
    y: reply.y,
    seq: reply.seq,
    value: at(0),
    gx: at(1),
    gy: at(2),
    hessian: [at(3), at(4), at(5)],
  };
}

export function render({ model, el }: RenderProps<SurfaceModel>): () => void {
  const view = new SurfaceView(model, el);
  return () => view.destroy();
}

export default { render };
