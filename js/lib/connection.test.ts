// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from "vitest";
import { Connection, DISCONNECTED_CLASS, DISCONNECTED_MESSAGE, showDisconnected, watchConnection } from "./connection";
import { htmlElement, svgElement } from "./dom";
import { FakeModel } from "./testing";

afterEach(() => {
  vi.restoreAllMocks();
  document.body.replaceChildren();
});

/** A widget-like root: error banner, a slider handle in SVG, a range input and a button. */
function widgetRoot() {
  const el = htmlElement("div");
  const root = htmlElement("div", { class: "jaxwidgets" });
  const error = htmlElement("div", { class: "jaxwidgets-error", role: "alert" });
  const svg = svgElement("svg");
  const handle = svgElement("g", { role: "slider", "aria-label": "probe", tabindex: 0 });
  svg.append(handle);
  const input = htmlElement("input", { type: "range" });
  const button = htmlElement("button", { type: "button" }, "Run");
  root.append(htmlElement("div", { class: "jaxwidgets-title" }, "t"), error, svg, input, button);
  el.append(root);
  document.body.append(el);
  return { el, root, handle, input, button };
}

describe("watchConnection", () => {
  it.each(["comm_live_update", "comm:close", "destroy"])("reports the loss once on %s and unwatches", (event) => {
    const model = new FakeModel({});
    const onLost = vi.fn();
    const unwatch = watchConnection(model, document.createElement("div"), onLost);
    expect(onLost).not.toHaveBeenCalled();
    model.emit(event);
    model.emit("comm_live_update");
    expect(onLost).toHaveBeenCalledTimes(1);
    unwatch();
    expect(model.listenerCount()).toBe(0);
  });

  it("reports a view rendered after the loss at once (ipywidgets already marked its element)", () => {
    const model = new FakeModel({});
    const el = document.createElement("div");
    el.classList.add(DISCONNECTED_CLASS);
    const onLost = vi.fn();
    watchConnection(model, el, onLost)();
    expect(onLost).toHaveBeenCalledTimes(1);
  });

  it("ignores other events, and nothing after unwatch", () => {
    const model = new FakeModel({});
    const onLost = vi.fn();
    const unwatch = watchConnection(model, document.createElement("div"), onLost);
    model.emit("change:probe");
    model.emit("msg:custom", { type: "probe" });
    unwatch();
    model.emit("comm_live_update");
    expect(onLost).not.toHaveBeenCalled();
  });
});

describe("showDisconnected", () => {
  it("greys the widget, shows the banner before the error banner, disables handles and controls", () => {
    const { root, handle, input, button } = widgetRoot();
    handle.focus();
    showDisconnected(root);
    expect(root.classList.contains("disconnected")).toBe(true);
    const banner = root.querySelector<HTMLElement>(".jaxwidgets-disconnected")!;
    expect(banner.textContent).toBe(DISCONNECTED_MESSAGE);
    expect(banner.getAttribute("role")).toBe("alert");
    expect(banner.hidden).toBe(false);
    expect(banner.nextElementSibling!.classList.contains("jaxwidgets-error")).toBe(true);
    expect(handle.getAttribute("aria-disabled")).toBe("true");
    expect(handle.getAttribute("tabindex")).toBe("-1");
    expect(document.activeElement).not.toBe(handle);
    expect(input.disabled).toBe(true);
    expect(button.disabled).toBe(true);
    // Twice is once.
    showDisconnected(root);
    expect(root.querySelectorAll(".jaxwidgets-disconnected")).toHaveLength(1);
  });

  it("stops pointer and key events at the root until the guard is removed", () => {
    const { root, handle } = widgetRoot();
    const seen = vi.fn();
    for (const type of ["pointerdown", "pointermove", "keydown", "wheel"]) handle.addEventListener(type, seen);
    const unguard = showDisconnected(root);
    handle.dispatchEvent(new MouseEvent("pointerdown", { bubbles: true }));
    handle.dispatchEvent(new MouseEvent("pointermove", { bubbles: true }));
    handle.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowLeft", bubbles: true }));
    handle.dispatchEvent(new WheelEvent("wheel", { bubbles: true }));
    expect(seen).not.toHaveBeenCalled();
    unguard();
    handle.dispatchEvent(new MouseEvent("pointerdown", { bubbles: true }));
    expect(seen).toHaveBeenCalledTimes(1);
  });
});

describe("Connection", () => {
  it("sends until the loss; then stops the requesters first, shows the state, and sends nothing", () => {
    const { el, root } = widgetRoot();
    const model = new FakeModel({});
    const order: string[] = [];
    const connection = new Connection({
      model,
      el,
      root,
      onLost: () => order.push(root.classList.contains("disconnected") ? "after" : "before"),
    });
    connection.watch();
    connection.send({ type: "probe", seq: 1 });
    expect(model.sent).toHaveLength(1);
    expect(connection.lost).toBe(false);
    model.emit("comm_live_update");
    expect(order).toEqual(["before"]);
    expect(connection.lost).toBe(true);
    expect(root.classList.contains("disconnected")).toBe(true);
    connection.send({ type: "probe", seq: 2 });
    expect(model.sent).toHaveLength(1);
    model.emit("comm:close");
    expect(order).toHaveLength(1);
  });

  it("a send the kernel connection refuses (it throws after a kernel shutdown) is a loss", () => {
    const { el, root } = widgetRoot();
    const model = new FakeModel({});
    const send = vi.spyOn(model, "send").mockImplementation(() => {
      throw new Error("Cannot send");
    });
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const onLost = vi.fn();
    const connection = new Connection({ model, el, root, onLost });
    connection.watch();
    connection.send({ type: "probe", seq: 1 });
    connection.send({ type: "probe", seq: 2 });
    expect(send).toHaveBeenCalledTimes(1);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(onLost).toHaveBeenCalledTimes(1);
    expect(root.querySelector(".jaxwidgets-disconnected")!.textContent).toBe(DISCONNECTED_MESSAGE);
  });

  it("dispose removes the model listeners and the event guard", () => {
    const { el, root, handle } = widgetRoot();
    const model = new FakeModel({});
    const connection = new Connection({ model, el, root, onLost: () => {} });
    connection.watch();
    model.emit("comm_live_update");
    connection.dispose();
    expect(model.listenerCount()).toBe(0);
    const seen = vi.fn();
    handle.addEventListener("pointerdown", seen);
    handle.dispatchEvent(new MouseEvent("pointerdown", { bubbles: true }));
    expect(seen).toHaveBeenCalledTimes(1);
  });
});
