// @vitest-environment jsdom
import { describe, expect, it, vi } from "vitest";
import { createHandle, type HandleOptions, valueText } from "./drag";
import { handleCentre, pointer } from "./testing";

/** A 400 x 400 px plot of [-2, 2]^2; events carry pixel coordinates in clientX/clientY. */
function setup(overrides: Partial<HandleOptions> = {}) {
  const toData = (px: number, py: number): [number, number] => [px / 100 - 2, 2 - py / 100];
  const onMove = vi.fn();
  const onDragStart = vi.fn();
  const onDragEnd = vi.fn();
  const handle = createHandle({
    label: "probe",
    eventToPixel: (e) => [e.clientX, e.clientY],
    toData,
    toPixel: (x, y) => [(x + 2) * 100, (2 - y) * 100],
    keyStep: () => [0.04, 0.04],
    clamp: (x, y) => [Math.max(-2, Math.min(2, x)), Math.max(-2, Math.min(2, y))],
    inPlot: (px, py) => px >= 0 && px <= 400 && py >= 0 && py <= 400,
    onMove,
    onDragStart,
    onDragEnd,
    ...overrides,
  });
  document.body.append(handle.layer);
  handle.setPosition(0, 0);
  return { handle, onMove, onDragStart, onDragEnd };
}

