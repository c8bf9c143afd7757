// @vitest-environment jsdom
import { describe, expect, it, vi } from "vitest";
import { drawArrow, fillDots, Ink, isOpaqueColor, MAX_DEVIATION_PX, strokePolyline, thinPolyline } from "./ink";
import { recordingContext } from "./testing";

const recorder = recordingContext;

describe("thinPolyline", () => {
  it("drops the points that lie within the tolerance of the line without them, and keeps the ends", () => {
    expect(thinPolyline([0, 0, 5, 0.1, 10, 0, 10, 10])).toEqual([0, 0, 10, 0, 10, 10]);
    expect(thinPolyline([0, 0, 5, 2, 10, 0])).toEqual([0, 0, 5, 2, 10, 0]); // a real corner stays
    expect(thinPolyline([1, 1])).toEqual([1, 1]);
    expect(thinPolyline([])).toEqual([]);
    // A path that converges (ever smaller steps) keeps its ends; its tail is not drawn point by point.
    const converging = Array.from({ length: 200 }, (_, t) => [100 * (1 - 0.9 ** t), 50 * (1 - 0.95 ** t)]).flat();
    const thin = thinPolyline(converging);
    expect(thin.slice(0, 2)).toEqual([0, 0]);
    expect(thin.slice(-2)).toEqual(converging.slice(-2));
    expect(thin.length).toBeLessThan(converging.length / 4);
  });

  it("stays within the tolerance of every dropped point", () => {
    const wave = Array.from({ length: 300 }, (_, t) => [t * 1.7, 80 * Math.sin(t / 15)]).flat();
    const thin = thinPolyline(wave, MAX_DEVIATION_PX);
    expect(thin.length).toBeLessThan(wave.length / 2);
    const kept: [number, number][] = [];
    for (let k = 0; k < thin.length; k += 2) kept.push([thin[k]!, thin[k + 1]!]);
    for (let k = 0; k < wave.length; k += 2) {
      const [x, y] = [wave[k]!, wave[k + 1]!];
      const j = kept.findIndex(([kx], i) => kx <= x && (kept[i + 1]?.[0] ?? Infinity) >= x);
      const [[ax, ay], [bx, by]] = [kept[j]!, kept[j + 1] ?? kept[j]!];
      const length = Math.hypot(bx - ax, by - ay);
      const distance = length > 0 ? Math.abs((bx - ax) * (ay - y) - (ax - x) * (by - ay)) / length : Math.hypot(x - ax, y - ay);
      expect(distance).toBeLessThanOrEqual(MAX_DEVIATION_PX + 1e-9);
    }
  });
});

describe("painters", () => {
  it("strokes a halo, then the line, along the same path", () => {
    const { ctx, calls } = recorder();
    strokePolyline(ctx, [0, 0, 10, 0, 10, 10], { color: "red", width: 2, halo: 2 });
    expect(calls.filter((c) => c.startsWith("lineTo"))).toEqual(["lineTo(10.0,0.0)", "lineTo(10.0,10.0)"]);
    expect(calls.filter((c) => c === "stroke()")).toHaveLength(2);
    expect(ctx.strokeStyle).toBe("red");
    expect(ctx.lineWidth).toBe(2);
    const lonely = recorder();
    strokePolyline(lonely.ctx, [3, 3], { color: "red", width: 2 });
    expect(lonely.calls).toEqual([]);
  });

  it("fills one dot per point in one path, and draws arrows with a head", () => {
    const dots = recorder();
    fillDots(dots.ctx, [0, 0, 5, 5, 9, 9], 2, "blue");
    expect(dots.calls.filter((c) => c.startsWith("arc"))).toHaveLength(3);
    expect(dots.calls.filter((c) => c === "fill()")).toHaveLength(1);
    const arrow = recorder();
    drawArrow(arrow.ctx, [0, 0], [20, 0], "blue", false);
    expect(arrow.calls).toContain("moveTo(20.0,0.0)"); // the tip
    expect(arrow.calls.filter((c) => c === "fill()")).toHaveLength(1);
    const none = recorder();
    drawArrow(none.ctx, [0, 0], [0, 0], "blue", false);
    expect(none.calls).toEqual([]);
  });
});

