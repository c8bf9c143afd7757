/**
 * A view in a static copy (a page written by `save_html`, no kernel): the state carries `_static`, and the
 * view says so, keeps what works locally (the picture, controls marked `data-static-ok`, handles the local
 * responder answers: lib/static_responder.ts) and disables what needs the kernel, saying why.
 */
import { DISCONNECTED_CLASS } from "./connection";
import { htmlElement } from "./dom";
import { decodeState } from "./static_model";

/** `_static` in a saved page's state (src/jaxwidgets/_static.py); absent in a live widget. */
export interface StaticState {
  /** What the note above the widget says. */
  note: string;
  /** Replies to requests the state answers as they are (a fetch on render): kind -> content and buffers. */
  replies?: Record<string, { content: Record<string, unknown>; buffers: DataView[] }>;
  /** Descent: runs from a pool of starts (the widget's and a grid's) that a dragged start snaps to. */
  runs?: Record<string, unknown>;
}

export const NEEDS_KERNEL = "Needs the Python kernel: this page is a static copy";
/** The note of a view with no kernel behind it (a notebook's saved widget state: nbconvert, a docs page). */
export const OFFLINE_NOTE =
  "Static copy: shown from the notebook's saved widget state, with no Python kernel. What the saved state allows still works; controls that need the kernel are disabled.";

/** The `_static` record of a model, or null in a live widget. */
export function staticState(model: { get(key: never): unknown }): StaticState | null {
  const value = (model.get as (key: string) => unknown)("_static");
  return typeof value === "object" && value !== null && typeof (value as StaticState).note === "string" ? (value as StaticState) : null;
}

/**
 * The static state of a view that no kernel is behind, or null. ipywidgets marks the element of a view whose
 * model has no live comm with DISCONNECTED_CLASS before render. After a kernel restart that happens too, but
 * then the widget manager has a kernel (JupyterLab's, Voila's); a manager with no `kernel` at all
 * (@jupyter-widgets/html-manager: `jupyter nbconvert --to html`, myst-nb's docs pages) only ever renders
 * saved state. Such a view answers from the `_saved` trait (src/jaxwidgets/_static.py), as a static copy.
 */
export function offlineState(model: { get(key: never): unknown; widget_manager?: unknown }, el: Element): StaticState | null {
  if (!el.classList.contains(DISCONNECTED_CLASS)) return null;
  const manager = model.widget_manager; // anywidget hands it to views; a host without one: not known offline
  if (typeof manager !== "object" || manager === null || "kernel" in manager) return null;
  const saved = (model.get as (key: string) => unknown)("_saved");
  const record = typeof saved === "object" && saved !== null ? (decodeState(saved) as Partial<StaticState>) : {};
  return { ...record, note: OFFLINE_NOTE };
}

/** Mark a control or handle as working in a static copy (the local responder or the view answers it). */
export function staticOk<E extends Element>(element: E): E {
  element.setAttribute("data-static-ok", "");
  return element;
}

/** The note under the title, and the root's `static` class. */
export function showStaticNote(root: HTMLElement, after: Element, note: string): HTMLElement {
  root.classList.add("static");
  const element = htmlElement("div", { class: "jaxwidgets-static-note", role: "note" }, note, root.ownerDocument);
  after.after(element);
  return element;
}

/**
 * Disable every form control and handle of `root` not marked `data-static-ok`, with the reason as tooltip;
 * pointer presses on such handles are stopped. Returns the function that removes the guard.
 */
export function disableKernelControls(root: HTMLElement, reason = NEEDS_KERNEL): () => void {
  for (const control of root.querySelectorAll<HTMLInputElement | HTMLButtonElement | HTMLSelectElement>("input, button, select")) {
    if (allowed(control)) continue;
    control.disabled = true;
    control.title = reason;
    control.closest("label")?.setAttribute("title", reason);
  }
  for (const handle of root.querySelectorAll('[role="slider"]')) {
    if (allowed(handle)) continue;
    handle.setAttribute("aria-disabled", "true");
    handle.setAttribute("tabindex", "-1");
    const title = handle.ownerDocument.createElementNS("http://www.w3.org/2000/svg", "title");
    title.textContent = reason;
    handle.prepend(title);
  }
  const stop = (event: Event): void => {
    const handle = event.target instanceof Element ? event.target.closest('[role="slider"]') : null;
    if (handle && !allowed(handle)) event.stopPropagation();
  };
  for (const type of ["pointerdown", "keydown"]) root.addEventListener(type, stop, { capture: true });
  return () => {
    for (const type of ["pointerdown", "keydown"]) root.removeEventListener(type, stop, { capture: true });
  };
}

function allowed(element: Element): boolean {
  return element.closest("[data-static-ok]") !== null;
}
