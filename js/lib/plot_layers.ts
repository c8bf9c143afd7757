/**
 * The layers of the plane's figure (lib/surface_plot.ts), bottom to top: the heatmap and colorbar on a
 * canvas; the SVG of contours, axes and colorbar axis; the widget's ink canvases (inserted before the
 * overlay); the overlay's own SVG. Each draw method redraws one layer for the given scales.
 */
import { drawAxes, drawColorbarAxis } from "./axes";
import { levels } from "./colormap";
import { gridToPixel, levelPath } from "./contour";
import { svgElement } from "./dom";
import { drawColorbar, drawHeatmap, hatchPattern } from "./heatmap";
import { Ink } from "./ink";
import type { CellGrid } from "./math";
import type { PlotRect, PlotScales } from "./scale";
import { CONTOUR_COUNT, type Surface } from "./surface_data";
import { readCanvasTheme, resolveColor } from "./theme";

/** Where things go in the figure, in px. */
export interface FigureFrame {
  width: number;
  height: number;
  plot: PlotRect;
  colorbar: PlotRect;
}

export class PlotLayers {
  /** The heatmap and the colorbar on the widget's background, the bottom layer (opaque where that is). */
  readonly heatmap: Ink;
  /** Contours, axes, colorbar axis; pan and zoom start on it. */
  readonly svg: SVGSVGElement;
  /** The overlay's own SVG, on top of everything (its empty parts let the pointer through). */
  readonly overlaySvg: SVGSVGElement;
  /** Clipped to the plot area; widgets draw here. */
  readonly overlay: SVGGElement;

  private readonly doc: Document;
  private readonly clipRects: SVGRectElement[] = [];
  private readonly contourGroup: SVGGElement;
  private readonly axesGroup: SVGGElement;
  private readonly colorbarGroup: SVGGElement;
  private hatch: { dpr: number; pattern: CanvasPattern | string } | null = null;

  /** Build the layers into `figure`; `clipId` prefixes the ids of the clip paths (unique per view). */
  constructor(figure: HTMLElement, clipId: string) {
    this.doc = figure.ownerDocument;
    this.heatmap = new Ink(this.doc, "heatmap");
    this.svg = svgElement("svg");
    this.contourGroup = svgElement("g", { class: "contours", "clip-path": this.plotClip(this.svg, `${clipId}-contours`) });
    this.axesGroup = svgElement("g", { class: "axis" });
    this.colorbarGroup = svgElement("g", { class: "axis colorbar-axis" });
    this.svg.append(this.contourGroup, this.axesGroup, this.colorbarGroup);
    this.overlaySvg = svgElement("svg", { class: "overlay-layer", "aria-hidden": "true" });
    this.overlay = svgElement("g", { class: "overlay", "clip-path": this.plotClip(this.overlaySvg, `${clipId}-overlay`) });
    this.overlaySvg.append(this.overlay);
    figure.append(this.heatmap.canvas, this.svg, this.overlaySvg);
  }

  /** A canvas between the contours and the overlay. */
  addInk(className: string): Ink {
    const ink = new Ink(this.doc, className);
    this.overlaySvg.before(ink.canvas);
    return ink;
  }

  /** Size the SVGs to the figure and their clip paths to the plot area. */
  resize({ width, height, plot }: FigureFrame): void {
    for (const svg of [this.svg, this.overlaySvg]) {
      svg.setAttribute("width", String(width));
      svg.setAttribute("height", String(height));
    }
    for (const [name, value] of Object.entries({ x: plot.left, y: plot.top, width: plot.width, height: plot.height })) {
      for (const rect of this.clipRects) rect.setAttribute(name, String(value));
    }
  }

  /** The heatmap under the plot area and the colorbar, on the widget's own background (`root`'s); true when
   * the surface's heatmap was drawn (false without a canvas or a colour image). */
  drawCanvas(root: HTMLElement, frame: FigureFrame, surface: Surface | null, scales: PlotScales): boolean {
    // Under the margins, the widget's own background (JupyterLab's --jp-layout-color0): where it is opaque,
    // so is this layer, and the compositor skips drawing the page beneath it on every frame of a drag.
    const view = this.doc.defaultView;
    const background = view?.getComputedStyle(root).backgroundColor;
    const ctx = this.heatmap.begin({ left: 0, top: 0, width: frame.width, height: frame.height }, background);
    if (!ctx) return false;
    const dpr = view?.devicePixelRatio ?? 1;
    const { plot } = frame;
    ctx.fillStyle = resolveColor(root, "--jp-layout-color2", "rgba(128, 128, 128, 0.12)");
    ctx.fillRect(plot.left, plot.top, plot.width, plot.height);
    if (surface?.image) {
      const hatch = surface.hasUndefined ? this.hatchFor(ctx, dpr) : null;
      drawHeatmap(ctx, surface.image, { target: gridPixelRect(surface.grid, scales), clip: plot }, hatch);
    }
    if (surface?.norm) drawColorbar(ctx, frame.colorbar, readCanvasTheme(root).border, this.doc);
    return Boolean(surface?.image);
  }

  drawContours(surface: Surface | null, scales: PlotScales): void {
    const levelsToDraw = surface?.contours ?? [];
    const grid = surface?.grid;
    const toPixel = grid ? gridToPixel(grid.nx, grid.ny, grid.x, grid.y, scales.x, scales.y) : null;
    const paths = this.contourGroup.children;
    levelsToDraw.forEach((level, k) => {
      const path = (paths[k] as SVGPathElement | undefined) ?? this.contourGroup.appendChild(svgElement("path"));
      path.setAttribute("d", toPixel ? levelPath(level, toPixel) : "");
      path.dataset.level = String(level.value);
    });
    while (paths.length > levelsToDraw.length) paths[paths.length - 1]!.remove();
  }

  drawAxes(frame: FigureFrame, surface: Surface | null, scales: PlotScales, labels: { x: string; y: string }): void {
    drawAxes(this.axesGroup, scales, frame.plot, labels);
    const norm = surface?.norm ?? null;
    drawColorbarAxis(this.colorbarGroup, norm, frame.colorbar, norm ? levels(norm, CONTOUR_COUNT) : []);
  }

  /** A clipPath to the plot area in `svg` (kept sized by resize), as a `clip-path` attribute value. */
  private plotClip(svg: SVGSVGElement, id: string): string {
    const clip = svgElement("clipPath", { id });
    const rect = svgElement("rect");
    clip.append(rect);
    const defs = svgElement("defs");
    defs.append(clip);
    svg.append(defs);
    this.clipRects.push(rect);
    return `url(#${id})`;
  }

  private hatchFor(ctx: CanvasRenderingContext2D, dpr: number): CanvasPattern | string {
    if (this.hatch?.dpr !== dpr) this.hatch = { dpr, pattern: hatchPattern(ctx, dpr, this.doc) };
    return this.hatch.pattern;
  }
}

/** Where the grid's extent lies in pixels under the current view (it may lag behind during pan/zoom). */
function gridPixelRect(grid: CellGrid, scales: PlotScales): PlotRect {
  const left = scales.x(grid.x[0]);
  const right = scales.x(grid.x[1]);
  const top = scales.y(grid.y[1]);
  const bottom = scales.y(grid.y[0]);
  return { left, top, width: right - left, height: bottom - top };
}
