/**
 * The widget shell every view composes: the root element with the shared style, the title and the error
 * banner bound to their traits, the kernel connection (lib/connection.ts), the view's client id, model and
 * DOM listeners that one `destroy()` removes, a requester per request kind (lib/flow.ts) whose error and ack
 * replies are routed through `acceptOwn`, and redraws on animation frames by part.
 *
 * A widget builds its own parts into `root`, then calls `start()` once its requesters exist (a view
 * rendered after a kernel restart is disconnected at once).
 */
import type { BinaryLike } from "./arrays";
import { type Banner, createBanner } from "./banner";
import { Connection, type ConnectionOptions, DISCONNECTED_CLASS } from "./connection";
import { htmlElement } from "./dom";
import { Requester, type RequesterOptions } from "./flow";
import type { AnyModel } from "./protocol";
import { disableKernelControls, offlineState, type StaticState, showStaticNote, staticState } from "./static";
import { answerLater } from "./static_model";
import { respond } from "./static_responder";
import { followPageTheme, injectStyle } from "./theme";
import { Wire } from "./wire";

/** The traits every widget has (src/jaxwidgets/_base.py), and the title most of them show. */
export interface ShellTraits {
  error: string;
  title?: string;
  _instance?: string;
}

export interface ShellOptions<T extends ShellTraits, P extends string> {
  model: AnyModel<T>;
  el: HTMLElement;
  /** Root element classes: `jaxwidgets jaxwidgets-<kind>`; also the client id's prefix. */
  kind: string;
  /** Paint the parts invalidated since the last frame (called on one animation frame). */
  paint(parts: ReadonlySet<P>): void;
  /** Custom messages that are not an ack or error reply of one of the shell's requesters. */
  onMessage?(content: unknown, buffers: readonly BinaryLike[]): void;
  /** The kernel connection is lost (the shell's requesters are disposed already): stop timers. */
  onDisconnect?(): void;
  /** Widget-specific CSS, added once per root after the shared style. */
  style?: string;
}

/**
 * Options of `WidgetShell.requester`. `acks`: the replies carry nothing but the seq (run, stop, view).
 * `aliases`: other request types sent through this requester as a payload's own `type` (reset_view shares
 * the view slot and seq): their acks and errors are routed to it as well.
 */
export type ShellRequesterOptions<Q extends object> = Omit<RequesterOptions<Q>, "type" | "send" | "client"> & {
  acks?: boolean;
  aliases?: readonly string[];
};

let views = 0;

/** A per-view id for the `client` field of requests (Python echoes it in the reply). */
export function newClientId(kind: string): string {
  return `${kind}-${++views}-${Math.random().toString(36).slice(2, 10)}`;
}

interface Reply {
  type?: unknown;
  request?: unknown;
  seq?: unknown;
  client?: unknown;
}

export class WidgetShell<T extends ShellTraits, P extends string = string> {
  readonly model: AnyModel<T>;
  readonly el: HTMLElement;
  readonly doc: Document;
  readonly root: HTMLDivElement;
  readonly title: HTMLDivElement;
  readonly banner: Banner;
  readonly clientId: string;
  /** Requests go through `connection.send` (nothing is sent once the kernel connection is lost). */
  readonly connection: Connection;
  /**
   * `_static` of a static copy (`save_html`), or the `_saved` record of a view with no kernel behind it
   * (lib/static.ts `offlineState`): a local responder answers the requests. Null when live.
   */
  readonly saved: StaticState | null;
  /** Binary buffers or, where the front end drops them, base64 (lib/wire.ts). */
  readonly wire: Wire;

  private readonly options: ShellOptions<T, P>;
  private readonly cleanups: (() => void)[] = [];
  private readonly requesters = new Map<string, { requester: Requester<object>; acks: boolean }>();
  private readonly dirty = new Set<P>();
  private frame: number | null = null;
  private destroyed = false;
  /** No kernel behind a real widget model (html-manager): requests go to the local responder here. */
  private readonly offline: boolean;

  constructor(options: ShellOptions<T, P>) {
    this.options = options;
    this.model = options.model;
    this.el = options.el;
    this.doc = options.el.ownerDocument;
    this.clientId = newClientId(options.kind);
    this.root = htmlElement("div", { class: `jaxwidgets jaxwidgets-${options.kind}` }, undefined, this.doc);
    injectStyle(this.root);
    this.cleanups.push(followPageTheme(this.root));
    if (options.style) this.root.append(htmlElement("style", {}, options.style, this.doc));
    this.title = htmlElement("div", { class: "jaxwidgets-title" }, undefined, this.doc);
    this.banner = createBanner(this.doc);
    this.root.append(this.title, this.banner.element);
    const copy = staticState(this.model);
    this.saved = copy ?? offlineState(this.model, this.el);
    this.offline = this.saved !== null && copy === null;
    if (this.offline) this.el.classList.remove(DISCONNECTED_CLASS); // not lost: there never was a kernel
    if (this.saved) showStaticNote(this.root, this.title, this.saved.note);
    this.el.append(this.root);
    this.connection = new Connection({
      model: this.offline && this.saved ? this.answeredHere(this.saved) : this.model,
      el: this.el,
      root: this.root,
      onLost: () => {
        this.disposeRequesters();
        this.options.onDisconnect?.();
      },
    });
    this.cleanups.push(() => this.connection.dispose());
    this.wire = new Wire({
      client: this.clientId,
      send: (content, buffers) => this.connection.send(content, buffers),
      onLateSwitch: () => {
        for (const { requester } of new Set([...this.requesters.values()])) requester.repeat();
      },
    });
    this.onModel("title", () => this.showTitle());
    this.onModel("error", () => this.banner.set(this.model.get("error")));
    this.onEvent("msg:custom", (content: unknown, buffers?: readonly BinaryLike[]) => {
      const received = this.wire.receive(content, buffers ?? []);
      if (received) this.message(received.content, received.buffers);
    });
    this.showTitle();
    this.banner.set(this.model.get("error"));
  }

