/** Tiny DOM helpers. Text always goes in through textContent, never innerHTML. */

export const SVG_NS = "http://www.w3.org/2000/svg";

type Attributes = Record<string, string | number>;

export function svgElement<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  doc: Document = document,
): SVGElementTagNameMap[K] {
  const element = doc.createElementNS(SVG_NS, tag);
  setAttributes(element, attributes);
  return element;
}

export function htmlElement<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  text?: string,
  doc: Document = document,
): HTMLElementTagNameMap[K] {
  const element = doc.createElement(tag);
  setAttributes(element, attributes);
  if (text !== undefined) element.textContent = text;
  return element;
}

export function setAttributes(element: Element, attributes: Attributes): void {
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
}

/** Set an attribute only when it differs: a drag redraws many times, and most attributes stay the same. */
export function setAttributeIfChanged(element: Element, name: string, value: string): void {
  if (element.getAttribute(name) !== value) element.setAttribute(name, value);
}

/** Remove all children (cheaper and safer than innerHTML = ""). */
export function clear(element: Element): void {
  while (element.firstChild) element.removeChild(element.firstChild);
}

/**
 * Calls `onWidthChange` whenever `el` changes width, and returns the disconnect. Only width drives a widget's
 * layout: height changes the widget causes itself must not trigger another full redraw.
 */
export function observeWidth(el: HTMLElement, onWidthChange: () => void): () => void {
  if (typeof ResizeObserver === "undefined") return () => {};
  let width = -1;
  const observer = new ResizeObserver(() => {
    if (el.clientWidth === width) return;
    width = el.clientWidth;
    onWidthChange();
  });
  observer.observe(el);
  return () => observer.disconnect();
}

/** Adds each `[event, handler, options?]` listener to `target` and returns the function that removes them all. */
export function listen(
  target: EventTarget,
  listeners: ReadonlyArray<readonly [string, (event: Event) => void, AddEventListenerOptions?]>,
): () => void {
  for (const [event, handler, options] of listeners) target.addEventListener(event, handler, options);
  return () => {
    for (const [event, handler] of listeners) target.removeEventListener(event, handler);
  };
}
