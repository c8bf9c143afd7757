/**
 * Types of the wire protocol (src/jaxwidgets/_base.py describes it) and of the models, mirroring the
 * Python traits.
 * A minimal AnyModel interface stands in for "@anywidget/types" so the bundle has no extra dependency.
 */
import type { ArrayRecord, BinaryLike, BufferRecord } from "./arrays";

/** The part of anywidget's model API the widgets use, typed by the trait map `T`. */
export interface AnyModel<T extends object> {
  get<K extends keyof T & string>(key: K): T[K];
  set<K extends keyof T & string>(key: K, value: T[K]): void;
  save_changes(): void;
  on(event: string, callback: (...args: never[]) => void): void;
  off(event?: string | null, callback?: ((...args: never[]) => void) | null): void;
  send(content: unknown, callbacks?: unknown, buffers?: ArrayBuffer[] | ArrayBufferView[]): void;
}

export interface RenderProps<T extends object> {
  model: AnyModel<T>;
  el: HTMLElement;
}

export type Pair = [number, number];

/** `_surface`: the current heatmap, replaced as a whole (coarse first, then fine); `{}` before the first. */
export interface SurfaceState {
  values: ArrayRecord;
  grad: ArrayRecord;
  x_range: Pair;
  y_range: Pair;
  stage: "coarse" | "fine";
  generation: number;
  vmin: number | null;
  vmax: number | null;
}

/** Traits of LossSurface (src/jaxwidgets/surface.py). */
export interface SurfaceModel {
  x_range: Pair;
  y_range: Pair;
  resolution: number;
  probe: Pair;
  log_scale: boolean;
  show_hessian: boolean;
  x_label: string;
  y_label: string;
  title: string;
  error: string;
  _surface: SurfaceState | Record<string, never>;
  /** This widget's id, the same in every view (src/jaxwidgets/_base.py). */
  _instance?: string;
}

export function hasSurface(state: SurfaceModel["_surface"] | null | undefined): state is SurfaceState {
  return state !== null && state !== undefined && "values" in state && state.values !== undefined;
}

/** Traits of Descent (src/jaxwidgets/descent.py): LossSurface's plus these. */
export interface DescentModel extends SurfaceModel {
  starts: Pair[];
  optimizer_names: string[];
  /** Optimizer name -> CSS colour (Python's OPTIMIZER_COLORS): paths, legend and loss chart use it. */
  optimizer_colors: Record<string, string>;
  learning_rates: Record<string, number>;
  steps: number;
  max_steps: number;
  step: number;
}

// ---- JS -> Python -------------------------------------------------------------------------------------

export interface ProbeRequest {
  x: number;
  y: number;
  /**
   * A question, not a move: Python answers at its own probe and moves nothing. A view asks so on render, so
   * that a probe Python set after the view's state was sent (Run All) is not undone by the page.
   */
  fetch?: true;
}

export interface ViewRequest {
  x_range: Pair;
  y_range: Pair;
}

export type ResetViewRequest = Record<string, never>;

/** Descent: any of new starts, learning rates and step count; an empty request just asks for the runs. */
export interface RunsRequest {
  starts?: Pair[];
  learning_rates?: Record<string, number>;
  steps?: number;
}

// ---- Python -> JS -------------------------------------------------------------------------------------

export interface ProbeReply {
  type: "probe";
  seq: number;
  x: number;
  y: number;
  /** float32 [value, dfdx, dfdy, hxx, hxy, hyy]: the Hessian is always computed (show_hessian only draws it). */
  result: BufferRecord;
}

export interface ViewReply {
  type: "view" | "reset_view";
  seq: number;
}

export interface ErrorReply {
  type: "error";
  seq: number;
  request: "probe" | "view" | "reset_view" | "runs";
  message: string;
}

/**
 * Descent's runs (reply to a `runs` request, or sent unasked when Python changed an input; then seq is the
 * newest request seq Python has seen). Arrays: positions (S, O, steps + 1, 2), losses (S, O, steps + 1),
 * updates and velocities (S, O, steps, 2), for S starts and O optimizers in `names` order.
 */
export interface RunsReply {
  type: "runs";
  seq: number;
  starts: Pair[];
  learning_rates: Record<string, number>;
  steps: number;
  names: string[];
  /** Per optimizer, per start: the step where the path left the view or hit NaN/inf, or null. */
  diverged: (number | null)[][];
  positions: BufferRecord;
  losses: BufferRecord;
  updates: BufferRecord;
  velocities: BufferRecord;
}

export type ServerMessage = ProbeReply | ViewReply | ErrorReply | RunsReply;

export type CustomMessageHandler = (content: unknown, buffers?: readonly BinaryLike[]) => void;

/** Narrow an incoming custom message; unknown or malformed messages give null (and are ignored). */
export function parseServerMessage(content: unknown): ServerMessage | null {
  if (typeof content !== "object" || content === null) return null;
  const message = content as Partial<Record<string, unknown>>;
  if (typeof message.seq !== "number") return null;
  switch (message.type) {
    case "probe":
      return typeof message.x === "number" && typeof message.y === "number" && typeof message.result === "object"
        ? (content as ProbeReply)
        : null;
    case "view":
    case "reset_view":
      return content as ViewReply;
    case "runs":
      return Array.isArray(message.starts) &&
        Array.isArray(message.names) &&
        Array.isArray(message.diverged) &&
        typeof message.steps === "number" &&
        typeof message.positions === "object"
        ? (content as RunsReply)
        : null;
    case "error":
      return typeof message.message === "string" ? (content as ErrorReply) : null;
    default:
      return null;
  }
}

/** Payload of the `jaxwidgets:frame` event dispatched on the widget root after each painted probe frame. */
export interface FrameDetail {
  kind: "provisional" | "exact";
  x: number;
  y: number;
  seq: number;
  time: number;
}

export const FRAME_EVENT = "jaxwidgets:frame";
