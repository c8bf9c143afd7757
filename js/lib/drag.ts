/**
 * A draggable point handle in SVG that is also a keyboard slider: role="slider", labelled, focusable,
 * arrow keys move it by 1 % of the view (10 % with shift). It reports every pointer move in data
 * coordinates, unthrottled; flow control happens later (flow.ts), so the handle itself never lags.
 *
 * Moves are taken from `pointerrawupdate` where the browser has it (Chromium, secure contexts such as
 * localhost): it is dispatched as soon as the input arrives, while `pointermove` waits for the next
 * animation frame, up to 16 ms later. The request to the kernel leaves that much earlier; the
 * `pointermove` that follows at the same place changes nothing. The raw listener is there only while the
 * handle is pressed: having one makes the browser deliver every raw input to the page.
 *
 * Each handle sits in its own small SVG, moved by a CSS transform on its own compositing layer: a move then
 * costs the page no paint or layout (in a trace of a 3 s Descent drag, paint 82 -> 2 ms and layout 41 -> 2
 * ms against a handle moved by its SVG `transform`), and the page's busy main thread answers replies sooner.
 */
import { listen, svgElement } from "./dom";
import { formatNumber } from "./format";

export interface HandleOptions {
  /** Accessible name, e.g. "probe". */
  label: string;
  /** Pixel position of a pointer event in the coordinates the handle is placed in. */
  eventToPixel(event: PointerEvent): [number, number];
  /** Pixel -> data, and data -> pixel to place the handle. */
  toData(px: number, py: number): [number, number];
  toPixel(x: number, y: number): [number, number];
  /** Keyboard step in data units: 1 % of the current view in x and y. */
  keyStep(): [number, number];
  /** Keep positions inside the view. */
  clamp(x: number, y: number): [number, number];
  /** Whether a pixel position is in the plot: the handle is hidden elsewhere (a start set outside the view). */
  inPlot(px: number, py: number): boolean;
  onMove(x: number, y: number, source: "pointer" | "keyboard"): void;
  onDragStart?(): void;
  onDragEnd?(): void;
}

export interface Handle {
  /** The slider itself (focus, events, ARIA), inside `layer`. */
  element: SVGGElement;
  /** The handle's own SVG, to be placed at the top left of the plot's coordinates. */
  layer: SVGSVGElement;
  /** Current position in data coordinates. */
  position(): [number, number];
  /** Place the handle (without emitting onMove). */
  setPosition(x: number, y: number): void;
  /** Re-place after the scales changed. */
  relayout(): void;
  dragging(): boolean;
  destroy(): void;
}

export const KNOB_RADIUS = 7;
/** Half the side of a handle's SVG: the knob, its grab disc and a start's number fit inside. */
export const LAYER_HALF = 24;

const KEY_DIRECTIONS: Record<string, [number, number]> = {
  ArrowLeft: [-1, 0],
  ArrowRight: [1, 0],
  ArrowUp: [0, 1],
  ArrowDown: [0, -1],
};

export function valueText(x: number, y: number): string {
  return `x = ${formatNumber(x)}, y = ${formatNumber(y)}`;
}

