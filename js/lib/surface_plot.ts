/**
 * The LossSurface picture, shared by every widget that draws on a surface (LossSurface, Descent): toolbar
 * (log scale, reset view), heatmap on a canvas, contours, axes and colorbar in SVG, wheel zoom / drag pan /
 * double-click reset (lib/plot_window.ts), theme and sizing. It composes the widget shell (lib/shell.ts:
 * root, title, banner, connection, client id, listeners, frames), which the widget uses for its own wiring
 * through `shell`. A widget adds its own overlay (probe, handles) into `overlay` and draws it in
 * `paintOverlay`; what it redraws on every reply (paths, arrows) goes on an `Ink` canvas from `addInk`.
 *
 * The overlay and the inks are compositing layers of their own (lib/plot_layers.ts), so a drag repaints
 * neither the heatmap nor the contours (repainting those cost the page more than drawing what moved).
 */
import type { BinaryLike } from "./arrays";
import { button, checkbox } from "./controls";
import { htmlElement, observeWidth } from "./dom";
import type { Ink } from "./ink";
import { type FigureFrame, PlotLayers } from "./plot_layers";
import { PlotWindow } from "./plot_window";
import { type AnyModel, hasSurface, type SurfaceModel } from "./protocol";
import { type PlotRect, type PlotScales, plotScales } from "./scale";
import { WidgetShell } from "./shell";
import { staticOk } from "./static";
import { colorize, decodeSurface, type Surface, surfaceNotes } from "./surface_data";
import { observeTheme } from "./theme";
import { attachPanZoom, type ViewWindow } from "./view";

export { CONTOUR_COUNT, type Surface } from "./surface_data";

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

export type PlotPart = "canvas" | "contours" | "axes" | "overlay";
const ALL_PARTS: PlotPart[] = ["canvas", "contours", "axes", "overlay"];

/** Boolean traits a toolbar checkbox can be bound to. */
type BooleanTrait<T> = { [K in keyof T & string]: T[K] extends boolean ? K : never }[keyof T & string];

export interface SurfacePlotOptions<T extends SurfaceModel> {
  model: AnyModel<T>;
  el: HTMLElement;
  /** Root element class suffix: `jaxwidgets jaxwidgets-<kind>`; also the client id's prefix. */
  kind: string;
  /** Accessible name of the plot's group of handles. */
  label: string;
  /** Widget-specific CSS, added after the shared style. */
  style?: string;
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
  /** Draw the widget's overlay on an animation frame. */
  paintOverlay(): void;
  /** Custom messages (the shell has routed the view requests' acks and errors already). */
  onMessage(content: unknown, buffers: readonly BinaryLike[]): void;
  /** The kernel connection is lost: stop the widget's own timers (the plot greys itself). */
  onDisconnect?(): void;
}

export class SurfacePlot<T extends SurfaceModel = SurfaceModel> {
  /** Root, title, banner, connection, client id, listeners and frames: the widget wires itself through it. */
  readonly shell: WidgetShell<T, PlotPart>;
  readonly model: AnyModel<T>;
  readonly root: HTMLDivElement;
  readonly toolbar: HTMLDivElement;
  readonly figure: HTMLDivElement;
  /** Clipped to the plot area, in the overlay's own SVG on top of the picture; widgets draw here. */
  readonly overlay: SVGGElement;
  /** Above everything: the handles' own layers (lib/drag.ts) go here. */
  readonly handles: HTMLDivElement;
  /** "undefined (NaN or ±inf)" / "refining…": widgets place it where they like. */
  readonly status: HTMLDivElement;

  private readonly options: SurfacePlotOptions<T>;
  private readonly view: PlotWindow<T>;
  private readonly layers: PlotLayers;
  private readonly logBox: HTMLInputElement;

  rect: PlotRect = { left: LAYOUT.marginLeft, top: LAYOUT.marginTop, width: LAYOUT.minPlot, height: LAYOUT.minPlot };
  scales: PlotScales;
  surface: Surface | null = null;
  figureWidth = 0;
  figureHeight = 0;
  /** The SVG's page box, cached while a pointer is pressed on it (no layout read per pointer move). */
  private svgBox: { left: number; top: number } | null = null;
  private pressed = false;

