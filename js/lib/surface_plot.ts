/**
 * The LossSurface picture, shared by every widget that draws on a surface (LossSurface, Descent): title,
 * error banner, toolbar (log scale, reset view), heatmap on a canvas, contours, axes and colorbar in SVG,
 * wheel zoom / drag pan / double-click reset through the `view` and `reset_view` requests, theme and
 * sizing, and the disconnected state after a kernel restart (lib/connection.ts). A widget adds its own
 * overlay (probe, handles) into `overlay` and draws it in `paintOverlay`; what it redraws on every reply
 * (paths, arrows) goes on an `Ink` canvas from `addInk`.
 *
 * Layers, bottom to top: the heatmap canvas; the SVG of contours and axes; the ink canvases; the overlay's
 * own SVG. The overlay and the inks are separate compositing layers, so a drag repaints neither the heatmap
 * nor the contours (repainting those cost the page more than drawing what moved).
 */
import { type BinaryLike, asFloat32, decodeArray } from "./arrays";
import { drawAxes, drawColorbarAxis } from "./axes";
import { createBanner } from "./banner";
import { levels, makeNormalization, type Normalization } from "./colormap";
import { Connection } from "./connection";
import { type ContourLevel, contourLevels, gridToPixel, levelPath } from "./contour";
import { htmlElement, observeWidth, svgElement } from "./dom";
import { Ink } from "./ink";
import { Requester } from "./flow";
import { drawColorbar, drawHeatmap, gridImage, hasUndefined, hatchPattern } from "./heatmap";
import { type CellGrid, finiteMedian, gradientMagnitudes } from "./math";
import { type AnyModel, hasSurface, type SurfaceModel, type SurfaceState, type ViewRequest } from "./protocol";
import { type PlotRect, type PlotScales, plotScales } from "./scale";
import { injectStyle, observeTheme, readCanvasTheme, resolveColor } from "./theme";
import { attachPanZoom, sameWindow, type ViewWindow } from "./view";
import { sharedState } from "./shared";

export const LAYOUT = {
  marginLeft: 62,
  marginTop: 8,
  marginBottom: 46,
  colorbarGap: 16,
  colorbarWidth: 14,
  colorbarLabels: 58,
  minPlot: 260,
  maxPlot: 640,
};

export const CONTOUR_COUNT = 10;

/** A decoded `_surface` with everything derived from it that does not depend on the view. */
export interface Surface {
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

export type PlotPart = "canvas" | "contours" | "axes" | "overlay";

/** Boolean traits a toolbar checkbox can be bound to. */
type BooleanTrait<T> = { [K in keyof T & string]: T[K] extends boolean ? K : never }[keyof T & string];

export interface SurfacePlotOptions<T extends SurfaceModel> {
  model: AnyModel<T>;
  el: HTMLElement;
  /** Root element class suffix: `jaxwidgets jaxwidgets-<kind>`. */
  kind: string;
  /** Accessible name of the plot's SVG group. */
  label: string;
  /** A click (press and release without moving) on the plot background, in data coordinates. */
  onClick?(x: number, y: number, event: MouseEvent): void;
  /** The scales changed (resize, zoom, pan): re-place handles. The overlay is invalidated as well. */
  onScales?(): void;
  /**
   * The side of the square plot area for `available` px of width, of which `chrome` go to the axes and the
   * colorbar. Default: as wide as fits, within LAYOUT.minPlot..LAYOUT.maxPlot.
   */
  plotSide?(available: number, chrome: number): number;
  /** The layout changed: the figure is now `width` px wide, in a widget `available` px wide. */
  onLayout?(width: number, available: number): void;
  /** A new surface arrived (already decoded and drawn on the next frame). */
  onSurface?(): void;
  /** Draw the widget's overlay on an animation frame. */
  paintOverlay(): void;
  /** Custom messages that are not view acknowledgements. */
  onMessage(content: unknown, buffers: readonly BinaryLike[]): void;
  /** The kernel connection is lost: stop the widget's own requesters and timers (the plot greys itself). */
  onDisconnect?(): void;
}

let instanceCount = 0;

/** A per-view id for the `client` field of requests (Python echoes it in the reply). */
export function newClientId(kind: string, id: number): string {
  return `${kind}-${id}-${Math.random().toString(36).slice(2, 10)}`;
}

function isViewAck(content: unknown): content is { seq: number } {
  if (typeof content !== "object" || content === null) return false;
  const message = content as Record<string, unknown>;
  if (typeof message.seq !== "number") return false;
  if (message.type === "view" || message.type === "reset_view") return true;
  return message.type === "error" && (message.request === "view" || message.request === "reset_view");
}

export class SurfacePlot<T extends SurfaceModel = SurfaceModel> {
  readonly model: AnyModel<T>;
  readonly el: HTMLElement;
  readonly doc: Document;
  readonly root: HTMLDivElement;
  readonly title: HTMLDivElement;
  readonly banner = createBanner();
  readonly toolbar: HTMLDivElement;
  readonly figure: HTMLDivElement;
  /** The heatmap and the colorbar on the widget's background, the bottom layer (opaque where that is). */
  readonly heatmap: Ink;
  /** Contours, axes, colorbar axis; pan and zoom start on it. */
  readonly svg: SVGSVGElement;
  /** The overlay's own SVG, on top of everything (its empty parts let the pointer through). */
  readonly overlaySvg: SVGSVGElement;
  /** Clipped to the plot area; widgets draw here. */
  readonly overlay: SVGGElement;
  /** Above everything: the handles' own layers (lib/drag.ts) go here. */
  readonly handles: HTMLDivElement;
  /** "undefined (NaN or ±inf)" / "refining…": widgets place it where they like. */
  readonly status: HTMLDivElement;
  readonly id = ++instanceCount;
  /** This view's `client` id, sent with its requests; widgets use it for their own requesters too. */
  readonly clientId: string;
  /** Requests go through `connection.send` (nothing is sent once the kernel connection is lost). */
  readonly connection: Connection;

