/** Derivative's traits (src/jaxwidgets/derivative.py) and its replies, decoded. */
import { asFloat32, type BinaryLike, type BufferRecord, decodeMessageArray } from "../lib/arrays";
import type { Pair } from "../lib/protocol";

export interface DerivativeModel {
  x_range: Pair;
  at: number;
  order: number;
  title: string;
  error: string;
  jaxpr: string;
  grad_jaxpr: string;
  _instance?: string;
}

/** What the kernel computed at one x (a "point" reply). */
export interface PointReading {
  x: number;
  value: number;
  slope: number;
  curvature: number;
  /** Rows: forward float32, forward float64, central float32, central float64 (FD_SERIES order). */
  errors: Float32Array[];
  steps: Float32Array;
}

/** f over a view (a "view" reply). */
export interface CurveReading {
  xRange: Pair;
  values: Float32Array;
}

export const FD_SERIES = [
  { name: "forward float32", method: "forward", dtype: "float32" },
  { name: "forward float64", method: "forward", dtype: "float64" },
  { name: "central float32", method: "central", dtype: "float32" },
  { name: "central float64", method: "central", dtype: "float64" },
] as const;

interface Reply {
  type: string;
  seq: number;
  client?: string;
  [key: string]: unknown;
}

export function isReply(content: unknown): content is Reply {
  if (typeof content !== "object" || content === null) return false;
  const reply = content as Partial<Reply>;
  return typeof reply.type === "string" && typeof reply.seq === "number";
}

function isRecord(value: unknown): value is BufferRecord {
  return typeof value === "object" && value !== null && typeof (value as BufferRecord).buffer === "number";
}

export function decodePoint(reply: Reply, buffers: readonly BinaryLike[]): PointReading | null {
  const { x, result, fd_errors: errors, fd_steps: steps } = reply;
  if (typeof x !== "number" || !isRecord(result) || !isRecord(errors) || !isRecord(steps)) return null;
  const packed = asFloat32(decodeMessageArray(result, buffers)).data;
  const table = asFloat32(decodeMessageArray(errors, buffers));
  const n = table.shape[1] ?? 0;
  const rows = FD_SERIES.map((_, i) => table.data.subarray(i * n, (i + 1) * n));
  return {
    x,
    value: packed[0]!,
    slope: packed[1]!,
    curvature: packed[2]!,
    errors: rows,
    steps: asFloat32(decodeMessageArray(steps, buffers)).data,
  };
}

export function decodeCurve(reply: Reply, buffers: readonly BinaryLike[]): CurveReading | null {
  const { x_range: range, curve } = reply;
  if (!Array.isArray(range) || range.length !== 2 || !isRecord(curve)) return null;
  return { xRange: [Number(range[0]), Number(range[1])], values: asFloat32(decodeMessageArray(curve, buffers)).data };
}

/** f at x, interpolated linearly between the curve's samples (NaN outside the view or where f is undefined). */
export function curveAt(curve: CurveReading | null, x: number): number {
  if (!curve) return Number.NaN;
  const [x0, x1] = curve.xRange;
  const n = curve.values.length;
  const t = ((x - x0) / (x1 - x0)) * (n - 1);
  if (!(t >= 0 && t <= n - 1)) return Number.NaN;
  const i = Math.min(n - 2, Math.floor(t));
  const a = curve.values[i]!;
  const b = curve.values[i + 1]!;
  return a + (b - a) * (t - i);
}

/** The sample x positions of a curve (the same linspace as Python's curve_points). */
export function curveXs(curve: CurveReading): Float64Array {
  const [x0, x1] = curve.xRange;
  const n = curve.values.length;
  return Float64Array.from({ length: n }, (_, i) => x0 + ((x1 - x0) * i) / (n - 1));
}

/** The step with the smallest finite error, or null. */
export function bestStep(steps: Float32Array, errors: Float32Array): { step: number; error: number } | null {
  let best: { step: number; error: number } | null = null;
  for (let i = 0; i < errors.length; i++) {
    const e = errors[i]!;
    if (Number.isFinite(e) && (best === null || e < best.error)) best = { step: steps[i]!, error: e };
  }
  return best;
}
