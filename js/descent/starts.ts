/**
 * Descent's start points: one draggable handle each (lib/drag.ts), numbered from the second on. A click on
 * the plot moves the first start there, shift-click adds one (up to MAX_STARTS), alt-click or Delete on a
 * focused handle removes one (never the last).
 */
import { svgElement } from "../lib/dom";
import { createHandle, type Handle, KNOB_RADIUS } from "../lib/drag";
import type { DescentModel, Pair } from "../lib/protocol";
import type { SurfacePlot } from "../lib/surface_plot";

export const MAX_STARTS = 8;

export function startLabel(index: number): string {
  return index === 0 ? "start point" : `start point ${index + 1}`;
}

export interface StartEvents {
  /** A start moved, was added or removed (pointer, keyboard, click): the view sends all starts. */
  moved(): void;
  dragEnded(): void;
}

export class StartHandles {
  private readonly plot: SurfacePlot<DescentModel>;
  private readonly events: StartEvents;
  private handles: Handle[] = [];

  constructor(plot: SurfacePlot<DescentModel>, events: StartEvents) {
    this.plot = plot;
    this.events = events;
    // Alt-click (or Delete on a focused handle) removes a start; capture runs before the handle's own drag.
    plot.shell.listen(plot.handles, "pointerdown", (event) => this.maybeRemove(event as PointerEvent), { capture: true });
  }

  get count(): number {
    return this.handles.length;
  }

  positions(): Pair[] {
    return this.handles.map((h) => h.position());
  }

  /** The first start's position, where the frame events say the picture is. */
  first(): Pair | undefined {
    return this.handles[0]?.position();
  }

  dragging(): boolean {
    return this.handles.some((h) => h.dragging());
  }

  /** Make one handle per start (creating or removing handles as needed) and place them. */
  set(starts: readonly Pair[]): void {
    while (this.handles.length > starts.length) this.handles.pop()!.destroy();
    while (this.handles.length < starts.length) this.handles.push(this.makeHandle(this.handles.length));
    starts.forEach(([x, y], k) => {
      this.handles[k]!.setPosition(x, y);
    });
  }

  /** Labels and numbers in order (handles hold theirs from creation). */
  relabel(): void {
    this.handles.forEach((handle, k) => {
      handle.element.setAttribute("aria-label", startLabel(k));
      const number = handle.element.querySelector(".start-number");
      if (number) number.textContent = String(k + 1);
    });
  }

  /** Re-place the handles after the scales changed. */
  relayout(): void {
    for (const handle of this.handles) handle.relayout();
  }

  /** A click on the plot background: move the first start there, or with shift add one. */
  click(x: number, y: number, event: MouseEvent): void {
    const [cx, cy] = this.plot.clampToView(x, y);
    if (event.shiftKey) {
      if (this.handles.length >= MAX_STARTS) return;
      const handle = this.makeHandle(this.handles.length);
      this.handles.push(handle);
      handle.setPosition(cx, cy);
    } else {
      this.handles[0]?.setPosition(cx, cy);
    }
    this.events.moved();
  }

  destroy(): void {
    for (const handle of this.handles) handle.destroy();
  }

  private makeHandle(index: number): Handle {
    const plot = this.plot;
    const handle = createHandle({
      label: startLabel(index),
      eventToPixel: (event) => plot.localPoint(event),
      toData: (px, py) => plot.toData(px, py),
      toPixel: (x, y) => plot.toPixel(x, y),
      keyStep: () => plot.keyStep(),
      clamp: (x, y) => plot.clampToView(x, y),
      inPlot: (px, py) => plot.showsHandleAt(px, py),
      onMove: () => this.events.moved(),
      onDragEnd: () => this.events.dragEnded(),
    });
    handle.element.classList.add("start");
    if (index > 0) {
      const number = svgElement("text", { class: "start-number", x: KNOB_RADIUS + 3, y: -KNOB_RADIUS - 1 });
      number.textContent = String(index + 1);
      handle.element.append(number);
    }
    handle.element.addEventListener("keydown", (event) => {
      if ((event.key === "Delete" || event.key === "Backspace") && this.handles.length > 1) {
        event.preventDefault();
        this.remove(this.handles.indexOf(handle));
      }
    });
    plot.handles.append(handle.layer);
    return handle;
  }

  private maybeRemove(event: PointerEvent): void {
    if (!event.altKey || this.handles.length <= 1) return;
    const index = this.handles.findIndex((h) => h.element.contains(event.target as Node));
    if (index < 0) return;
    event.stopPropagation();
    event.preventDefault();
    this.remove(index);
  }

  private remove(index: number): void {
    if (index < 0 || this.handles.length <= 1) return;
    this.handles.splice(index, 1)[0]!.destroy();
    // Handles hold their label from creation: rebuild the numbers in order.
    const positions = this.positions();
    for (const handle of this.handles.splice(0)) handle.destroy();
    this.set(positions);
    this.relabel();
    this.events.moved();
  }
}