  private readonly options: SurfacePlotOptions<T>;
  /** The window the views of this widget show (Python does not echo page zooms back). */
  private readonly shared: { window?: ViewWindow };
  private readonly cleanups: (() => void)[] = [];
  private readonly logBox: HTMLInputElement;
  private readonly clipRects: SVGRectElement[] = [];
  private readonly contourGroup: SVGGElement;
  private readonly axesGroup: SVGGElement;
  private readonly colorbarGroup: SVGGElement;
  private readonly viewRequester: Requester<ViewRequest | { type: "reset_view" }>;

  window: ViewWindow;
  rect: PlotRect = { left: LAYOUT.marginLeft, top: LAYOUT.marginTop, width: LAYOUT.minPlot, height: LAYOUT.minPlot };
  scales: PlotScales;
  surface: Surface | null = null;
  figureWidth = 0;
  figureHeight = 0;
  private resetPending = false;
  private hatch: { dpr: number; pattern: CanvasPattern | string } | null = null;
  private frame: number | null = null;
  /** The SVG's page box, cached while a pointer is pressed on it (no layout read per pointer move). */
  private svgBox: { left: number; top: number } | null = null;
  private pressed = false;
  private dirty: Record<PlotPart, boolean> = { canvas: false, contours: false, axes: false, overlay: false };

