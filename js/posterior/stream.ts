/**
 * What a Posterior view holds of the sampler's stream: the draws (draws.ts), the warm-up trail (warmup.ts) and
 * the newest predictive curves. Draws live in growing Float32Array buffers per chain: a message appends only
 * its new rows, whatever the number of messages between two frames.
 */
import { asFloat32, type BinaryLike, type DecodedArray, decodeMessageArray } from "../lib/arrays";
import { type DrawBlock, DrawStore } from "./draws";
import type { Range } from "./marks";
import type { CurvesMessage, DrawsMessage, ReplayReply, ResetMessage, WarmupMessage } from "./protocol";
import { WarmupTrail } from "./warmup";

export interface Curves {
  run: number;
  x: Float32Array;
  curves: Float32Array;
  /** Curves (rows) and points per curve. */
  k: number;
  n: number;
}

export type StreamMessage = ResetMessage | DrawsMessage | WarmupMessage | CurvesMessage;

/** Read a decoded message array as float32 (a bad record gives null and a console note, never a throw). */
function decodeMaybe(record: unknown, buffers: readonly BinaryLike[]): DecodedArray | null {
  if (typeof record !== "object" || record === null) return null;
  try {
    return decodeMessageArray(record as never, buffers);
  } catch (error) {
    console.error("jaxwidgets: bad array in posterior message", error);
    return null;
  }
}

/** A message's draws as a block for the store (null when malformed). */
export function drawBlock(run: number, offset: number, draws: DecodedArray | null, diverging: DecodedArray | null): DrawBlock | null {
  if (draws?.shape.length !== 3) return null;
  const [chains = 0, count = 0, sites = 0] = draws.shape;
  return {
    run,
    offset,
    draws: asFloat32(draws).data,
    diverging: diverging && diverging.data.length >= chains * count ? diverging.data : null,
    chains,
    count,
    sites,
  };
}

export class DrawStream {
  readonly store = new DrawStore();
  /** Warm-up steps of the current run, shown faded until its first draws arrive. */
  readonly warmup = new WarmupTrail();
  /** The newest curves of the current run (null when none or of an older run). */
  private newestCurves: Curves | null = null;

  get curves(): Curves | null {
    return this.newestCurves && this.newestCurves.run >= this.store.run ? this.newestCurves : null;
  }

  /** Take in a message the sampler pushed; true when what the plots show changed. */
  push(message: StreamMessage, buffers: readonly BinaryLike[]): boolean {
    if (message.type === "reset") {
      this.warmup.reset(message.run);
      if (!this.store.reset(message.run)) return false;
      if (this.newestCurves && this.newestCurves.run < message.run) this.newestCurves = null;
      return true;
    }
    if (message.run < this.store.run) return false; // an older run: dropped without decoding
    if (message.type === "draws") {
      const block = drawBlock(message.run, message.offset, decodeMaybe(message.draws, buffers), decodeMaybe(message.diverging, buffers));
      return block !== null && this.store.append(block);
    }
    if (message.type === "warmup") {
      const steps = decodeMaybe(message.draws, buffers);
      return steps !== null && this.warmup.append(message.run, message.iteration, asFloat32(steps).data, steps.shape);
    }
    const x = decodeMaybe(message.x, buffers);
    const curves = decodeMaybe(message.curves, buffers);
    return x !== null && curves !== null && this.setCurves(message.run, x, curves);
  }

  /** Take in this view's replay reply (every draw so far); true when it changed the draws. */
  replay(reply: ReplayReply, buffers: readonly BinaryLike[]): boolean {
    const block = drawBlock(reply.run, 0, decodeMaybe(reply.draws, buffers), decodeMaybe(reply.diverging, buffers));
    if (!block || !this.store.replace(block)) return false;
    const x = decodeMaybe(reply.x, buffers);
    const curves = decodeMaybe(reply.curves, buffers);
    if (x && curves) this.setCurves(reply.run, x, curves);
    else if (this.newestCurves && this.newestCurves.run < reply.run) this.newestCurves = null;
    return true;
  }

  /** Warm-up steps are shown while the current run has no draws yet. */
  get showingWarmup(): boolean {
    return this.store.total === 0 && this.warmup.count > 0 && this.warmup.run >= this.store.run;
  }

  /** [min, max] of a site over the draws (or, before any, the warm-up steps shown). */
  extent(index: number): Range | null {
    if (index < 0) return null;
    if (this.store.total > 0) return this.store.extent(index);
    return this.showingWarmup ? this.warmup.extent(index) : null;
  }

  private setCurves(run: number, x: DecodedArray, curves: DecodedArray): boolean {
    if (run > this.store.run) this.store.reset(run);
    const n = x.data.length;
    const k = curves.shape.length === 2 ? curves.shape[0]! : n > 0 ? Math.floor(curves.data.length / n) : 0;
    if (curves.shape.length === 2 && curves.shape[1] !== n) return false;
    this.newestCurves = { run, x: asFloat32(x).data, curves: asFloat32(curves).data, k, n };
    return true;
  }
}
