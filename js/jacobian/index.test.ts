// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { FakeModel } from "../lib/testing";
import widget from "./index";
import { type JacobianModel, linearImage, type PointReading } from "./model";

const nextFrame = () => new Promise<void>((resolve) => requestAnimationFrame(() => resolve()));

/** Python's answers for f(x, y) = (x^2 - y^2, 2xy): J = [[2x, -2y], [2y, 2x]], det = 4(x^2 + y^2). */
class Model extends FakeModel<JacobianModel> {
  replyPoint(seq: number, x: number, y: number, client: string): void {
    const packed = new Float32Array([x * x - y * y, 2 * x * y, 2 * x, -2 * y, 2 * y, 2 * x, 0, 0]);
    const s = 2 * Math.hypot(x, y);
    const summary = new Float32Array([4 * (x * x + y * y), s, s]);
    const content = {
      type: "point",
      seq,
      client,
      x,
      y,
      radius: 0.1,
      result: { buffer: 0, dtype: "float32", shape: [8] },
      summary: { buffer: 1, dtype: "float32", shape: [3] },
    };
    this.emit("msg:custom", content, [new DataView(packed.buffer), new DataView(summary.buffer)]);
  }
  replyGrid(seq: number, client: string): void {
    const lines = new Float32Array([0, 0, 0, 1, 1, 0, 1, 1]);
    const image = new Float32Array([0, 0, -1, 0, 1, 0, 0, 2]);
    const record = (buffer: number) => ({ buffer, dtype: "float32", shape: [2, 2, 2] });
    this.emit("msg:custom", { type: "grid", seq, client, x_range: [0, 1], y_range: [0, 1], lines: record(0), image: record(1) }, [
      new DataView(lines.buffer),
      new DataView(image.buffer),
    ]);
  }
}

function setup() {
  const model = new Model({
    x_range: [-2, 2],
    y_range: [-2, 2],
    at: [1, 0.5],
    radius: 0.1,
    title: "",
    x_label: "x",
    y_label: "y",
    error: "",
  });
  const el = document.createElement("div");
  document.body.append(el);
  return { model, el, destroy: widget.render({ model, el }) };
}

beforeEach(() => void vi.spyOn(HTMLCanvasElement.prototype, "getContext").mockReturnValue(null));
afterEach(() => {
  vi.restoreAllMocks();
  document.body.replaceChildren();
});

describe("Jacobian view", () => {
  it("fetches the grid and the point, then reads out J, det J and the singular values", async () => {
    const { model, el, destroy } = setup();
    expect(model.sent.map((m) => [m.type, m.fetch])).toEqual([
      ["grid", true],
      ["point", true],
    ]);
    const client = String(model.sent[0]!.client);
    model.replyGrid(Number(model.sent[0]!.seq), client);
    model.replyPoint(Number(model.sent[1]!.seq), 1, 0.5, client);
    await nextFrame();
    const text = el.querySelector(".jacobian-readout")!.textContent;
    expect(text).toContain("J = [[2, -1], [1, 2]]");
    expect(text).toContain("det J = 5");
    destroy();
    expect(model.listenerCount()).toBe(0);
  });

  it("moves the handle at once, keeps one request in flight, and sends the newest on the reply", async () => {
    const { model, el, destroy } = setup();
    const client = String(model.sent[0]!.client);
    model.replyPoint(Number(model.sent[1]!.seq), 1, 0.5, client);
    const handle = el.querySelector<SVGGElement>("[role=slider][aria-label=point]")!;
    handle.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowUp", bubbles: true }));
    handle.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowUp", bubbles: true }));
    const moves = model.sent.filter((m) => m.x !== undefined);
    expect(moves.length).toBe(1);
    expect(Number(handle.dataset.y)).toBeCloseTo(0.58);
    await nextFrame();
    expect(el.querySelector(".jacobian-readout")!.classList.contains("provisional")).toBe(true);
    model.replyPoint(Number(moves[0]!.seq), 1, Number(moves[0]!.y), client);
    expect(Number(model.sent.at(-1)!.y)).toBeCloseTo(0.58);
    destroy();
  });

  it("maps the circle through J for the linearisation", () => {
    const reading = { value: [1, 2], jacobian: [2, 0, 0, 3], radius: 0.5 } as unknown as PointReading;
    const flat = linearImage(reading, 4);
    expect(flat.slice(0, 4).map((v) => Math.round(v * 1e6) / 1e6)).toEqual([2, 2, 1, 3.5]);
  });
});