  constructor(options: SurfacePlotOptions<T>) {
    this.options = options;
    this.model = options.model;
    this.el = options.el;
    this.doc = options.el.ownerDocument;
    this.shared = sharedState<{ window: ViewWindow }>(options.model);
    this.clientId = newClientId(options.kind, this.id);
    this.window = this.shared.window ?? { x: this.model.get("x_range"), y: this.model.get("y_range") };
    this.scales = plotScales(this.window.x, this.window.y, this.rect);

    this.root = htmlElement("div", { class: `jaxwidgets jaxwidgets-${options.kind}` });
    injectStyle(this.root);
    this.title = htmlElement("div", { class: "jaxwidgets-title" });
    this.toolbar = htmlElement("div", { class: "jaxwidgets-toolbar" });
    this.logBox = this.checkbox("log scale", "log_scale" as BooleanTrait<T>);
    const reset = htmlElement("button", { type: "button", class: "reset-view", title: "Back to the initial view (or double-click the plot)" }, "Reset view");
    this.toolbar.append(reset);
    this.listen(reset, "click", () => this.requestReset());

    this.figure = htmlElement("div", { class: "jaxwidgets-figure" });
    this.heatmap = new Ink(this.doc, "heatmap");
    this.svg = svgElement("svg");
    this.contourGroup = svgElement("g", { class: "contours", "clip-path": this.plotClip(this.svg, "contours") });
    this.axesGroup = svgElement("g", { class: "axis" });
    this.colorbarGroup = svgElement("g", { class: "axis colorbar-axis" });
    this.svg.append(this.contourGroup, this.axesGroup, this.colorbarGroup);
    this.overlaySvg = svgElement("svg", { class: "overlay-layer", "aria-hidden": "true" });
    this.overlay = svgElement("g", { class: "overlay", "clip-path": this.plotClip(this.overlaySvg, "overlay") });
    this.overlaySvg.append(this.overlay);
    this.handles = htmlElement("div", { class: "handle-layers", role: "group", "aria-label": options.label });
    this.figure.append(this.heatmap.canvas, this.svg, this.overlaySvg, this.handles);
    this.status = htmlElement("div", { class: "legend status" });
    this.status.hidden = true;
    this.root.append(this.title, this.banner.element, this.toolbar, this.figure);
    this.el.append(this.root);

    this.connection = new Connection({
      model: this.model,
      el: this.el,
      root: this.root,
      onLost: () => {
        this.viewRequester.dispose();
        this.options.onDisconnect?.();
      },
    });
    this.cleanups.push(() => this.connection.dispose());
    this.viewRequester = new Requester<ViewRequest | { type: "reset_view" }>({
      type: "view",
      send: (m) => this.connection.send(m),
      onIdle: () => this.viewSettled(),
      client: this.clientId,
    });

    this.attachPanZoom();
    this.onModel("_surface", () => this.surfaceChanged());
    this.onModel("error", () => this.banner.set(this.model.get("error")));
    this.onModel("title", () => (this.title.textContent = this.model.get("title") ?? ""));
    this.onModel("x_label", () => this.invalidate("axes"));
    this.onModel("y_label", () => this.invalidate("axes"));
    this.onModel("log_scale", () => this.logScaleChanged());
    this.onModel("x_range", () => this.modelWindowChanged());
    this.onModel("y_range", () => this.modelWindowChanged());
    this.onEvent("msg:custom", ((content: unknown, buffers?: readonly BinaryLike[]) => {
      if (isViewAck(content)) this.viewRequester.acceptOwn(content);
      else this.options.onMessage(content, buffers ?? []);
    }) as (...args: never[]) => void);
    this.observeSize();
    // The canvas holds theme colours (background, plot backdrop, colorbar border): redraw it on a new theme.
    this.cleanups.push(observeTheme(this.doc, () => this.invalidate("canvas")));
    this.cacheBoxWhilePressed();

    this.title.textContent = this.model.get("title") ?? "";
    this.banner.set(this.model.get("error"));
    this.logBox.checked = Boolean(this.model.get("log_scale"));
  }

  /**
   * First layout and surface, and from now on the connection is watched: call once the widget has built its
   * overlay and its requesters (a view rendered after a kernel restart is disconnected at once).
   */
  start(): void {
    this.layout();
    this.surfaceChanged();
    this.connection.watch();
  }

  destroy(): void {
    if (this.frame !== null) cancelAnimationFrame(this.frame);
    this.frame = null;
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    this.viewRequester.dispose();
    this.root.remove();
  }

  // ---- wiring (widgets use these too, so one destroy() cleans everything) -------------------------------

  listen(target: EventTarget, type: string, handler: (event: Event) => void, options?: AddEventListenerOptions): void {
    target.addEventListener(type, handler, options);
    this.cleanups.push(() => target.removeEventListener(type, handler, options));
  }

  onEvent(event: string, handler: (...args: never[]) => void): void {
    this.model.on(event, handler);
    this.cleanups.push(() => this.model.off(event, handler));
  }

  onModel(trait: keyof T & string, handler: () => void): void {
    this.onEvent(`change:${trait}`, handler);
  }

  addCleanup(cleanup: () => void): void {
    this.cleanups.push(cleanup);
  }

  /** A canvas for what a widget redraws on every reply, between the contours and the overlay. */
  addInk(className: string): Ink {
    const ink = new Ink(this.doc, className);
    this.figure.insertBefore(ink.canvas, this.overlaySvg);
    return ink;
  }

  /** A clipPath to the plot area in `svg` (kept sized by layout), as a `clip-path` attribute value. */
  private plotClip(svg: SVGSVGElement, name: string): string {
    const id = `jaxwidgets-clip-${this.options.kind}-${this.id}-${name}`;
    const clip = svgElement("clipPath", { id });
    const rect = svgElement("rect");
    clip.append(rect);
    const defs = svgElement("defs");
    defs.append(clip);
    svg.append(defs);
    this.clipRects.push(rect);
    return `url(#${id})`;
  }