  constructor(options: SurfacePlotOptions<T>) {
    this.options = options;
    const shell = new WidgetShell<T, PlotPart>({
      model: options.model,
      el: options.el,
      kind: options.kind,
      style: options.style,
      paint: (parts) => this.paint(parts),
      onMessage: (content, buffers) => options.onMessage(content, buffers),
      onDisconnect: () => options.onDisconnect?.(),
    });
    this.shell = shell;
    this.model = shell.model;
    this.root = shell.root;
    this.view = new PlotWindow(shell, () => this.windowChanged());
    this.scales = plotScales(this.window.x, this.window.y, this.rect);

    this.toolbar = htmlElement("div", { class: "jaxwidgets-toolbar" });
    const reset = button("Reset view", { className: "reset-view", title: "Back to the initial view (or double-click the plot)" });
    this.toolbar.append(reset);
    shell.listen(reset, "click", () => this.view.reset());
    this.logBox = this.checkbox("log scale", "log_scale" as BooleanTrait<T>);

    this.figure = htmlElement("div", { class: "jaxwidgets-figure" });
    this.layers = new PlotLayers(this.figure, `jaxwidgets-clip-${shell.clientId}`);
    this.overlay = this.layers.overlay;
    this.handles = htmlElement("div", { class: "handle-layers", role: "group", "aria-label": options.label });
    this.figure.append(this.handles);
    this.status = htmlElement("div", { class: "legend status" });
    this.status.hidden = true;
    this.root.append(this.toolbar, this.figure);

    if (!shell.saved) this.attachPanZoom(); // a static copy holds one surface: no zoom or pan
    shell.onModel("_surface", () => this.surfaceChanged());
    shell.onModel("x_label", () => shell.invalidate("axes"));
    shell.onModel("y_label", () => shell.invalidate("axes"));
    shell.onModel("log_scale", () => this.logScaleChanged());
    shell.addCleanup(observeWidth(options.el, () => this.layout()));
    // The canvas holds theme colours (background, plot backdrop, colorbar border): redraw it on a new theme.
    shell.addCleanup(observeTheme(shell.doc, () => shell.invalidate("canvas")));
    this.cacheBoxWhilePressed();
    this.logBox.checked = Boolean(this.model.get("log_scale"));
  }

  /**
   * First layout and surface, and from now on the connection is watched: call once the widget has built its
   * overlay and its requesters (a view rendered after a kernel restart is disconnected at once).
   */
  start(): void {
    this.layout();
    this.surfaceChanged();
    this.shell.start();
  }

  destroy(): void {
    this.shell.destroy();
  }

  /** The window shown, in data coordinates. */
  get window(): ViewWindow {
    return this.view.current;
  }

  /** A canvas for what a widget redraws on every reply, between the contours and the overlay. */
  addInk(className: string): Ink {
    return this.layers.addInk(className);
  }

  /** A labelled checkbox in the toolbar, bound to a boolean trait (model.set + save_changes). */
  checkbox(text: string, trait: BooleanTrait<T>): HTMLInputElement {
    const { element, input } = checkbox(text, this.shell.doc);
    this.toolbar.insertBefore(element, this.toolbar.querySelector(".reset-view"));
    staticOk(element); // a trait the page draws from: works in a static copy too
    this.shell.listen(input, "change", () => {
      this.model.set(trait, input.checked as T[typeof trait]);
      this.model.save_changes();
    });
    return input;
  }

  private attachPanZoom(): void {
    // On the figure: presses on the overlay's empty parts pass through to it (handles stop theirs).
    const detach = attachPanZoom(this.figure, {
      window: () => this.window,
      plotSize: () => ({ width: this.rect.width, height: this.rect.height }),
      toData: (px, py) => this.toData(px, py),
      localPoint: (event) => this.localPoint(event),
      contains: (px, py) => this.insidePlot(px, py),
      onWindow: (window) => this.view.request(window),
      onClick: (x, y, event) => this.options.onClick?.(x, y, event),
      onReset: () => this.view.reset(),
    });
    this.shell.addCleanup(detach);
  }