describe("handle", () => {
  it("is an accessible, focusable slider", () => {
    const { handle } = setup();
    const el = handle.element;
    expect(el.getAttribute("role")).toBe("slider");
    expect(el.getAttribute("aria-label")).toBe("probe");
    expect(el.getAttribute("tabindex")).toBe("0");
    handle.setPosition(0.123, -1.5);
    expect(el.getAttribute("aria-valuetext")).toBe("x = 0.123, y = -1.5");
    expect([el.dataset.x, el.dataset.y]).toEqual(["0.123", "-1.5"]);
    // Its own layer is moved, on whole device pixels, so that the knob's centre is there.
    expect(handle.layer.contains(el)).toBe(true);
    expect(handleCentre(el)).toEqual([212, 350]);
    expect(el.getAttribute("transform")).toBeNull();
  });

  it("is hidden where it is outside the plot, and shown again inside", () => {
    const { handle } = setup();
    handle.setPosition(3, 0); // set from Python outside the view: not clamped
    expect(handle.layer.style.visibility).toBe("hidden");
    handle.setPosition(2, 0); // on the edge
    expect(handle.layer.style.visibility).toBe("");
  });

  it("follows pointerrawupdate at once, and the pointermove that follows at the same place is a no-op", () => {
    const { handle, onMove } = setup();
    const el = handle.element;
    el.dispatchEvent(pointer("pointerdown", { clientX: 200, clientY: 200 }));
    el.dispatchEvent(pointer("pointerrawupdate", { clientX: 230, clientY: 200 }));
    expect(onMove).toHaveBeenCalledTimes(1);
    expect(handle.position()[0]).toBeCloseTo(0.3, 12);
    el.dispatchEvent(pointer("pointermove", { clientX: 230, clientY: 200 })); // the frame-aligned twin
    expect(onMove).toHaveBeenCalledTimes(1);
    el.dispatchEvent(pointer("pointermove", { clientX: 240, clientY: 200 })); // a browser without rawupdate
    expect(onMove).toHaveBeenCalledTimes(2);
    el.dispatchEvent(pointer("pointerup", { clientX: 240, clientY: 200 }));
    el.dispatchEvent(pointer("pointerrawupdate", { clientX: 260, clientY: 200 })); // not pressed: ignored
    expect(onMove).toHaveBeenCalledTimes(2);
  });

  it("listens to pointerrawupdate only while pressed, and ends the drag when the capture is lost", () => {
    const { handle, onDragEnd } = setup();
    const el = handle.element;
    const add = vi.spyOn(el, "addEventListener");
    const remove = vi.spyOn(el, "removeEventListener");
    el.dispatchEvent(pointer("pointerdown", { clientX: 200, clientY: 200 }));
    expect(add.mock.calls.map(([type]) => type)).toEqual(["pointerrawupdate"]);
    el.dispatchEvent(pointer("lostpointercapture", { clientX: 200, clientY: 200 }));
    expect(handle.dragging()).toBe(false);
    expect(onDragEnd).toHaveBeenCalledOnce();
    expect(remove.mock.calls.map(([type]) => type)).toEqual(["pointerrawupdate"]);
  });

  it("emits every pointer move in data coordinates while dragging", () => {
    const { handle, onMove, onDragStart, onDragEnd } = setup();
    const el = handle.element;
    // Grabbed 3 px right of the centre: the knob keeps that offset instead of jumping under the pointer.
    el.dispatchEvent(pointer("pointerdown", { clientX: 203, clientY: 200 }));
    expect(onDragStart).toHaveBeenCalledOnce();
    expect(handle.dragging()).toBe(true);
    for (let k = 1; k <= 5; k++) el.dispatchEvent(pointer("pointermove", { clientX: 203 + k * 10, clientY: 200 }));
    expect(onMove).toHaveBeenCalledTimes(5);
    expect(onMove.mock.lastCall).toEqual([0.5, 0, "pointer"]);
    expect(handle.position()).toEqual([0.5, 0]);
    el.dispatchEvent(pointer("pointerup", { clientX: 250, clientY: 200 }));
    expect(onDragEnd).toHaveBeenCalledOnce();
    expect(handle.dragging()).toBe(false);
    el.dispatchEvent(pointer("pointermove", { clientX: 300, clientY: 200 }));
    expect(onMove).toHaveBeenCalledTimes(5);
  });

  it("ignores other pointers and keeps the press from reaching the background", () => {
    const { handle, onMove } = setup();
    const background = vi.fn();
    document.body.addEventListener("pointerdown", background);
    handle.element.dispatchEvent(pointer("pointerdown", { pointerId: 7 }));
    handle.element.dispatchEvent(pointer("pointermove", { pointerId: 8, clientX: 10, clientY: 10 }));
    expect(onMove).not.toHaveBeenCalled();
    expect(background).not.toHaveBeenCalled();
    document.body.removeEventListener("pointerdown", background);
  });

  it("moves by 1 % of the view per arrow key, 10 % with shift, clamped to the view", () => {
    const { handle, onMove } = setup();
    const key = (k: string, shiftKey = false) =>
      handle.element.dispatchEvent(new KeyboardEvent("keydown", { key: k, shiftKey, bubbles: true, cancelable: true }));
    key("ArrowRight");
    expect(handle.position()[0]).toBeCloseTo(0.04, 12);
    key("ArrowUp", true);
    expect(handle.position()[1]).toBeCloseTo(0.4, 12);
    key("ArrowLeft");
    key("ArrowDown");
    expect(handle.position()[0]).toBeCloseTo(0, 12);
    expect(handle.position()[1]).toBeCloseTo(0.36, 12);
    expect(onMove).toHaveBeenLastCalledWith(expect.any(Number), expect.any(Number), "keyboard");
    for (let k = 0; k < 10; k++) key("ArrowDown", true);
    expect(handle.position()[1]).toBe(-2);
    key("a");
    expect(onMove).toHaveBeenCalledTimes(14);
  });

  it("setPosition does not emit, and destroy removes the element and its listeners", () => {
    const { handle, onMove } = setup();
    handle.setPosition(1, 1);
    expect(onMove).not.toHaveBeenCalled();
    const el = handle.element;
    handle.destroy();
    expect(el.isConnected).toBe(false);
    el.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowRight" }));
    expect(onMove).not.toHaveBeenCalled();
  });

  it("formats aria-valuetext compactly", () => {
    expect(valueText(1 / 3, -2e-7)).toBe("x = 0.3333, y = -2e-7");
  });
});