  /** A labelled checkbox in the toolbar, bound to a boolean trait (model.set + save_changes). */
  checkbox(text: string, trait: BooleanTrait<T>): HTMLInputElement {
    const label = htmlElement("label");
    const box = htmlElement("input", { type: "checkbox" });
    label.append(box, this.doc.createTextNode(text));
    const reset = this.toolbar.querySelector(".reset-view");
    this.toolbar.insertBefore(label, reset);
    this.listen(box, "change", () => {
      this.model.set(trait, box.checked as T[typeof trait]);
      this.model.save_changes();
    });
    return box;
  }

  private attachPanZoom(): void {
    // On the figure: presses on the overlay's empty parts pass through to it (handles stop theirs).
    const detach = attachPanZoom(this.figure, {
      window: () => this.window,
      plotSize: () => ({ width: this.rect.width, height: this.rect.height }),
      toData: (px, py) => this.toData(px, py),
      localPoint: (event) => this.localPoint(event),
      contains: (px, py) => this.insidePlot(px, py),
      onWindow: (window) => this.requestWindow(window),
      onClick: (x, y, event) => this.options.onClick?.(x, y, event),
      onReset: () => this.requestReset(),
    });
    this.cleanups.push(detach);
  }

  /**
   * Pointer positions need the SVG's page box. Reading it per move forces a layout of the whole JupyterLab
   * page whenever anything changed since the last frame (the readout, the paths): read it once per press,
   * and again only after a scroll or resize during the press.
   */
  private cacheBoxWhilePressed(): void {
    const press = (): void => {
      this.pressed = true;
      this.svgBox = null;
    };
    const release = (): void => {
      this.pressed = false;
      this.svgBox = null;
    };
    const forget = (): void => {
      this.svgBox = null;
    };
    this.listen(this.figure, "pointerdown", press, { capture: true });
    this.listen(this.figure, "pointerup", release, { capture: true });
    this.listen(this.figure, "pointercancel", release, { capture: true });
    const view = this.doc.defaultView;
    if (view) {
      this.listen(view, "scroll", forget, { capture: true, passive: true });
      this.listen(view, "resize", forget, { passive: true });
    }
  }

  private observeSize(): void {
    this.cleanups.push(observeWidth(this.el, () => this.layout()));
  }

  // ---- geometry ----------------------------------------------------------------------------------------

  layout(): void {
    this.svgBox = null;
    // The root is at most 760 px wide (theme.ts; Descent's more): lay out within it, so the colorbar labels
    // are never cut.
    const available = this.root.clientWidth || this.el.clientWidth || LAYOUT.minPlot + 200;
    const chrome = LAYOUT.marginLeft + LAYOUT.colorbarGap + LAYOUT.colorbarWidth + LAYOUT.colorbarLabels;
    const fit = this.options.plotSide?.(available, chrome) ?? Math.min(LAYOUT.maxPlot, available - chrome);
    const side = Math.round(Math.max(LAYOUT.minPlot, fit));
    this.rect = { left: LAYOUT.marginLeft, top: LAYOUT.marginTop, width: side, height: side };
    const width = side + chrome;
    const height = side + LAYOUT.marginTop + LAYOUT.marginBottom;
    this.figureWidth = width;
    this.figureHeight = height;
    this.figure.style.width = `${width}px`;
    this.figure.style.height = `${height}px`;
    for (const svg of [this.svg, this.overlaySvg]) {
      svg.setAttribute("width", String(width));
      svg.setAttribute("height", String(height));
    }
    for (const [name, value] of Object.entries({ x: this.rect.left, y: this.rect.top, width: side, height: side })) {
      for (const rect of this.clipRects) rect.setAttribute(name, String(value));
    }
    this.updateScales();
    this.options.onLayout?.(width, available);
    this.invalidate("canvas", "contours", "axes", "overlay");
  }

  colorbarRect(): PlotRect {
    return { left: this.rect.left + this.rect.width + LAYOUT.colorbarGap, top: this.rect.top, width: LAYOUT.colorbarWidth, height: this.rect.height };
  }

  private updateScales(): void {
    this.scales = plotScales(this.window.x, this.window.y, this.rect);
    this.options.onScales?.();
  }

  localPoint(event: MouseEvent): [number, number] {
    let box = this.pressed ? this.svgBox : null;
    if (box === null) {
      const rect = this.svg.getBoundingClientRect();
      box = { left: rect.left, top: rect.top };
      if (this.pressed) this.svgBox = box;
    }
    return [event.clientX - box.left, event.clientY - box.top];
  }

