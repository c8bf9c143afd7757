/**
 * Types of the Posterior wire protocol: the traits of src/jaxwidgets/posterior.py and the custom messages it
 * sends, with a tolerant parser (malformed messages give null). The acks and errors of the view's requests
 * (`run`, `stop`, `control`) are the shell's (lib/shell.ts).
 */
import type { ArrayRecord, BufferRecord } from "../lib/arrays";
import type { SummaryRow } from "./summary";

export type Status = "compiling" | "warmup" | "sampling" | "done" | "stopped" | "error";

export interface ChainProgress {
  chain: number;
  warmup: number;
  draws: number;
  divergences: number;
}

export interface ControlSpec {
  value: number;
  min: number;
  max: number;
  step: number;
  label: string;
}

export interface DensityState {
  /** (ny, nx) unnormalised log density; values[j, i] at (xs[i], ys[j]), xs = linspace(x_range, nx). */
  values: ArrayRecord;
  x_range: [number, number];
  y_range: [number, number];
  x_site: string;
  y_site: string;
}

export interface DataState {
  x: ArrayRecord;
  y?: ArrayRecord;
  kind: "points" | "histogram";
}

/** Traits of Posterior. */
export interface PosteriorModel {
  status: Status | string;
  progress: ChainProgress[];
  num_warmup: number;
  num_samples: number;
  num_chains: number;
  sites: string[];
  pair: [string, string];
  summary: SummaryRow[];
  controls: Record<string, ControlSpec>;
  error: string;
  title: string;
  /** Site -> a value marked in the pair and trace plots (the truth, the MLE, ...). */
  reference: Record<string, number>;
  reference_label: string;
  _density: DensityState | Record<string, never>;
  _data: DataState | Record<string, never>;
}

export function hasDensity(state: PosteriorModel["_density"] | null | undefined): state is DensityState {
  return typeof state === "object" && state !== null && "values" in state && state.values !== undefined;
}

export function hasData(state: PosteriorModel["_data"] | null | undefined): state is DataState {
  return typeof state === "object" && state !== null && "x" in state && state.x !== undefined;
}

// ---- Python -> JS ------------------------------------------------------------------------------------
// The sampler's messages are pushed to every view (`client: ""`, seq 0: nobody's reply); they are ordered by
// their `run` (a new run starts with a reset).

export interface ResetMessage {
  type: "reset";
  run: number;
}

export interface DrawsMessage {
  type: "draws";
  run: number;
  offset: number;
  draws: BufferRecord;
  diverging?: BufferRecord;
}

/** Warm-up steps [chains, length, sites] from warm-up iteration `iteration` on: shown faded, never draws. */
export interface WarmupMessage {
  type: "warmup";
  run: number;
  iteration: number;
  draws: BufferRecord;
}

export interface CurvesMessage {
  type: "curves";
  run: number;
  x: BufferRecord;
  curves: BufferRecord;
}

/** The reply to the view's `replay` request: every draw of the current run so far. */
export interface ReplayReply {
  type: "replay";
  seq: number;
  client?: string;
  run: number;
  draws: BufferRecord;
  diverging?: BufferRecord;
  x?: BufferRecord;
  curves?: BufferRecord;
}

export type PosteriorMessage = ResetMessage | DrawsMessage | WarmupMessage | CurvesMessage | ReplayReply;

function isRecord(value: unknown): value is BufferRecord {
  if (typeof value !== "object" || value === null) return false;
  const record = value as Partial<BufferRecord>;
  return typeof record.buffer === "number" && typeof record.dtype === "string" && Array.isArray(record.shape);
}

/** Narrow an incoming custom message; unknown or malformed ones give null. */
export function parsePosteriorMessage(content: unknown): PosteriorMessage | null {
  if (typeof content !== "object" || content === null) return null;
  const m = content as Record<string, unknown>;
  const run = typeof m.run === "number";
  const seq = typeof m.seq === "number";
  switch (m.type) {
    case "reset":
      return run ? (content as ResetMessage) : null;
    case "draws":
      return run && typeof m.offset === "number" && isRecord(m.draws) ? (content as DrawsMessage) : null;
    case "warmup":
      return run && typeof m.iteration === "number" && isRecord(m.draws) ? (content as WarmupMessage) : null;
    case "curves":
      return run && isRecord(m.x) && isRecord(m.curves) ? (content as CurvesMessage) : null;
    case "replay":
      return seq && run && isRecord(m.draws) ? (content as ReplayReply) : null;
    default:
      return null;
  }
}

/** Detail of the `jaxwidgets:frame` event after newly arrived draws were drawn. */
export interface DrawsFrameDetail {
  kind: "draws";
  run: number;
  total: number;
  /** Warm-up steps shown per chain (0 once draws arrived). */
  warmup: number;
  time: number;
}
