/** The pair plot's marginals: a histogram per chain of each pair site, as step lines on the top and right edges. */
import type { PlotRect } from "../lib/scale";
import type { CanvasTheme } from "../lib/theme";
import { type DrawStore, histogram } from "./draws";
import type { Range } from "./marks";
import { chainColor } from "./style";

export interface Marginal {
  site: number;
  domain: Range;
  rect: PlotRect;
  /** Along y (the right edge), bin 0 at the bottom; else along x (the top edge). */
  vertical: boolean;
}

export function drawMarginals(ctx: CanvasRenderingContext2D, store: DrawStore, marginals: readonly Marginal[], theme: CanvasTheme): void {
  for (const marginal of marginals) {
    const { rect, vertical } = marginal;
    const length = vertical ? rect.height : rect.width;
    const bins = Math.max(10, Math.min(60, Math.round(length / 8)));
    const { perChain, peak } = chainHistograms(store, marginal, bins);
    drawBaseline(ctx, rect, vertical, theme.border);
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

/** Each chain's share of the draws per bin, and the largest share. */
function chainHistograms(store: DrawStore, { site, domain }: Marginal, bins: number): { perChain: Float64Array[]; peak: number } {
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
  return { perChain, peak };
}

/** The marginal's edge against the scatter. */
function drawBaseline(ctx: CanvasRenderingContext2D, rect: PlotRect, vertical: boolean, color: string): void {
  ctx.strokeStyle = color;
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
}