  toData(px: number, py: number): [number, number] {
    return [this.scales.x.invert(px), this.scales.y.invert(py)];
  }

  toPixel(x: number, y: number): [number, number] {
    return [this.scales.x(x), this.scales.y(y)];
  }

  /** Whether a handle at this pixel position is shown: in the plot area (a handle clamped to its edge sits
   * on it up to rounding). */
  showsHandleAt(px: number, py: number): boolean {
    return this.insidePlot(px, py, 0.5);
  }

  /** Whether a pixel position is in the plot area, or within `slack` px of it. */
  insidePlot(px: number, py: number, slack = 0): boolean {
    const r = this.rect;
    return px >= r.left - slack && px <= r.left + r.width + slack && py >= r.top - slack && py <= r.top + r.height + slack;
  }

  clampToView(x: number, y: number): [number, number] {
    const clamp = (v: number, [lo, hi]: readonly [number, number]): number => Math.min(hi, Math.max(lo, v));
    return [clamp(x, this.window.x), clamp(y, this.window.y)];
  }

  /** Keyboard step of a handle: 1 % of the view. */
  keyStep(): [number, number] {
    return [(this.window.x[1] - this.window.x[0]) / 100, (this.window.y[1] - this.window.y[0]) / 100];
  }

  pixelsPerUnit(axis: "x" | "y"): number {
    const [lo, hi] = this.window[axis];
    return (axis === "x" ? this.rect.width : this.rect.height) / (hi - lo);
  }

  /** Equal up to float32 rounding relative to the view (Python may compute in float32). */
  samePosition(ax: number, ay: number, bx: number, by: number): boolean {
    const tolX = 1e-6 * Math.max(this.window.x[1] - this.window.x[0], Math.abs(ax));
    const tolY = 1e-6 * Math.max(this.window.y[1] - this.window.y[0], Math.abs(ay));
    return Math.abs(ax - bx) <= tolX && Math.abs(ay - by) <= tolY;
  }

  // ---- the surface -------------------------------------------------------------------------------------

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
    this.updateStatus();
    this.options.onSurface?.();
    this.invalidate("canvas", "contours", "axes", "overlay");
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

  private updateStatus(): void {
    const parts: string[] = [];
    if (this.surface?.hasUndefined) parts.push("undefined (NaN or ±inf)");
    if (this.surface?.stage === "coarse") parts.push("refining…");
    this.status.replaceChildren();
    if (this.surface?.hasUndefined) this.status.append(htmlElement("span", { class: "undefined-swatch" }), " ");
    this.status.append(parts.join("   "));
    this.status.hidden = parts.length === 0;
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

  // ---- the window --------------------------------------------------------------------------------------

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

  requestWindow(window: ViewWindow): void {
    this.resetPending = false;
    this.setWindow(window);
    this.viewRequester.request({ x_range: [...window.x], y_range: [...window.y] });
  }

  requestReset(): void {
    this.resetPending = true;
    this.viewRequester.request({ type: "reset_view" });
  }

  private setWindow(window: ViewWindow): void {
    this.window = { x: [...window.x], y: [...window.y] };
    this.shared.window = this.window;
    this.updateScales();
    this.invalidate("canvas", "contours", "axes", "overlay");
  }

  // ---- drawing -----------------------------------------------------------------------------------------

  invalidate(...parts: PlotPart[]): void {
    for (const part of parts) this.dirty[part] = true;
    if (this.frame === null && typeof requestAnimationFrame !== "undefined") {
      this.frame = requestAnimationFrame(() => this.paint());
    }
  }

  private paint(): void {
    this.frame = null;
    const dirty = this.dirty;
    this.dirty = { canvas: false, contours: false, axes: false, overlay: false };
    if (dirty.canvas) this.drawCanvas();
    if (dirty.contours) this.drawContours();
    if (dirty.axes) this.drawAxesAndColorbar();
    if (dirty.overlay) this.options.paintOverlay();
  }

  private drawCanvas(): void {
    // Under the margins, the widget's own background (JupyterLab's --jp-layout-color0): where it is opaque,
    // so is this layer, and the compositor skips drawing the page beneath it on every frame of a drag.
    const background = this.doc.defaultView?.getComputedStyle(this.root).backgroundColor;
    const ctx = this.heatmap.begin({ left: 0, top: 0, width: this.figureWidth, height: this.figureHeight }, background);
    if (!ctx) return;
    const dpr = this.doc.defaultView?.devicePixelRatio ?? 1;
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
}

function finiteOrNull(value: number | null | undefined): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}
