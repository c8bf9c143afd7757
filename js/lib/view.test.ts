// @vitest-environment jsdom
import { describe, expect, it, vi } from "vitest";
import { pointer } from "./testing";
import { attachPanZoom, panRange, sameWindow, type ViewWindow, wheelZoomFactor, zoomRange } from "./view";

describe("window arithmetic", () => {
  it("zooms about an anchor that stays in place", () => {
    const [lo, hi] = zoomRange([-2, 2], 1, 0.5);
    expect([lo, hi]).toEqual([-0.5, 1.5]);
    // The anchor keeps its relative position: (1 - lo) / (hi - lo) is 3/4 before and after.
    expect((1 - lo) / (hi - lo)).toBe(0.75);
  });

  it("refuses to zoom into a window too narrow for float32", () => {
    expect(zoomRange([1000, 1000.001], 1000, 1e-3)).toEqual([1000, 1000.001]);
  });

  it("pans and compares windows", () => {
    expect(panRange([0, 1], 0.5)).toEqual([0.5, 1.5]);
    const a: ViewWindow = { x: [0, 1], y: [2, 3] };
    expect(sameWindow(a, { x: [0, 1], y: [2, 3] })).toBe(true);
    expect(sameWindow(a, { x: [0, 1], y: [2, 4] })).toBe(false);
  });

  it("turns wheel deltas into gentle zoom factors, in for negative deltas", () => {
    expect(wheelZoomFactor({ deltaY: -100, deltaMode: 0 })).toBeLessThan(1);
    expect(wheelZoomFactor({ deltaY: 100, deltaMode: 0 })).toBeGreaterThan(1);
    expect(wheelZoomFactor({ deltaY: 3, deltaMode: 1 })).toBeCloseTo(wheelZoomFactor({ deltaY: 48, deltaMode: 0 }), 12);
    expect(wheelZoomFactor({ deltaY: 1e6, deltaMode: 0 })).toBeLessThan(1.5);
  });
});

describe("attachPanZoom", () => {
  /** 400 x 400 px plot at (0, 0) over [-2, 2]^2, client coordinates = local coordinates. */
  function setup() {
    const target = document.createElement("div");
    document.body.append(target);
    let window: ViewWindow = { x: [-2, 2], y: [-2, 2] };
    const onWindow = vi.fn((w: ViewWindow) => {
      window = w;
    });
    const onClick = vi.fn();
    const onReset = vi.fn();
    const detach = attachPanZoom(target, {
      window: () => window,
      plotSize: () => ({ width: 400, height: 400 }),
      toData: (px, py) => [window.x[0] + (px / 400) * 4, window.y[1] - (py / 400) * 4],
      localPoint: (e) => [e.clientX, e.clientY],
      contains: (px, py) => px >= 0 && px <= 400 && py >= 0 && py <= 400,
      onWindow,
      onClick,
      onReset,
    });
    return { target, onWindow, onClick, onReset, detach, current: () => window };
  }

  it("pans with a background drag: the grabbed point follows the pointer", () => {
    const { target, onWindow, current } = setup();
    target.dispatchEvent(pointer("pointerdown", { clientX: 100, clientY: 100 }));
    target.dispatchEvent(pointer("pointermove", { clientX: 150, clientY: 50 }));
    target.dispatchEvent(pointer("pointerup", { clientX: 150, clientY: 50 }));
    expect(onWindow).toHaveBeenCalledOnce();
    expect(current().x).toEqual([-2.5, 1.5]);
    expect(current().y).toEqual([-2.5, 1.5]);
  });

  it("treats a press without movement as a click at that point", () => {
    const { target, onWindow, onClick } = setup();
    target.dispatchEvent(pointer("pointerdown", { clientX: 300, clientY: 100 }));
    target.dispatchEvent(pointer("pointermove", { clientX: 301, clientY: 101 }));
    target.dispatchEvent(pointer("pointerup", { clientX: 301, clientY: 101 }));
    expect(onWindow).not.toHaveBeenCalled();
    expect(onClick.mock.lastCall?.[0]).toBeCloseTo(1.01, 12);
    expect(onClick.mock.lastCall?.[1]).toBeCloseTo(0.99, 12);
  });

  it("zooms about the pointer with the wheel, only inside the plot", () => {
    const { target, onWindow, current } = setup();
    const wheel = (x: number, deltaY: number) =>
      target.dispatchEvent(new WheelEvent("wheel", { clientX: x, clientY: 200, deltaY, bubbles: true, cancelable: true }));
    wheel(300, -100);
    expect(onWindow).toHaveBeenCalledOnce();
    const { x, y } = current();
    expect(x[1] - x[0]).toBeLessThan(4);
    // The point under the pointer (x = 1, y = 0) stays put.
    expect(((1 - x[0]) / (x[1] - x[0])) * 400).toBeCloseTo(300, 9);
    expect(y[0] + y[1]).toBeCloseTo(0, 12);
    wheel(500, -100);
    expect(onWindow).toHaveBeenCalledOnce();
  });

  it("resets on double click, and detaches every listener", () => {
    const { target, onReset, onWindow, detach } = setup();
    target.dispatchEvent(new MouseEvent("dblclick", { clientX: 10, clientY: 10, bubbles: true }));
    expect(onReset).toHaveBeenCalledOnce();
    detach();
    target.dispatchEvent(new MouseEvent("dblclick", { clientX: 10, clientY: 10, bubbles: true }));
    target.dispatchEvent(new WheelEvent("wheel", { clientX: 10, clientY: 10, deltaY: 10, cancelable: true }));
    expect(onReset).toHaveBeenCalledOnce();
    expect(onWindow).not.toHaveBeenCalled();
  });
});
