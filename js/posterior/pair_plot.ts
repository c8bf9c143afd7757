/**
 * The pair plot: the draws of two sites per chain over the exact log density (when there is one), with
 * divergent draws as red crosses, the reference marked, and each site's marginal on the top and right edges.
 * Before the first draws of a run, its warm-up steps show as small faded dots.
 */
import { drawAxes } from "../lib/axes";
import { svgElement } from "../lib/dom";
import { drawHeatmap } from "../lib/heatmap";
import { plotScales, type PlotScales } from "../lib/scale";
import { drawContours, pairImage } from "./density";
import type { Frame } from "./frame";
import type { PairGeometry } from "./layout";
import { drawMarginals } from "./marginals";
import { createFigure, crossPath, drawChainDots, drawReference, type Figure, sizeFigure } from "./marks";
import { DIVERGENT_COLOR } from "./style";

let plots = 0;

export class PairPlot {
  readonly figure: Figure;
  private readonly doc: Document;
  private readonly axes: SVGGElement;
  private readonly contours: SVGGElement;
  private readonly clipRect: SVGRectElement;
  private geometry: PairGeometry | null = null;
  private drawnKey = "";

  constructor(doc: Document) {
    this.doc = doc;
    this.figure = createFigure(doc, "post-pair", "pair-draws", "pair plot of the draws");
    const clipId = `jaxwidgets-clip-posterior-${++plots}`;
    const clip = svgElement("clipPath", { id: clipId });
    this.clipRect = svgElement("rect");
    clip.append(this.clipRect);
    const defs = svgElement("defs");
    defs.append(clip);
    this.contours = svgElement("g", { class: "contours", "clip-path": `url(#${clipId})` });
    this.axes = svgElement("g", { class: "axis" });
    this.figure.svg.append(defs, this.contours, this.axes);
  }

  resize(geometry: PairGeometry): void {
    this.geometry = geometry;
    sizeFigure(this.figure, geometry.width, geometry.height);
    const { main } = geometry;
    for (const [name, value] of Object.entries({ x: main.left, y: main.top, width: main.width, height: main.height })) {
      this.clipRect.setAttribute(name, String(value));
    }
    this.drawnKey = "";
  }

  draw(frame: Frame): void {
    const g = this.geometry;
    if (!g) return;
    const { ix, iy, dense, stream } = frame;
    const xDomain = frame.domain.x ?? [0, 1];
    const yDomain = frame.domain.y ?? [0, 1];
    const scales = plotScales(xDomain, yDomain, g.main);
    // Axes and contours only change with the domain, the size or the density.
    const density = dense?.density;
    const key = `${xDomain}|${yDomain}|${g.main.width}|${ix}|${iy}|${density ? density.xSite + density.values.length : ""}|${dense?.transposed}`;
    if (key !== this.drawnKey) {
      this.drawnKey = key;
      drawAxes(this.axes, scales, g.main, { x: frame.sites[ix] ?? "", y: frame.sites[iy] ?? "" });
      drawContours(this.contours, scales, dense);
    }
    const ctx = this.figure.ink.begin({ left: 0, top: 0, width: g.width, height: g.height });
    if (!ctx) return;
    ctx.fillStyle = frame.background;
    ctx.fillRect(g.main.left, g.main.top, g.main.width, g.main.height);
    this.drawDensity(ctx, frame, scales);
    if (ix < 0 || iy < 0) return;
    ctx.save();
    ctx.beginPath();
    ctx.rect(g.main.left, g.main.top, g.main.width, g.main.height);
    ctx.clip();
    const drawn = this.drawDraws(ctx, frame, scales);
    ctx.restore();
    if (!drawn) return;
    drawMarginals(
      ctx,
      stream.store,
      [
        { site: ix, domain: xDomain, rect: g.top, vertical: false },
        { site: iy, domain: yDomain, rect: g.right, vertical: true },
      ],
      frame.theme,
    );
  }

  /** The density image under the draws, if there is one for this pair. */
  private drawDensity(ctx: CanvasRenderingContext2D, frame: Frame, scales: PlotScales): void {
    if (!frame.dense?.density.image || !this.geometry) return;
    const { image, x, y } = pairImage(frame.dense, this.doc);
    if (!image) return;
    const left = scales.x(x[0]);
    const top = scales.y(y[1]);
    ctx.save();
    ctx.globalAlpha = 0.85;
    drawHeatmap(
      ctx,
      image,
      { target: { left, top, width: scales.x(x[1]) - left, height: scales.y(y[0]) - top }, clip: this.geometry.main },
      null,
    );
    ctx.restore();
  }

  /** Warm-up dots, then the draws, divergences and the reference; false when there are no draws yet. */
  private drawDraws(ctx: CanvasRenderingContext2D, frame: Frame, scales: PlotScales): boolean {
    const { ix, iy, stream } = frame;
    const { store, warmup } = stream;
    // Warm-up steps (not draws): small faded dots, no marginals.
    if (stream.showingWarmup) drawChainDots(ctx, scales, warmup.values, warmup.count, warmup.sites, [ix, iy], 2, 0.3);
    const n = store.total;
    if (n === 0) return false;
    const many = n * store.chains > 4000;
    drawChainDots(ctx, scales, store.values, n, store.sites, [ix, iy], many ? 2 : 3, many ? 0.45 : 0.65);
    ctx.globalAlpha = 1;
    ctx.strokeStyle = DIVERGENT_COLOR;
    ctx.lineWidth = 1.6;
    ctx.beginPath();
    for (let c = 0; c < store.chains; c++) {
      const flags = store.diverging[c]!;
      for (let i = 0; i < n; i++) {
        if (flags[i] === 1) crossPath(ctx, scales.x(store.at(c, i, ix)), scales.y(store.at(c, i, iy)), 3.5);
      }
    }
    ctx.stroke();
    drawReference(ctx, scales, this.geometry!.main, [frame.reference(ix), frame.reference(iy)], frame.theme.text);
    return true;
  }
}
