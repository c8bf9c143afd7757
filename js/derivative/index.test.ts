// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { FakeModel } from "../lib/testing";
import widget from "./index";
import { jaxprParts } from "./jaxpr";
import { bestStep, curveAt, type DerivativeModel } from "./model";

const nextFrame = () => new Promise<void>((resolve) => requestAnimationFrame(() => resolve()));
const STEPS = [1e-1, 1e-2, 1e-3, 1e-4];

/** The fake model, plus what Python would answer for f = x^2 (f' = 2x, f'' = 2). */
class Model extends FakeModel<DerivativeModel> {
  replyPoint(seq: number, x: number, client: string): void {
    const packed = new Float32Array([x * x, 2 * x, 2]);
    // Rows forward32, forward64, central32, central64: forward errs by h, central32 is best at h = 1e-3.
    const errors = new Float32Array([...STEPS, ...STEPS, 1e-3, 1e-6, 1e-7, 1e-5, 0, 0, 0, 0]);
    const content = {
      type: "point",
      seq,
      client,
      x,
      result: { buffer: 0, dtype: "float32", shape: [3] },
      fd_errors: { buffer: 1, dtype: "float32", shape: [4, STEPS.length] },
      fd_steps: { buffer: 2, dtype: "float32", shape: [STEPS.length] },
    };
    this.emit("msg:custom", content, [
      new DataView(packed.buffer),
      new DataView(errors.buffer),
      new DataView(new Float32Array(STEPS).buffer),
    ]);
  }
  replyView(seq: number, range: [number, number], client: string): void {
    const values = Float32Array.from({ length: 5 }, (_, i) => (range[0] + ((range[1] - range[0]) * i) / 4) ** 2);
    this.emit("msg:custom", { type: "view", seq, client, x_range: range, curve: { buffer: 0, dtype: "float32", shape: [5] } }, [
      new DataView(values.buffer),
    ]);
  }
}

function setup(): { model: Model; el: HTMLElement; destroy: () => void } {
  const model = new Model({
    x_range: [-2, 2],
    at: 1,
    order: 2,
    title: "x squared",
    error: "",
    jaxpr: "{ lambda ; a:f32[]. let b:f32[] = integer_pow[y=2] a in (b,) }",
    grad_jaxpr: "{ lambda ; a:f32[]. let\n    b:f32[] = mul 2.0:f32[] a\n  in (b,) }",
  });
  const el = document.createElement("div");
  document.body.append(el);
  const destroy = widget.render({ model, el });
  return { model, el, destroy };
}

let cleanup: (() => void) | null = null;
// jsdom has no canvas: the inks draw nothing (what is drawn is checked in the browser test).
beforeEach(() => void vi.spyOn(HTMLCanvasElement.prototype, "getContext").mockReturnValue(null));
afterEach(() => {
  vi.restoreAllMocks();
  cleanup?.();
  cleanup = null;
  document.body.replaceChildren();
});

