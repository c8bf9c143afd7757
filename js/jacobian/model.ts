/** Jacobian's traits (src/jaxwidgets/jacobian.py) and its replies, decoded. */
import { asFloat32, type BinaryLike, type BufferRecord, decodeMessageArray } from "../lib/arrays";
import type { Pair } from "../lib/protocol";

export interface JacobianModel {
  x_range: Pair;
  y_range: Pair;
  at: Pair;
  radius: number;
  title: string;
  x_label: string;
  y_label: string;
  error: string;
  _instance?: string;
}

/** The kernel's reading at a point: f(p), J (row-major), det J, singular values, the circle's true image. */
export interface PointReading {
  x: number;
  y: number;
  radius: number;
  value: Pair;
  jacobian: [number, number, number, number];
  determinant: number;
  singular: Pair;
  /** Flat [u0, v0, u1, v1, ...], CIRCLE_POINTS points. */
  circle: Float32Array;
}

/** The input grid's lines and their images: flat [x, y] points, `lines` polylines of `samples` points. */
export interface GridReading {
  xRange: Pair;
  yRange: Pair;
  lines: Float32Array;
  image: Float32Array;
  count: number;
  samples: number;
}

export interface Reply {
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

function isPair(value: unknown): value is Pair {
  return Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === "number");
}

export function decodePoint(reply: Reply, buffers: readonly BinaryLike[]): PointReading | null {
  const { x, y, radius, result, summary } = reply;
  if (typeof x !== "number" || typeof y !== "number" || typeof radius !== "number") return null;
  if (!isRecord(result) || !isRecord(summary)) return null;
  const packed = asFloat32(decodeMessageArray(result, buffers)).data;
  const [determinant, s1, s2] = asFloat32(decodeMessageArray(summary, buffers)).data;
  return {
    x,
    y,
    radius,
    value: [packed[0]!, packed[1]!],
    jacobian: [packed[2]!, packed[3]!, packed[4]!, packed[5]!],
    determinant: determinant!,
    singular: [s1!, s2!],
    circle: packed.subarray(6),
  };
}

export function decodeGrid(reply: Reply, buffers: readonly BinaryLike[]): GridReading | null {
  const { x_range: xRange, y_range: yRange, lines, image } = reply;
  if (!isPair(xRange) || !isPair(yRange) || !isRecord(lines) || !isRecord(image)) return null;
  const decoded = asFloat32(decodeMessageArray(lines, buffers));
  const [count = 0, samples = 0] = decoded.shape;
  return { xRange, yRange, lines: decoded.data, image: asFloat32(decodeMessageArray(image, buffers)).data, count, samples };
}

/** The circle of radius r around (x, y) through J: f(p) + J (r cos t, r sin t), flat [u, v, ...]. */
export function linearImage(reading: PointReading, n: number): number[] {
  const [a, b, c, d] = reading.jacobian;
  const out: number[] = [];
  for (let k = 0; k < n; k++) {
    const t = (2 * Math.PI * k) / n;
    const dx = reading.radius * Math.cos(t);
    const dy = reading.radius * Math.sin(t);
    out.push(reading.value[0] + a * dx + b * dy, reading.value[1] + c * dx + d * dy);
  }
  return out;
}
