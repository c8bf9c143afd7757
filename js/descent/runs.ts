/**
 * Descent's runs as the page holds them: decoded from a `runs` reply (float32 buffers, arrays indexed
 * [start][optimizer][step]), read by start, optimizer and step, and the colours Python gives optimizers.
 */
import { asFloat32, type BinaryLike, decodeMessageArray } from "../lib/arrays";
import type { Pair, RunsReply, RunsRequest } from "../lib/protocol";

/**
 * An optimizer's colour comes from Python (`optimizer_colors`, from OPTIMIZER_COLORS in descent.py: the one
 * source, which loss_figure() uses too); this grey only stands in for a name Python gave no colour.
 */
export const FALLBACK_COLOR = "#9E9E9E";

/** The colour of optimizer `name` in the `optimizer_colors` trait. */
export function optimizerColor(colors: Readonly<Record<string, string>> | undefined, name: string): string {
  const color = colors?.[name];
  return typeof color === "string" && color !== "" ? color : FALLBACK_COLOR;
}

/** Decoded runs: arrays indexed [start][optimizer][step]. */
export interface Runs {
  seq: number;
  starts: Pair[];
  rates: Record<string, number>;
  steps: number;
  names: string[];
  /** [optimizer][start] -> step of divergence or null. */
  diverged: (number | null)[][];
  positions: Float32Array;
  losses: Float32Array;
  updates: Float32Array;
  velocities: Float32Array;
}

export function decodeRuns(reply: RunsReply, buffers: readonly BinaryLike[]): Runs {
  const get = (name: "positions" | "losses" | "updates" | "velocities"): Float32Array =>
    asFloat32(decodeMessageArray(reply[name], buffers)).data;
  const runs: Runs = {
    seq: reply.seq,
    starts: reply.starts.map(([x, y]) => [x, y] as Pair),
    rates: { ...reply.learning_rates },
    steps: reply.steps,
    names: [...reply.names],
    diverged: reply.diverged.map((row) => [...row]),
    positions: get("positions"),
    losses: get("losses"),
    updates: get("updates"),
    velocities: get("velocities"),
  };
  const need = runs.starts.length * runs.names.length * (runs.steps + 1);
  if (runs.positions.length < 2 * need || runs.losses.length < need) {
    throw new RangeError(`runs arrays too short for ${runs.starts.length} starts, ${runs.names.length} optimizers, ${runs.steps} steps`);
  }
  return runs;
}

/** Position of optimizer `o` from start `s` at step `t`. */
export function positionAt(runs: Runs, s: number, o: number, t: number): Pair {
  const k = ((s * runs.names.length + o) * (runs.steps + 1) + t) * 2;
  return [runs.positions[k]!, runs.positions[k + 1]!];
}

/** The update or velocity (`array`) of optimizer `o` from start `s` at step `t`. */
export function vectorAt(array: Float32Array, runs: Runs, s: number, o: number, t: number): Pair {
  const k = ((s * runs.names.length + o) * runs.steps + t) * 2;
  return [array[k]!, array[k + 1]!];
}

/** The losses of optimizer `o` from start `s` (a view, no copy). */
export function lossesOf(runs: Runs, s: number, o: number): Float32Array {
  const n = runs.steps + 1;
  const offset = (s * runs.names.length + o) * n;
  return runs.losses.subarray(offset, offset + n);
}

export function divergedAt(runs: Runs, s: number, o: number): number | null {
  return runs.diverged[o]?.[s] ?? null;
}

/** Legend text for one optimizer: its divergence labels over all starts ("" when none diverged). */
export function divergenceText(runs: Runs, o: number): string {
  const parts: string[] = [];
  runs.starts.forEach((_, s) => {
    const k = divergedAt(runs, s, o);
    if (k === null) return;
    parts.push(runs.starts.length === 1 || s === 0 ? `diverged at step ${k}` : `start ${s + 1}: diverged at step ${k}`);
  });
  return parts.join("; ");
}

/** Equal learning rates (by name) up to float32 rounding. */
export function sameRates(a: Record<string, number>, b: Record<string, number>): boolean {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((k) => {
    const x = a[k]!;
    const y = b[k];
    return y !== undefined && Math.abs(x - y) <= 1e-6 * Math.max(Math.abs(x), Math.abs(y));
  });
}

/** The inputs the page shows: where the starts are, the learning rates and the step count. */
export interface RunsInputs {
  starts: readonly Pair[];
  rates: Record<string, number>;
  steps: number;
}

/** Equal positions up to float32 rounding (SurfacePlot.samePosition). */
export type SamePosition = (ax: number, ay: number, bx: number, by: number) => boolean;

export function sameStarts(a: readonly Pair[], b: readonly Pair[], same: SamePosition): boolean {
  return a.length === b.length && a.every(([x, y], k) => same(x, y, b[k]![0], b[k]![1]));
}

/** Does a reply answer what a request asked (the fields it set)? */
export function answersRequest(asked: RunsRequest, reply: RunsReply, same: SamePosition): boolean {
  if (asked.starts && !sameStarts(asked.starts, reply.starts, same)) return false;
  if (asked.learning_rates && !sameRates(asked.learning_rates, reply.learning_rates)) return false;
  return asked.steps === undefined || asked.steps === reply.steps;
}

/** Runs computed for the page's learning rates, step count and number of starts (the starts may lag). */
export function sameSettings(runs: Runs, page: RunsInputs): boolean {
  return runs.starts.length === page.starts.length && sameRates(page.rates, runs.rates) && runs.steps === page.steps;
}

/** Are these runs for exactly the inputs the page shows? */
export function matchesPage(runs: Runs, page: RunsInputs, same: SamePosition): boolean {
  return sameStarts(page.starts, runs.starts, same) && sameRates(page.rates, runs.rates) && runs.steps === page.steps;
}