  /**
   * Pointer positions need the SVG's page box. Reading it per move forces a layout of the whole JupyterLab
   * page whenever anything changed since the last frame (the readout, the paths): read it once per press,
   * and again only after a scroll or resize during the press.
   */
  private cacheBoxWhilePressed(): void {
    const pressed = (down: boolean) => (): void => {
      this.pressed = down;
      this.svgBox = null;
    };
    const forget = (): void => {
      this.svgBox = null;
    };
    this.shell.listen(this.figure, "pointerdown", pressed(true), { capture: true });
    this.shell.listen(this.figure, "pointerup", pressed(false), { capture: true });
    this.shell.listen(this.figure, "pointercancel", pressed(false), { capture: true });
    const view = this.shell.doc.defaultView;
    if (view) {
      this.shell.listen(view, "scroll", forget, { capture: true, passive: true });
      this.shell.listen(view, "resize", forget, { passive: true });
    }
  }

  // ---- geometry ----------------------------------------------------------------------------------------

  layout(): void {
    this.svgBox = null;
    // The root is at most 760 px wide (theme.ts; Descent's more, descent/style.ts): lay out within it, so the
    // colorbar labels are never cut.
    const available = this.root.clientWidth || this.shell.el.clientWidth || LAYOUT.minPlot + 200;
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
    this.layers.resize(this.frame());
    this.updateScales();
    this.options.onLayout?.(width, available);
    this.shell.invalidate(...ALL_PARTS);
  }

  private frame(): FigureFrame {
    const { rect } = this;
    const colorbar = { left: rect.left + rect.width + LAYOUT.colorbarGap, top: rect.top, width: LAYOUT.colorbarWidth, height: rect.height };
    return { width: this.figureWidth, height: this.figureHeight, plot: rect, colorbar };
  }

  private updateScales(): void {
    this.scales = plotScales(this.window.x, this.window.y, this.rect);
    this.options.onScales?.();
  }

  private windowChanged(): void {
    this.updateScales();
    this.shell.invalidate(...ALL_PARTS);
  }

  localPoint(event: MouseEvent): [number, number] {
    let box = this.pressed ? this.svgBox : null;
    if (box === null) {
      const rect = this.layers.svg.getBoundingClientRect();
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
      this.surface = decodeSurface(state, Boolean(this.model.get("log_scale")), this.shell.doc);
    } catch (error) {
      console.error("jaxwidgets: cannot decode _surface", error);
      return;
    }
    const { grid } = this.surface;
    this.view.follow({ x: grid.x, y: grid.y });
    this.root.dataset.surfaceGeneration = String(this.surface.generation);
    this.root.dataset.surfaceStage = this.surface.stage;
    this.updateStatus();
    this.shell.invalidate(...ALL_PARTS);
  }

  private updateStatus(): void {
    const notes = surfaceNotes(this.surface);
    this.status.replaceChildren();
    if (this.surface?.hasUndefined) this.status.append(htmlElement("span", { class: "undefined-swatch" }), " ");
    this.status.append(notes.join("   "));
    this.status.hidden = notes.length === 0;
  }

  private logScaleChanged(): void {
    const logScale = Boolean(this.model.get("log_scale"));
    this.logBox.checked = logScale;
    if (this.surface) colorize(this.surface, logScale, this.shell.doc);
    this.shell.invalidate("canvas", "contours");
  }

  // ---- drawing -----------------------------------------------------------------------------------------

  private paint(parts: ReadonlySet<PlotPart>): void {
    const { layers, surface, scales } = this;
    if (parts.has("canvas") && layers.drawCanvas(this.root, this.frame(), surface, scales) && surface) {
      // The surface on screen from this frame on: the first-picture benchmark waits for it.
      this.root.dataset.paintedGeneration = String(surface.generation);
    }
    if (parts.has("contours")) layers.drawContours(surface, scales);
    if (parts.has("axes")) {
      const labels = { x: this.model.get("x_label") ?? "x", y: this.model.get("y_label") ?? "y" };
      layers.drawAxes(this.frame(), surface, scales, labels);
    }
    if (parts.has("overlay")) this.options.paintOverlay();
  }
}
