/**
 * Flow control for several sliders that share one request type (`control`): one Requester (one seq counter,
 * at most one request in flight), but newest-wins per slider. A value for slider A never overwrites a
 * pending value for slider B, so the final value of every slider the user moved is always sent.
 */
import type { Request, Requester } from "../lib/flow";

export interface ControlPayload {
  name: string;
  value: number;
}

export class ControlQueue {
  readonly requester: Requester<ControlPayload>;
  /** Values waiting for the slot, oldest slider first, newest value per slider. */
  private readonly waiting = new Map<string, ControlPayload>();

  /** `makeRequester(onIdle)`: the requester of `control` requests, calling `onIdle` when its slot frees. */
  constructor(makeRequester: (onIdle: () => void) => Requester<ControlPayload>) {
    this.requester = makeRequester(() => {
      const next = this.waiting.entries().next();
      if (next.done) return;
      const [name, payload] = next.value;
      this.waiting.delete(name);
      this.requester.request(payload);
    });
  }

  request(payload: ControlPayload): void {
    if (this.requester.inFlightSeq === null && this.waiting.size === 0) {
      this.requester.request(payload);
      return;
    }
    this.waiting.delete(payload.name); // re-insert: keeps "oldest slider first" fair
    this.waiting.set(payload.name, payload);
  }

  /** A reply (ack or error) with `seq`; false when stale. */
  accept(seq: number): boolean {
    return this.requester.accept(seq);
  }

  /** True while a value for `name` is in flight or waiting. */
  busyWith(name: string): boolean {
    if (this.waiting.has(name)) return true;
    const seq = this.requester.inFlightSeq;
    return seq !== null && this.requester.sentPayload(seq)?.name === name;
  }

  get busy(): boolean {
    return this.requester.busy || this.waiting.size > 0;
  }

  dispose(): void {
    this.waiting.clear();
    this.requester.dispose();
  }
}

export type ControlRequest = Request<ControlPayload>;
