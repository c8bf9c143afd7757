/** Test helpers shared by the jsdom tests (not bundled: only *.test.ts files import it). */

import type { BinaryLike } from "./arrays";
import { LAYER_HALF } from "./drag";
import type { AnyModel } from "./protocol";

/** jsdom has no PointerEvent: a MouseEvent with a pointerId is all the widgets read. */
export function pointer(type: string, init: MouseEventInit & { pointerId?: number } = {}): MouseEvent {
  const event = new MouseEvent(type, { bubbles: true, cancelable: true, button: 0, ...init });
  Object.defineProperty(event, "pointerId", { value: init.pointerId ?? 1 });
  return event;
}

/** Where a handle (lib/drag.ts) is drawn, in the plot's pixels: its layer's translation plus half its side. */
export function handleCentre(handle: SVGGElement): [number, number] {
  const layer = handle.closest("svg")!;
  const [, x, y] = layer.style.transform.match(/translate\(([-\d.]+)px, ([-\d.]+)px\)/)!.map(Number);
  return [x! + LAYER_HALF, y! + LAYER_HALF];
}

/** Press a handle at its centre, as a user grabbing it would. */
export function pressHandle(handle: SVGGElement, init: MouseEventInit = {}): void {
  const [x, y] = handleCentre(handle);
  handle.dispatchEvent(pointer("pointerdown", { clientX: x, clientY: y, ...init }));
}

type Handler = (...args: unknown[]) => void;

/**
 * The anywidget model API over a plain object, recording what the view sends (for jsdom tests). `sent` holds
 * the view's requests; its buffer handshakes (lib/wire.ts) are kept apart in `wire`. With `dropBuffers` it
 * behaves as a manager that drops binary buffers both ways (Colab's CDN manager): `receive` delivers Python's
 * messages without theirs and `wire` records the page's handshakes without theirs.
 */
export class FakeModel<T extends object> implements AnyModel<T> {
  readonly sent: Record<string, unknown>[] = [];
  readonly wire: { content: Record<string, unknown>; buffers: readonly ArrayBuffer[] }[] = [];
  dropBuffers = false;
  saves = 0;
  private readonly handlers = new Map<string, Set<Handler>>();
  constructor(readonly state: T) {}
  get<K extends keyof T & string>(key: K): T[K] {
    return this.state[key];
  }
  set<K extends keyof T & string>(key: K, value: T[K]): void {
    this.state[key] = value;
    this.emit(`change:${key}`);
  }
  save_changes(): void {
    this.saves += 1;
  }
  on(event: string, callback: (...args: never[]) => void): void {
    if (!this.handlers.has(event)) this.handlers.set(event, new Set());
    this.handlers.get(event)!.add(callback as Handler);
  }
  off(event?: string | null, callback?: ((...args: never[]) => void) | null): void {
    if (event) this.handlers.get(event)?.delete(callback as Handler);
  }
  send(content: unknown, _callbacks?: unknown, buffers?: ArrayBuffer[] | ArrayBufferView[]): void {
    const message = content as Record<string, unknown>;
    if (message.type !== "_wire") this.sent.push(message);
    else this.wire.push({ content: message, buffers: this.dropBuffers ? [] : ((buffers ?? []) as ArrayBuffer[]) });
  }
  /** A custom message from Python, as the manager hands it to the view. */
  receive(content: unknown, buffers: readonly BinaryLike[] = []): void {
    this.emit("msg:custom", content, this.dropBuffers ? [] : buffers);
  }
  emit(event: string, ...args: unknown[]): void {
    for (const handler of [...(this.handlers.get(event) ?? [])]) handler(...args);
  }
  listenerCount(): number {
    return [...this.handlers.values()].reduce((n, set) => n + set.size, 0);
  }
}

/**
 * A 2D context that records the calls made on it, as `name(arg,arg)` strings with numbers to 1 decimal
 * (jsdom has no canvas). Property writes (strokeStyle, lineWidth...) are kept as plain fields.
 */
export function recordingContext(): { ctx: CanvasRenderingContext2D; calls: string[] } {
  const calls: string[] = [];
  const record =
    (name: string) =>
    (...args: unknown[]): void =>
      void calls.push(`${name}(${args.map((a) => (typeof a === "number" ? a.toFixed(1) : String(a))).join(",")})`);
  const ctx: Record<string, unknown> = { globalAlpha: 1 };
  const methods = [
    "beginPath",
    "moveTo",
    "lineTo",
    "arc",
    "stroke",
    "fill",
    "closePath",
    "setLineDash",
    "fillText",
    "strokeText",
    "save",
    "restore",
    "setTransform",
    "clearRect",
    "rect",
    "clip",
    "fillRect",
  ];
  for (const name of methods) ctx[name] = record(name);
  return { ctx: ctx as unknown as CanvasRenderingContext2D, calls };
}