export function createHandle(options: HandleOptions, doc: Document = document): Handle {
  const element = svgElement("g", { class: "handle", role: "slider", "aria-label": options.label, tabindex: 0 }, doc);
  // A bigger invisible disc makes the handle easy to grab on touch screens.
  element.append(
    svgElement("circle", { r: KNOB_RADIUS + 8, fill: "transparent" }, doc),
    svgElement("circle", { class: "focus-ring", r: KNOB_RADIUS + 4 }, doc),
    svgElement("circle", { class: "knob", r: KNOB_RADIUS }, doc),
  );
  const side = 2 * LAYER_HALF;
  const layer = svgElement(
    "svg",
    { class: "handle-layer", width: side, height: side, viewBox: `${-LAYER_HALF} ${-LAYER_HALF} ${side} ${side}` },
    doc,
  );
  layer.append(element);
  let x = 0;
  let y = 0;
  let activePointer: number | null = null;
  // Where the knob's centre sits relative to the pointer, so grabbing it off-centre does not make it jump.
  let grabOffset: [number, number] = [0, 0];
  /** The pointer position (px) of the last move followed, so a pointermove after its rawupdate is a no-op. */
  let followed: [number, number] | null = null;

  const place = (): void => {
    const [px, py] = options.toPixel(x, y);
    // On whole device pixels: a layer placed between pixels is resampled, which blurs the knob.
    const dpr = doc.defaultView?.devicePixelRatio ?? 1;
    const onDevice = (v: number): string => `${(Math.round((v - LAYER_HALF) * dpr) / dpr).toFixed(2)}px`;
    layer.style.transform = `translate(${onDevice(px)}, ${onDevice(py)})`;
    const visibility = options.inPlot(px, py) ? "" : "hidden";
    if (layer.style.visibility !== visibility) layer.style.visibility = visibility;
    element.setAttribute("aria-valuetext", valueText(x, y));
    // The exact position, for tests and benchmarks (aria-valuetext is rounded for people).
    element.dataset.x = String(x);
    element.dataset.y = String(y);
  };

  const moveTo = (nx: number, ny: number, source: "pointer" | "keyboard"): void => {
    [x, y] = options.clamp(nx, ny);
    place();
    options.onMove(x, y, source);
  };

  const onPointerDown = (event: PointerEvent): void => {
    if (event.button !== 0 || activePointer !== null) return;
    // The background below pans the view: this press belongs to the handle only.
    event.stopPropagation();
    event.preventDefault();
    activePointer = event.pointerId;
    const [px, py] = options.eventToPixel(event);
    const [hx, hy] = options.toPixel(x, y);
    grabOffset = [hx - px, hy - py];
    followed = [px, py];
    element.setPointerCapture?.(event.pointerId);
    element.addEventListener("pointerrawupdate", onPointerMove as (event: Event) => void);
    // Focus so arrow keys work after a drag, without the keyboard focus ring (focusVisible where supported).
    element.focus({ preventScroll: true, focusVisible: false } as FocusOptions);
    options.onDragStart?.();
  };

  const onPointerMove = (event: PointerEvent): void => {
    if (event.pointerId !== activePointer) return;
    event.stopPropagation();
    const [px, py] = options.eventToPixel(event);
    if (followed !== null && followed[0] === px && followed[1] === py) return;
    followed = [px, py];
    moveTo(...options.toData(px + grabOffset[0], py + grabOffset[1]), "pointer");
  };

  /** Pointer up or cancel, or the capture lost without either (the drag ends all the same). */
  const onPointerUp = (event: PointerEvent): void => {
    if (event.pointerId !== activePointer) return;
    event.stopPropagation();
    activePointer = null;
    element.removeEventListener("pointerrawupdate", onPointerMove as (event: Event) => void);
    if (event.type !== "lostpointercapture") element.releasePointerCapture?.(event.pointerId);
    options.onDragEnd?.();
  };

  const onKeyDown = (event: KeyboardEvent): void => {
    const direction = KEY_DIRECTIONS[event.key];
    if (!direction) return;
    event.preventDefault();
    const [sx, sy] = options.keyStep();
    const factor = event.shiftKey ? 10 : 1;
    moveTo(x + direction[0] * sx * factor, y + direction[1] * sy * factor, "keyboard");
  };

  // The handle's own double click must not reach the background (which resets the view).
  const stop = (event: Event): void => event.stopPropagation();

  const unlisten = listen(element, [
    ["pointerdown", onPointerDown as (event: Event) => void],
    ["pointermove", onPointerMove as (event: Event) => void],
    ["pointerup", onPointerUp as (event: Event) => void],
    ["pointercancel", onPointerUp as (event: Event) => void],
    ["lostpointercapture", onPointerUp as (event: Event) => void],
    ["keydown", onKeyDown as (event: Event) => void],
    ["dblclick", stop],
  ]);

  return {
    element,
    layer,
    position: () => [x, y],
    setPosition(nx, ny) {
      x = nx;
      y = ny;
      place();
    },
    relayout: place,
    dragging: () => activePointer !== null,
    destroy() {
      unlisten();
      element.removeEventListener("pointerrawupdate", onPointerMove as (event: Event) => void);
      layer.remove();
    },
  };
}
