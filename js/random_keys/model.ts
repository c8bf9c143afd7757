/** RandomKeys' traits (src/jaxwidgets/random_keys.py) and its replies, decoded. */
import { type BinaryLike, type BufferRecord, decodeMessageArray } from "../lib/arrays";

/** One key of the tree: its key data (uint32 words) and its children (none, or the two of a split). */
export type KeyNode = [number[], KeyNode[]];

export interface RandomKeysModel {
  error: string;
  title: string;
  _instance?: string;
  seed: number;
  samples: number;
  key_path: number[];
  key_tree: KeyNode;
  used: number[][];
}

/** A draw: what Python computed for (seed, samples, path). */
export interface Draw {
  seq: number;
  client: string;
  seed: number;
  samples: number;
  path: number[];
  inside: number;
  estimate: number;
  reused: boolean;
  /** Shown points, x0 y0 x1 y1 ... (at most 2,000). */
  points: Float32Array;
  shownInside: Int32Array;
  /** Sample counts (log-spaced, the last one `samples`) and the running estimate at each. */
  checkpoints: Int32Array;
  running: Float32Array;
}

export const MAX_SAMPLES = 10_000_000;

function isRecord(value: unknown): value is BufferRecord {
  return typeof value === "object" && value !== null && typeof (value as BufferRecord).buffer === "number";
}

/** The draw in a "draw" or "split" reply, or null when the message is something else or malformed. */
export function parseDraw(content: unknown, buffers: readonly BinaryLike[]): Draw | null {
  if (typeof content !== "object" || content === null) return null;
  const m = content as Record<string, unknown>;
  if (m.type !== "draw" && m.type !== "split") return null;
  const arrays = ["points", "shown_inside", "checkpoints", "running"] as const;
  if (!arrays.every((name) => isRecord(m[name])) || typeof m.seq !== "number" || !Array.isArray(m.path)) return null;
  const decode = (name: (typeof arrays)[number]) => decodeMessageArray(m[name] as BufferRecord, buffers).data;
  return {
    seq: m.seq,
    client: typeof m.client === "string" ? m.client : "",
    seed: Number(m.seed),
    samples: Number(m.samples),
    path: (m.path as unknown[]).map(Number),
    inside: Number(m.inside),
    estimate: Number(m.estimate),
    reused: m.reused === true,
    points: decode("points") as Float32Array,
    shownInside: decode("shown_inside") as Int32Array,
    checkpoints: decode("checkpoints") as Int32Array,
    running: decode("running") as Float32Array,
  };
}

/** Slider position (log10 of the sample count) to a sample count, and back. */
export function samplesAt(position: number): number {
  return Math.min(MAX_SAMPLES, Math.max(1, Math.round(10 ** position)));
}

export function positionOf(samples: number): number {
  return Math.log10(Math.max(1, samples));
}

/** The standard error of 4 * (fraction inside) for n points: 4 sqrt(p (1 - p) / n) with p = pi / 4. */
export function standardError(n: number): number {
  const p = Math.PI / 4;
  return 4 * Math.sqrt((p * (1 - p)) / n);
}

export function pathLabel(path: readonly number[]): string {
  return path.length === 0 ? "root" : `[${path.join(", ")}]`;
}