describe("Ink", () => {
  it("places its canvas over the rect at the device pixel ratio, and draws nothing without a canvas", () => {
    vi.spyOn(HTMLCanvasElement.prototype, "getContext").mockReturnValue(null);
    const ink = new Ink(document, "test-ink");
    expect(ink.canvas.className).toBe("ink test-ink");
    expect(ink.canvas.getAttribute("aria-hidden")).toBe("true");
    const ctx = ink.begin({ left: 62, top: 8, width: 300, height: 200 });
    expect(ink.canvas.style.left).toBe("62px");
    expect(ink.canvas.style.width).toBe("300px");
    expect(ink.canvas.width).toBe(300 * (window.devicePixelRatio || 1));
    expect(ctx).toBeNull();
    vi.restoreAllMocks();
  });

  it("sits on whole device pixels at a fractional device pixel ratio", () => {
    vi.spyOn(HTMLCanvasElement.prototype, "getContext").mockReturnValue(null);
    const ratio = Object.getOwnPropertyDescriptor(window, "devicePixelRatio");
    Object.defineProperty(window, "devicePixelRatio", { value: 1.25, configurable: true });
    try {
      const ink = new Ink(document, "test-ink");
      ink.begin({ left: 62, top: 8, width: 300, height: 200 });
      // 62 px is 77.5 device px: the canvas starts at 77 (61.6 px) and reaches past 362 px (452.5 -> 453).
      expect(ink.canvas.style.left).toBe("61.6px");
      expect(ink.canvas.width).toBe(453 - 77);
      expect(ink.canvas.style.width).toBe(`${(453 - 77) / 1.25}px`);
    } finally {
      if (ratio) Object.defineProperty(window, "devicePixelRatio", ratio);
      vi.restoreAllMocks();
    }
  });

  it("is an opaque layer filled with an opaque background, and a new transparent canvas otherwise", () => {
    // A stand-in 2D context: records its alpha attribute and fills, and writes colours back as a canvas does.
    const made: { canvas: HTMLCanvasElement; alpha: boolean; fills: string[] }[] = [];
    vi.spyOn(HTMLCanvasElement.prototype, "getContext").mockImplementation(function (
      this: HTMLCanvasElement,
      _kind: string,
      options?: unknown,
    ) {
      const canvas = this as HTMLCanvasElement & { fake?: CanvasRenderingContext2D };
      if (canvas.fake) return canvas.fake;
      const record = { canvas, alpha: (options as { alpha?: boolean } | undefined)?.alpha ?? true, fills: [] as string[] };
      made.push(record);
      let style = "#000000";
      canvas.fake = {
        get fillStyle() {
          return style;
        },
        set fillStyle(value: string) {
          style = /^rgba\(.*, 1\)$/.test(value) ? "#010203" : value;
        },
        setTransform() {},
        clearRect() {},
        fillRect(x: number, y: number, w: number, h: number) {
          record.fills.push(`${style} ${x},${y},${w},${h}`);
        },
      } as unknown as CanvasRenderingContext2D;
      return canvas.fake;
    } as typeof HTMLCanvasElement.prototype.getContext);
    try {
      expect(isOpaqueColor(document, "#eeeeee")).toBe(true);
      expect(isOpaqueColor(document, "rgba(1, 2, 3, 1)")).toBe(true);
      expect(isOpaqueColor(document, "rgba(128, 128, 128, 0.12)")).toBe(false);
      const figure = document.createElement("div");
      const ink = new Ink(document, "test-ink");
      figure.append(ink.canvas);
      const dpr = window.devicePixelRatio || 1;
      expect(ink.begin({ left: 10, top: 10, width: 100, height: 50 }, "#eeeeee")).not.toBeNull();
      const opaque = ink.canvas;
      expect(made.find((m) => m.canvas === opaque)).toMatchObject({ alpha: false, fills: [`#eeeeee 0,0,${100 * dpr},${50 * dpr}`] });
      ink.begin({ left: 10, top: 10, width: 100, height: 50 }, "#eeeeee");
      expect(ink.canvas).toBe(opaque); // same layer while the background stays opaque
      ink.begin({ left: 10, top: 10, width: 100, height: 50 }, "rgba(128, 128, 128, 0.12)");
      expect(ink.canvas).not.toBe(opaque); // a context's alpha is fixed: a fresh canvas in the same place
      expect([...figure.children]).toEqual([ink.canvas]);
      expect(ink.canvas.className).toBe("ink test-ink");
      expect(ink.canvas.style.width).toBe("100px");
      expect(made.find((m) => m.canvas === ink.canvas)).toMatchObject({ alpha: true, fills: [] }); // nothing painted over
      ink.begin({ left: 10, top: 10, width: 100, height: 50 }, ""); // a detached element's computed colour
      expect(made.find((m) => m.canvas === ink.canvas)).toMatchObject({ alpha: true, fills: [] });
    } finally {
      vi.restoreAllMocks();
    }
  });
});