  /** From now on the connection is watched: call once the widget's parts and requesters exist. */
  start(): void {
    if (!this.offline) this.connection.watch(); // offline, ipywidgets' "disconnected" mark is no loss
    if (this.saved) this.cleanups.push(disableKernelControls(this.root));
    else this.wire.hello(); // before any request: Python knows whether this page gets buffers before it answers
  }

  destroy(): void {
    this.destroyed = true;
    if (this.frame !== null) cancelAnimationFrame(this.frame);
    this.frame = null;
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    this.disposeRequesters();
    this.root.remove();
  }

  // ---- wiring: everything added here is undone by destroy() ----------------------------------------------

  listen(target: EventTarget, type: string, handler: (event: Event) => void, options?: AddEventListenerOptions): void {
    target.addEventListener(type, handler, options);
    this.cleanups.push(() => target.removeEventListener(type, handler, options));
  }

  onEvent(event: string, handler: (...args: never[]) => void): void {
    this.model.on(event, handler);
    this.cleanups.push(() => this.model.off(event, handler));
  }

  onModel(trait: keyof T & string, handler: () => void): void {
    this.onEvent(`change:${trait}`, handler);
  }

  addCleanup(cleanup: () => void): void {
    this.cleanups.push(cleanup);
  }

  /**
   * The requester of one request kind, sending through the connection with this view's client id. Its error
   * replies (and, with `acks`, its plain replies) are accepted here, only when they are this view's own.
   */
  requester<Q extends object>(type: string, options: ShellRequesterOptions<Q> = {}): Requester<Q> {
    const { acks = false, aliases = [], ...rest } = options;
    const kinds = [type, ...aliases];
    for (const kind of kinds) if (this.requesters.has(kind)) throw new Error(`jaxwidgets: a second requester for "${kind}"`);
    const requester = new Requester<Q>({ ...rest, type, send: (m) => this.connection.send(m), client: this.clientId });
    for (const kind of kinds) this.requesters.set(kind, { requester: requester as Requester<object>, acks });
    return requester;
  }

  // ---- frames --------------------------------------------------------------------------------------------

  /** Redraw these parts on the next animation frame (one frame, however many calls). */
  invalidate(...parts: P[]): void {
    if (this.destroyed) return;
    for (const part of parts) this.dirty.add(part);
    if (this.frame !== null) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = null;
      const due = new Set(this.dirty);
      this.dirty.clear();
      if (due.size > 0) this.options.paint(due);
    });
  }

  // ---- internals -----------------------------------------------------------------------------------------

  private showTitle(): void {
    const title = this.model.get("title") ?? "";
    if (this.title.textContent !== title) this.title.textContent = title;
  }

  /** Acks and errors of this view's requests free their requester's slot; every message goes on to the widget. */
  private message(content: unknown, buffers: readonly BinaryLike[]): void {
    if (typeof content === "object" && content !== null) {
      const reply = content as Reply;
      const kind = reply.type === "error" ? reply.request : reply.type;
      const entry = typeof kind === "string" ? this.requesters.get(kind) : undefined;
      if (entry && typeof reply.seq === "number" && (reply.type === "error" || entry.acks)) {
        entry.requester.acceptOwn({ seq: reply.seq, client: reply.client });
      }
    }
    this.options.onMessage?.(content, buffers);
  }

  /** The model's events, with requests answered from `saved` by the local responder (lib/static_responder.ts). */
  private answeredHere(saved: StaticState): ConnectionOptions["model"] {
    const traits = { trait: (key: string) => (key === "_static" ? saved : (this.model.get as (k: string) => unknown)(key)) };
    return {
      on: (event, callback) => this.model.on(event, callback),
      off: (event, callback) => this.model.off(event, callback),
      send: (content) =>
        answerLater(content, respond, traits, (reply) => {
          if (!this.destroyed) this.message(reply.content, reply.buffers);
        }),
    };
  }

  private disposeRequesters(): void {
    for (const { requester } of this.requesters.values()) requester.dispose();
  }
}
