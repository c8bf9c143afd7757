/**
 * Flow control for requests to the kernel (protocol "Flow control"): at most one request of a type in
 * flight, the newest payload wins, the last one is always sent, stale replies are recognised, and a 5 s
 * timeout frees the slot so a busy or dead kernel never freezes the widget.
 *
 * Without this, a drag sends a message per pointer event (up to 120 per second) and the kernel, taking a few
 * ms each, falls ever further behind the pointer. With it, the kernel computes as fast as it can and always
 * finishes on the position the user left the handle at.
 */

/**
 * What goes on the wire: the payload plus the message type and its sequence number. A payload may carry
 * its own `type` (reset_view shares the view slot and seq counter, since both are acked as "view").
 */
export type Request<P extends object> = { type: string } & P & { seq: number };

export interface RequesterOptions<P extends object> {
  /** Message type, e.g. "probe" or "view". */
  type: string;
  /** Sends one request (model.send). */
  send(message: Request<P>): void;
  /** Free the slot when no reply came within this many ms. */
  timeoutMs?: number;
  /** Called when the slot becomes free with nothing left to send. */
  onIdle?(): void;
}

export const DEFAULT_TIMEOUT_MS = 5000;
const RECENT_LIMIT = 64;

export class Requester<P extends object> {
  private readonly options: RequesterOptions<P>;
  private seq = 0;
  private inFlight: number | null = null;
  private pending: P | null = null;
  private newestAccepted = 0;
  /** Recently sent payloads by seq, so a reply can be checked against what was asked. */
  private readonly recent = new Map<number, P>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private disposed = false;

  constructor(options: RequesterOptions<P>) {
    this.options = options;
  }

  /** Send now if the slot is free, else remember `payload` as the newest (dropping an older pending one). */
  request(payload: P): void {
    if (this.disposed) return;
    if (this.inFlight === null) this.sendNow(payload);
    else this.pending = payload;
  }

  /**
   * Note a reply (result, ack or error) carrying `seq`. Frees the slot if it answers the request in flight,
   * then sends the newest pending payload. Returns false for a stale reply: older than one already accepted.
   */
  accept(seq: number): boolean {
    if (seq === this.inFlight) this.release();
    if (seq < this.newestAccepted) return false;
    this.newestAccepted = seq;
    return true;
  }

  /** True while a request is in flight or waiting to be sent. */
  get busy(): boolean {
    return this.inFlight !== null || this.pending !== null;
  }

  /** The seq of the request in flight, or null. */
  get inFlightSeq(): number | null {
    return this.inFlight;
  }

  /** The seq of the newest request sent so far (0 before the first). */
  get lastSentSeq(): number {
    return this.seq;
  }

  /** The payload sent with `seq`, if it is among the last few sent (to tell own replies from others'). */
  sentPayload(seq: number): P | undefined {
    return this.recent.get(seq);
  }

  /** Forget pending work and stop the timer (the view is going away). */
  dispose(): void {
    this.disposed = true;
    this.pending = null;
    this.inFlight = null;
    this.clearTimer();
  }

  private sendNow(payload: P): void {
    this.seq += 1;
    this.inFlight = this.seq;
    this.clearTimer();
    this.timer = setTimeout(() => this.release(), this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    this.options.send({ type: this.options.type, ...payload, seq: this.seq });
    this.remember(this.seq, payload);
  }

  private remember(seq: number, payload: P): void {
    this.recent.set(seq, payload);
    if (this.recent.size > RECENT_LIMIT) this.recent.delete(seq - RECENT_LIMIT);
  }

  private release(): void {
    this.inFlight = null;
    this.clearTimer();
    if (this.disposed) return;
    const next = this.pending;
    this.pending = null;
    if (next !== null) this.sendNow(next);
    else this.options.onIdle?.();
  }

  private clearTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}
