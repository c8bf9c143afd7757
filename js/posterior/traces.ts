/** The trace plots: each pair site's draws per chain against the draw index, divergences crossed in red. */
import { drawAxes } from "../lib/axes";
import { clear, svgElement } from "../lib/dom";
import { type PlotRect, plotScales } from "../lib/scale";
import type { Frame } from "./frame";
import type { Size } from "./layout";
import { createFigure, crossPath, drawReference, type Figure, type Range, sizeFigure } from "./marks";
import { chainColor, DIVERGENT_COLOR, LAYOUT } from "./style";

export class TracePlots {
  readonly figure: Figure;
  private size: Size = { width: 0, height: 0 };

  constructor(doc: Document) {
    this.figure = createFigure(doc, "post-trace", "traces", "trace plots");
  }

  resize(size: Size): void {
    this.size = size;
    this.figure.svg.dataset.key = "";
    sizeFigure(this.figure, size.width, size.height);
  }

  draw(frame: Frame): void {
    const { width, height } = this.size;
    const samples = Math.max(frame.samples, frame.stream.store.total, 1);
    const plots = [
      { site: frame.ix, domain: frame.domain.x },
      { site: frame.iy, domain: frame.domain.y },
    ];
    const plotHeight = (height - 8) / 2;
    const rects: PlotRect[] = plots.map((_, k) => ({
      left: LAYOUT.left,
      top: LAYOUT.top + k * plotHeight,
      width: Math.max(40, width - LAYOUT.left - LAYOUT.traceRight),
      height: Math.max(30, plotHeight - 34),
    }));
    const svg = this.figure.svg;
    const axesKey = `${width}|${height}|${samples}|${frame.ix}|${frame.iy}|${frame.domain.x}|${frame.domain.y}`;
    if (svg.dataset.key !== axesKey) {
      svg.dataset.key = axesKey;
      clear(svg);
      plots.forEach((plot, k) => {
        const group = svgElement("g", { class: "axis" });
        svg.append(group);
        drawAxes(group, plotScales([0, samples], plot.domain ?? [0, 1], rects[k]!), rects[k]!, {
          x: k === 1 ? "draw" : "",
          y: frame.sites[plot.site] ?? "",
        });
      });
    }
    const ctx = this.figure.ink.begin({ left: 0, top: 0, width, height });
    if (!ctx) return;
    plots.forEach((plot, k) => {
      const rect = rects[k]!;
      ctx.fillStyle = frame.background;
      ctx.fillRect(rect.left, rect.top, rect.width, rect.height);
      if (plot.site >= 0 && frame.stream.store.total > 0 && plot.domain) drawTrace(ctx, frame, plot.site, plot.domain, rect, samples);
    });
  }
}

/** One site's trace per chain in `rect`, its divergent draws and its reference value. */
function drawTrace(ctx: CanvasRenderingContext2D, frame: Frame, site: number, domain: Range, rect: PlotRect, samples: number): void {
  const store = frame.stream.store;
  const scales = plotScales([0, samples], domain, rect);
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
    for (let i = 0, k = site; i < store.total; i++, k += store.sites) {
      const px = scales.x(i);
      const py = scales.y(rows[k]!);
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
      if (flags[i] === 1) crossPath(ctx, scales.x(i), scales.y(store.at(c, i, site)), 3);
    }
  }
  ctx.stroke();
  drawReference(ctx, scales, rect, [null, frame.reference(site)], frame.theme.text);
  ctx.restore();
}