describe("Derivative view", () => {
  it("asks Python for its view and point on render, then shows the exact reading", async () => {
    const { model, el, destroy } = setup();
    cleanup = destroy;
    expect(model.sent.map((m) => [m.type, m.fetch])).toEqual([
      ["view", true],
      ["point", true],
    ]);
    const client = String(model.sent[0]!.client);
    model.replyView(Number(model.sent[0]!.seq), [-2, 2], client);
    model.replyPoint(Number(model.sent[1]!.seq), 1, client);
    await nextFrame();
    const readout = el.querySelector(".derivative-readout")!;
    expect(readout.textContent).toBe("x = 1f(x) = 1f′(x) = 2f″(x) = 2");
    expect(readout.classList.contains("provisional")).toBe(false);
    const handle = el.querySelector<SVGGElement>("[role=slider][aria-label=point]")!;
    expect([handle.dataset.x, handle.dataset.y]).toEqual(["1", "1"]);
    expect(el.querySelector(".fd-best")!.textContent).toContain("central f32 0.001");
    expect(el.querySelector(".jaxwidgets-title")!.textContent).toBe("x squared");
  });

  it("keeps one point request in flight and sends only the newest move when the reply comes", async () => {
    const { model, el, destroy } = setup();
    cleanup = destroy;
    const client = String(model.sent[0]!.client);
    model.replyView(Number(model.sent[0]!.seq), [-2, 2], client);
    model.replyPoint(Number(model.sent[1]!.seq), 1, client);
    const handle = el.querySelector<SVGGElement>("[role=slider][aria-label=point]")!;
    for (let i = 0; i < 3; i++) handle.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowRight", bubbles: true }));
    const moves = model.sent.filter((m) => m.type === "point" && m.x !== undefined);
    expect(moves.length).toBe(1);
    expect(Number(moves[0]!.x)).toBeCloseTo(1.04);
    // The handle slides along the curve the page has (provisional), the readout waits for the kernel.
    expect(Number(handle.dataset.y)).toBeCloseTo(curveAt({ xRange: [-2, 2], values: new Float32Array([4, 1, 0, 1, 4]) }, 1.12), 5);
    await nextFrame();
    expect(el.querySelector(".derivative-readout")!.classList.contains("provisional")).toBe(true);
    model.replyPoint(Number(moves[0]!.seq), Number(moves[0]!.x), client);
    const newest = model.sent.at(-1)!;
    expect(Number(newest.x)).toBeCloseTo(1.12);
    model.replyPoint(Number(newest.seq), Number(newest.x), client);
    await nextFrame();
    expect(el.querySelector(".derivative-readout")!.textContent).toContain("f′(x) = 2.24");
  });

  it("follows a point Python pushes while the user is not dragging", async () => {
    const { model, el, destroy } = setup();
    cleanup = destroy;
    const client = String(model.sent[0]!.client);
    model.replyView(Number(model.sent[0]!.seq), [-2, 2], client);
    model.replyPoint(Number(model.sent[1]!.seq), 1, client);
    model.replyPoint(Number(model.sent[1]!.seq), -1.5, "");
    await nextFrame();
    const handle = el.querySelector<SVGGElement>("[role=slider]")!;
    // On the curve as drawn: halfway between the samples at -2 (4) and -1 (1).
    expect([handle.dataset.x, handle.dataset.y]).toEqual(["-1.5", "2.5"]);
    expect(el.querySelector<HTMLElement>(".jaxwidgets-derivative")!.dataset.exactY).toBe("2.25");
  });

  it("shows the error banner and highlights the jaxprs' primitives", async () => {
    const { model, el, destroy } = setup();
    cleanup = destroy;
    model.set("error", "f(x) must return a scalar");
    await nextFrame();
    const banner = el.querySelector<HTMLElement>(".jaxwidgets-error")!;
    expect(banner.hidden).toBe(false);
    expect(banner.textContent).toBe("f(x) must return a scalar");
    const primitives = [...el.querySelectorAll("pre.jaxpr .primitive")].map((s) => s.textContent);
    expect(primitives).toEqual(["integer_pow", "mul"]);
  });

  it("removes everything it added on destroy", () => {
    const { model, el, destroy } = setup();
    destroy();
    expect(el.querySelector(".jaxwidgets")).toBeNull();
    expect(model.listenerCount()).toBe(0);
  });
});

describe("Derivative helpers", () => {
  it("splits a jaxpr into text and primitives, not parameters", () => {
    const parts = jaxprParts("b:f32[] = integer_pow[y=2] a; c:f32[] = sin b");
    expect(parts.filter((p) => p.primitive).map((p) => p.text)).toEqual(["integer_pow", "sin"]);
    expect(parts.map((p) => p.text).join("")).toBe("b:f32[] = integer_pow[y=2] a; c:f32[] = sin b");
  });

  it("drops the terminal colours JAX adds to a jaxpr in a kernel", () => {
    const esc = String.fromCharCode(27);
    const parts = jaxprParts(`{ ${esc}[34;1mlambda ${esc}[39;22m; a${esc}[35m:f32[]${esc}[39m. let b = sin a }`);
    expect(parts.map((p) => p.text).join("")).toBe("{ lambda ; a:f32[]. let b = sin a }");
  });

  it("finds the best step among finite errors and interpolates the curve", () => {
    expect(bestStep(new Float32Array([1, 2, 3]), new Float32Array([0.5, Number.NaN, 0.25]))).toEqual({ step: 3, error: 0.25 });
    const curve = { xRange: [0, 2] as [number, number], values: new Float32Array([0, 1, Number.NaN]) };
    expect(curveAt(curve, 0.5)).toBe(0.5);
    expect(curveAt(curve, 3)).toBeNaN();
  });
});
