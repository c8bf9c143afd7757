/**
 * The model of a static copy (a page written by `save_html`): anywidget's model API over the saved state,
 * with no kernel behind it. Arrays were saved as `{"$b64": ...}` and become DataViews, as ipywidgets hands
 * binary buffers to views; what a view sends is answered by a local responder (lib/static_responder.ts),
 * asynchronously, as a kernel's reply would come.
 */
import type { BinaryLike } from "./arrays";
import type { AnyModel } from "./protocol";

type Handler = (...args: unknown[]) => void;

/** A reply the page would have had from the kernel: content and binary buffers. */
export interface LocalReply {
  content: Record<string, unknown>;
  buffers: BinaryLike[];
}

/** What a responder reads: the model's traits by name, `_static` included. */
export interface SavedTraits {
  trait(key: string): unknown;
}

/** Answers one request of a view (with the request's seq and client), or null for none. */
export type Responder = (request: Record<string, unknown>, model: SavedTraits) => LocalReply | null;

/** Answer a request on a later task, as a kernel's reply would come; `deliver` gets the reply, if any. */
export function answerLater(content: unknown, respond: Responder, model: SavedTraits, deliver: (reply: LocalReply) => void): void {
  if (typeof content !== "object" || content === null) return;
  const request = content as Record<string, unknown>;
  setTimeout(() => {
    const reply = respond(request, model);
    if (reply) deliver(reply);
  }, 0);
}

/** Base64 to bytes, in a fresh (aligned) ArrayBuffer. */
export function decodeBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Saved state to what a view expects: every `{"$b64": text}` becomes a DataView of its bytes. */
export function decodeState(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decodeState);
  if (typeof value !== "object" || value === null) return value;
  const record = value as Record<string, unknown>;
  if (typeof record.$b64 === "string" && Object.keys(record).length === 1) {
    const bytes = decodeBase64(record.$b64);
    return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  return Object.fromEntries(Object.entries(record).map(([key, item]) => [key, decodeState(item)]));
}

export class StaticModel<T extends object = Record<string, unknown>> implements AnyModel<T> {
  private readonly handlers = new Map<string, Set<Handler>>();

  constructor(
    private readonly state: T,
    private readonly respond: Responder,
  ) {}

  get<K extends keyof T & string>(key: K): T[K] {
    return this.state[key];
  }

  set<K extends keyof T & string>(key: K, value: T[K]): void {
    this.state[key] = value;
    this.emit(`change:${key}`);
  }

  /** Nothing to save to: the state lives in this page only. */
  save_changes(): void {}

  on(event: string, callback: (...args: never[]) => void): void {
    if (!this.handlers.has(event)) this.handlers.set(event, new Set());
    this.handlers.get(event)!.add(callback as Handler);
  }

  off(event?: string | null, callback?: ((...args: never[]) => void) | null): void {
    if (!event) this.handlers.clear();
    else if (!callback) this.handlers.delete(event);
    else this.handlers.get(event)?.delete(callback as Handler);
  }

  /** A request: answered by the local responder on a later task, as a `msg:custom` event. */
  send(content: unknown): void {
    answerLater(content, this.respond, this, (reply) => this.emit("msg:custom", reply.content, reply.buffers));
  }

  /** The saved value of a trait, untyped (responders read traits the view's model type does not name). */
  trait(key: string): unknown {
    return (this.state as Record<string, unknown>)[key];
  }

  private emit(event: string, ...args: unknown[]): void {
    for (const handler of [...(this.handlers.get(event) ?? [])]) handler(...args);
  }
}
