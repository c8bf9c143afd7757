/**
 * The visible window in data coordinates: pure zoom and pan arithmetic, plus the pointer plumbing that turns
 * wheel and background drags into new windows.
 */
import { listen } from "./dom";
import type { Range2 } from "./scale";

export interface ViewWindow {
  x: Range2;
  y: Range2;
}

/**
 * Narrowest window we allow, relative to the magnitude of its centre, so float32 grids stay meaningful.
 * A little wider than the 1e-5 Python accepts (check_range), so a zoom never asks for a window it rejects.
 */
const MIN_RELATIVE_SPAN = 1.2e-5;

/** Scale `range` by `factor` (< 1 zooms in) keeping `anchor` at the same place. */
export function zoomRange(range: Range2, anchor: number, factor: number): [number, number] {
  const [lo, hi] = range;
  const newLo = anchor + (lo - anchor) * factor;
  const newHi = anchor + (hi - anchor) * factor;
  const centre = (newLo + newHi) / 2;
  const minSpan = Math.max(Math.abs(centre), 1) * MIN_RELATIVE_SPAN;
  if (newHi - newLo < minSpan) return [lo, hi];
  return [newLo, newHi];
}

/** Shift `range` by `delta` data units. */
export function panRange(range: Range2, delta: number): [number, number] {
  return [range[0] + delta, range[1] + delta];
}

/** Zoom factor for a wheel event: smooth for trackpads, one notch of a mouse wheel is about 15 %. */
export function wheelZoomFactor(event: Pick<WheelEvent, "deltaY" | "deltaMode">): number {
  const pixels = event.deltaMode === 1 ? event.deltaY * 16 : event.deltaMode === 2 ? event.deltaY * 400 : event.deltaY;
  const clamped = Math.max(-200, Math.min(200, pixels));
  return Math.exp(clamped * 0.0015);
}

export function sameWindow(a: ViewWindow, b: ViewWindow): boolean {
  return a.x[0] === b.x[0] && a.x[1] === b.x[1] && a.y[0] === b.y[0] && a.y[1] === b.y[1];
}

export interface PanZoomOptions {
  /** Current window and the pixel size of the plot area, read at event time. */
  window(): ViewWindow;
  plotSize(): { width: number; height: number };
  /** Pixel position (as from localPoint) -> data coordinates. */
  toData(px: number, py: number): [number, number];
  /** Event -> pixel position in the target's coordinates. */
  localPoint(event: MouseEvent): [number, number];
  /** Is this pixel position inside the plot area (axes and colorbar do not pan or zoom)? */
  contains(px: number, py: number): boolean;
  onWindow(window: ViewWindow): void;
  /** A press and release without moving: a click on the background (the event tells the modifier keys). */
  onClick?(x: number, y: number, event: PointerEvent): void;
  onReset(): void;
}

/** Pointer travel (px) below which a press and release counts as a click, not a pan. */
const CLICK_SLOP = 4;

/**
 * Background drag pans, wheel zooms about the pointer, double click resets. Returns a function that removes
 * every listener it added.
 */
export function attachPanZoom(target: Element, options: PanZoomOptions): () => void {
  let drag: { pointerId: number; startPx: [number, number]; startWindow: ViewWindow; moved: boolean } | null = null;

  const onPointerDown = (event: Event): void => {
    const e = event as PointerEvent;
    if (e.button !== 0 || drag !== null) return;
    const startPx = options.localPoint(e);
    if (!options.contains(...startPx)) return;
    drag = { pointerId: e.pointerId, startPx, startWindow: options.window(), moved: false };
    (target as Element & { setPointerCapture?(id: number): void }).setPointerCapture?.(e.pointerId);
    e.preventDefault();
  };

  const onPointerMove = (event: Event): void => {
    const e = event as PointerEvent;
    if (drag === null || e.pointerId !== drag.pointerId) return;
    const [px, py] = options.localPoint(e);
    const dxPx = px - drag.startPx[0];
    const dyPx = py - drag.startPx[1];
    if (!drag.moved && Math.hypot(dxPx, dyPx) < CLICK_SLOP) return;
    drag.moved = true;
    const { width, height } = options.plotSize();
    const start = drag.startWindow;
    const dx = (-dxPx / width) * (start.x[1] - start.x[0]);
    const dy = (dyPx / height) * (start.y[1] - start.y[0]);
    options.onWindow({ x: panRange(start.x, dx), y: panRange(start.y, dy) });
  };

  const onPointerUp = (event: Event): void => {
    const e = event as PointerEvent;
    if (drag === null || e.pointerId !== drag.pointerId) return;
    const wasClick = !drag.moved && e.type === "pointerup";
    drag = null;
    if (wasClick && options.onClick) {
      const [px, py] = options.localPoint(e);
      options.onClick(...options.toData(px, py), e);
    }
  };

  const onWheel = (event: Event): void => {
    const e = event as WheelEvent;
    const point = options.localPoint(e);
    // Outside the plot the page scrolls as usual.
    if (!options.contains(...point)) return;
    e.preventDefault();
    const factor = wheelZoomFactor(e);
    const [ax, ay] = options.toData(...point);
    const current = options.window();
    options.onWindow({ x: zoomRange(current.x, ax, factor), y: zoomRange(current.y, ay, factor) });
  };

  const onDoubleClick = (event: Event): void => {
    if (!options.contains(...options.localPoint(event as MouseEvent))) return;
    event.preventDefault();
    options.onReset();
  };

  return listen(target, [
    ["pointerdown", onPointerDown as (event: Event) => void],
    ["pointermove", onPointerMove as (event: Event) => void],
    ["pointerup", onPointerUp as (event: Event) => void],
    ["pointercancel", onPointerUp as (event: Event) => void],
    ["wheel", onWheel as (event: Event) => void, { passive: false }],
    ["dblclick", onDoubleClick],
  ]);
}
