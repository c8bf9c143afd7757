/**
 * Flow control for requests to the kernel (protocol "Flow control"): at most `maxInFlight` requests of a
 * type in flight (1 by default; 2 pipelines the round trip during a drag), the newest payload wins, the last
 * one is always sent, stale replies are recognised, and a 5 s timeout frees the slots so a busy or dead
 * kernel never freezes the widget.
 *
 * Without this, a drag sends a message per pointer event (up to 120 per second) and the kernel, taking a few
 * ms each, falls ever further behind the pointer. With it, the kernel computes as fast as it can and always
 * finishes on the position the user left the handle at.
 */

/**
 * What goes on the wire: the payload plus the message type and its sequence number. A payload may carry
 * its own `type` (reset_view shares the view slot and seq counter, since both are acked as "view").
 */
export type Request<P extends object> = { type: string } & P & { seq: number; quiet: true };

export interface RequesterOptions<P extends object> {
  /** Message type, e.g. "probe" or "view". */
  type: string;
  /** Sends one request (model.send). */
  send(message: Request<P>): void;
  /** Free the slot when no reply came within this many ms. */
  timeoutMs?: number;
  /** Called when the slot becomes free with nothing left to send. */
  onIdle?(): void;
  /**
   * Requests allowed in flight at once (default 1). With 2, a new position goes out while the kernel still
   * answers the previous one: the kernel is fast and the round trip is the cost. Replies come back in order,
   * so a reply also frees the slots of older requests (their replies, if any still come, are stale).
   */
  maxInFlight?: number;
  /** Added to every request as `client`: Python echoes it, so a view tells its own replies apart. */
  client?: string;
}

export const DEFAULT_TIMEOUT_MS = 5000;

/**
 * Is this reply for a request of the view with id `client`? Replies of older Pythons carry no `client`: then
 * only the seq (and the payload) can tell, and the caller decides (undefined).
 */
export function replyIsFor(content: unknown, client: string): boolean | undefined {
  if (typeof content !== "object" || content === null) return undefined;
  const echoed = (content as Record<string, unknown>).client;
  return typeof echoed === "string" ? echoed === client : undefined;
}
const RECENT_LIMIT = 64;

export class Requester<P extends object> {
  private readonly options: RequesterOptions<P>;
  private seq = 0;
  /** Seqs in flight, oldest first. */
  private inFlight: number[] = [];
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
    if (this.inFlight.length < this.maxInFlight) {
      this.pending = null;
      this.sendNow(payload);
    } else {
      this.pending = payload;
    }
  }

  /** How many requests may be in flight at once. */
  get maxInFlight(): number {
    return Math.max(1, Math.floor(this.options.maxInFlight ?? 1));
  }

  /**
   * Note a reply (result, ack or error) carrying `seq`. Frees the slot if it answers the request in flight,
   * then sends the newest pending payload. Returns false for a stale reply: older than one already accepted.
   */
  accept(seq: number): boolean {
    if (this.inFlight.includes(seq)) this.release(seq);
    if (seq < this.newestAccepted) return false;
    this.newestAccepted = seq;
    return true;
  }

  /** `accept` for an ack or error reply, unless it names another view's client (then false, nothing freed). */
  acceptOwn(reply: { seq: number; client?: unknown }): boolean {
    return replyIsFor(reply, this.clientId) !== false && this.accept(reply.seq);
  }

  /** True while a request is in flight or waiting to be sent. */
  get busy(): boolean {
    return this.inFlight.length > 0 || this.pending !== null;
  }

  /** The seq of the newest request in flight, or null. */
  get inFlightSeq(): number | null {
    return this.inFlight.at(-1) ?? null;
  }

  /** The seqs in flight, oldest first. */
  get inFlightSeqs(): readonly number[] {
    return this.inFlight;
  }

  /** The `client` id added to every request ("" when none). */
  get clientId(): string {
    return this.options.client ?? "";
  }

  /** The seq of the newest request sent so far (0 before the first). */
  get lastSentSeq(): number {
    return this.seq;
  }

  /** The payload sent with `seq`, if it is among the last few sent (to tell own replies from others'). */
  sentPayload(seq: number): P | undefined {
    return this.recent.get(seq);
  }

  /**
   * Send the newest payload again (a waiting one, else the last sent) as a new request: its reply was lost
   * (lib/wire.ts: the front end dropped its buffers). Nothing when nothing was sent yet.
   */
  repeat(): void {
    const payload = this.pending ?? this.recent.get(this.seq);
    if (this.disposed || payload === undefined) return;
    this.pending = null;
    this.inFlight = [];
    this.sendNow(payload);
  }

  /** Forget pending work and stop the timer (the view is going away). */
  dispose(): void {
    this.disposed = true;
    this.pending = null;
    this.inFlight = [];
    this.clearTimer();
  }

  private sendNow(payload: P): void {
    this.seq += 1;
    this.inFlight.push(this.seq);
    this.restartTimer();
    const client = this.options.client;
    // `quiet`: the handler answers in milliseconds, so jaxwidgets' server extension need not announce the
    // kernel as busy for it (src/jaxwidgets/_server.py).
    const message = { type: this.options.type, ...payload, ...(client ? { client } : {}), seq: this.seq, quiet: true };
    this.remember(this.seq, payload);
    this.options.send(message as Request<P>);
  }

  /** No reply for timeoutMs since the last send or reply: free every slot. */
  private restartTimer(): void {
    this.clearTimer();
    this.timer = setTimeout(() => this.release(this.seq), this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  }

  private remember(seq: number, payload: P): void {
    this.recent.set(seq, payload);
    if (this.recent.size > RECENT_LIMIT) this.recent.delete(seq - RECENT_LIMIT);
  }

  /** Free the slot of `seq` and of every older request (replies come in order), then send what waits. */
  private release(seq: number): void {
    this.inFlight = this.inFlight.filter((s) => s > seq);
    if (this.inFlight.length > 0) this.restartTimer();
    else this.clearTimer();
    if (this.disposed) return;
    const next = this.pending;
    this.pending = null;
    if (next !== null) this.sendNow(next);
    else if (this.inFlight.length === 0) this.options.onIdle?.();
  }

  private clearTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}
