/**
 * The kernel connection of a view: after a kernel restart an old view says it is disconnected and refuses
 * drags, instead of sending requests that go nowhere.
 *
 * How ipywidgets reports the loss (@jupyter-widgets/base 6, jupyterlab_widgets 3): when the kernel's status
 * becomes "restarting", the widget manager sets `model.comm_live = false` on every model, and that setter
 * triggers "comm_live_update". anywidget's model proxy forwards that event but not `comm_live` itself; after
 * a model's constructor comm_live is only ever set to false, so the event means "lost". DOMWidgetView would
 * toggle DISCONNECTED_CLASS on `el` on that event, but anywidget removes the view's model listeners
 * (`model.off(null, null, view)`) just before render: only the check in the view's initialize sets the class,
 * which marks a view created after the loss. A comm closed by the kernel ("comm:close", then "destroy")
 * ends the views anyway; it counts as a loss too.
 */
import { createBanner } from "./banner";
import type { AnyModel } from "./protocol";

/** The class ipywidgets puts on a view's element while its model has no live comm. */
export const DISCONNECTED_CLASS = "jupyter-widgets-disconnected";
export const DISCONNECTED_MESSAGE = "Disconnected from the kernel (it restarted or shut down). Run the cell again for a live widget.";
const LOSS_EVENTS = ["comm_live_update", "comm:close", "destroy"] as const;
/** What would move a handle, pan, zoom, add a start or play: stopped at the widget root once disconnected. */
const BLOCKED_EVENTS = ["pointerdown", "pointermove", "pointerup", "click", "dblclick", "wheel", "keydown", "input", "change"] as const;

type ModelEvents = Pick<AnyModel<object>, "on" | "off">;

/** Calls `onLost` once when the kernel connection of `model` is lost (now, if it already is); returns the unwatch. */
export function watchConnection(model: ModelEvents, el: Element, onLost: () => void): () => void {
  let lost = false;
  const lose = (): void => {
    if (lost) return;
    lost = true;
    onLost();
  };
  for (const event of LOSS_EVENTS) model.on(event, lose);
  if (el.classList.contains(DISCONNECTED_CLASS)) lose();
  return () => {
    for (const event of LOSS_EVENTS) model.off(event, lose);
  };
}

/**
 * The disconnected state of a widget: a banner, the widget greyed (`disconnected` class, theme.ts), handles
 * `aria-disabled` and out of the tab order, form controls disabled, and pointer, wheel and key events stopped
 * at `root`. The last picture stays. Returns the function that removes the event guard.
 */
export function showDisconnected(root: HTMLElement): () => void {
  if (root.classList.contains("disconnected")) return () => {};
  root.classList.add("disconnected");
  const banner = createBanner(root.ownerDocument);
  banner.element.classList.add("jaxwidgets-disconnected");
  banner.set(DISCONNECTED_MESSAGE);
  const errorBanner = root.querySelector(".jaxwidgets-error");
  if (errorBanner) errorBanner.before(banner.element);
  else root.prepend(banner.element);
  const active = root.ownerDocument.activeElement;
  if (active instanceof HTMLElement || active instanceof SVGElement) {
    if (root.contains(active)) active.blur();
  }
  for (const handle of root.querySelectorAll('[role="slider"]')) {
    handle.setAttribute("aria-disabled", "true");
    handle.setAttribute("tabindex", "-1");
  }
  for (const control of root.querySelectorAll<HTMLInputElement | HTMLButtonElement | HTMLSelectElement>("input, button, select")) {
    control.disabled = true;
    control.setAttribute("aria-disabled", "true");
  }
  const stop = (event: Event): void => event.stopPropagation();
  for (const type of BLOCKED_EVENTS) root.addEventListener(type, stop, { capture: true });
  return () => {
    for (const type of BLOCKED_EVENTS) root.removeEventListener(type, stop, { capture: true });
  };
}

export interface ConnectionOptions {
  model: Pick<AnyModel<object>, "on" | "off" | "send">;
  /** The element the view renders into (ipywidgets marks it). */
  el: Element;
  /** The widget's root element, greyed and frozen once the connection is lost. */
  root: HTMLElement;
  /** Stop sending: dispose the view's requesters and timers. */
  onLost(): void;
}

/**
 * A view's connection to the kernel, one per view: its requests go through `send`; `watch()` once its
 * controls and requesters exist. On a loss it calls `onLost`, then shows the disconnected state.
 *
 * After a kernel shutdown ipywidgets leaves comm_live alone, but the kernel connection is disposed and
 * `comm.send` throws ("Cannot send"): a send that throws is a loss too (seen at the next drag).
 */
export class Connection {
  private lostAlready = false;
  private readonly cleanups: (() => void)[] = [];

  constructor(private readonly options: ConnectionOptions) {}

  get lost(): boolean {
    return this.lostAlready;
  }

  watch(): void {
    this.cleanups.push(watchConnection(this.options.model, this.options.el, () => this.lose()));
  }

  /** model.send, or nothing once the connection is lost. */
  send(message: unknown, buffers?: ArrayBuffer[]): void {
    if (this.lostAlready) return;
    try {
      if (buffers) this.options.model.send(message, undefined, buffers);
      else this.options.model.send(message);
    } catch (error) {
      console.warn("jaxwidgets: cannot reach the kernel", error);
      this.lose();
    }
  }

  lose(): void {
    if (this.lostAlready) return;
    this.lostAlready = true;
    this.options.onLost();
    this.cleanups.push(showDisconnected(this.options.root));
  }

  /** Remove every listener (the view is going away). */
  dispose(): void {
    for (const cleanup of this.cleanups.splice(0)) cleanup();
  }
}
