/**
 * Flow control for several sliders that share one request type (`control`): one Requester (one seq counter,
 * at most one request in flight), but newest-wins per slider. A value for slider A never overwrites a
 * pending value for slider B, so the final value of every slider the user moved is always sent.
 */
import { Requester, type RequesterOptions, type Request } from "./flow";

export interface ControlPayload {
  name: string;
  value: number;
  client?: string;
}

export class ControlQueue {
  readonly requester: Requester<ControlPayload>;
  /** Values waiting for the slot, oldest slider first, newest value per slider. */
  private readonly waiting = new Map<string, ControlPayload>();

  constructor(options: Omit<RequesterOptions<ControlPayload>, "onIdle"> & { onIdle?(): void }) {
    const onIdle = options.onIdle;
    this.requester = new Requester<ControlPayload>({
      ...options,
      onIdle: () => {
        const next = this.waiting.entries().next();
        if (!next.done) {
          const [name, payload] = next.value;
          this.waiting.delete(name);
          this.requester.request(payload);
        } else {
          onIdle?.();
        }
      },
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
