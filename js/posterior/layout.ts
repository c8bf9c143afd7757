/** Where the Posterior view's plots go for a given width: the pair plot, the traces beside or below it. */
import type { PlotRect } from "../lib/scale";
import { LAYOUT } from "./style";

export interface PairGeometry {
  width: number;
  height: number;
  /** The scatter, and its top and right marginals. */
  main: PlotRect;
  top: PlotRect;
  right: PlotRect;
}

export interface Size {
  width: number;
  height: number;
}

export interface Layout {
  pair: PairGeometry;
  traces: Size;
  predictive: Size;
}

/** The layout for a view `available` pixels wide (at most 760 are used). */
export function layoutFor(available: number): Layout {
  const width = Math.min(760, available);
  const chrome = LAYOUT.left + LAYOUT.gap + LAYOUT.marginal + LAYOUT.right;
  // Leave room for the trace plots beside the pair plot when the width allows a decent pair plot.
  const besideSide = width - chrome - 12 - LAYOUT.traceMin;
  const side = Math.round(
    besideSide >= LAYOUT.besideMin
      ? Math.min(LAYOUT.maxSide, besideSide)
      : Math.max(LAYOUT.minSide, Math.min(LAYOUT.maxSide, width - chrome)),
  );
  const main: PlotRect = { left: LAYOUT.left, top: LAYOUT.top + LAYOUT.marginal + LAYOUT.gap, width: side, height: side };
  const pair: PairGeometry = {
    width: side + chrome,
    height: main.top + side + LAYOUT.bottom,
    main,
    top: { left: main.left, top: LAYOUT.top, width: side, height: LAYOUT.marginal },
    right: { left: main.left + side + LAYOUT.gap, top: main.top, width: LAYOUT.marginal, height: side },
  };
  // Traces beside the pair plot when there is room, else below at full width.
  const rest = width - pair.width - 12;
  const traces = rest >= LAYOUT.traceMin ? { width: rest, height: pair.height } : { width, height: 2 * 130 };
  return { pair, traces, predictive: { width: Math.min(width, 640), height: 210 } };
}

/** A layout before the first measurement (nothing drawn yet). */
export const EMPTY_LAYOUT: Layout = layoutFor(0);
