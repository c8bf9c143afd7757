// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { PANEL_INTERVAL_MS } from "../lib/fit_panel";
import type { FitTraits } from "../lib/fit_view";
import { FakeModel } from "../lib/testing";
import widget, { type CurvePlot, residuals } from "./index";

const NAMES = ["a", "b"];
const CURVE_POINTS = 3;
const record = (values: number[]) => ({ view: new DataView(Float32Array.from(values).buffer), dtype: "float32", shape: [values.length] });

function plot(): CurvePlot {
  return { x: record([0, 1]), y: record([1, 3]), yerr: record([0.5, 0.5]), curve_points: CURVE_POINTS, x_range: [0, 1], y_range: [0, 4] };
}

function makeModel(): FakeModel<FitTraits<CurvePlot>> {
  return new FakeModel<FitTraits<CurvePlot>>({
    parameter_names: NAMES,
    ranges: { a: [-2, 4], b: [-1, 3] },
    fixed: [],
    handles: { line: ["a", "b"] },
    fitting: false,
    compiling: false,
    fit_report: {},
    loss_name: "chi²",
    x_label: "x",
    y_label: "y",
    title: "line",
    error: "",
    _plot: plot(),
  });
}

/** What Python sends for y = a x + b at the curve's 3 points and the 2 data points. */
function reply(values: number[], seq: number, client = "") {
  const [a, b] = values as [number, number];
  const curve = [b, a / 2 + b, a + b, b, a + b];
  const buffers = [values, [1.5, -0.5], curve, [0, 0.5, 1, 1, 1, 1]].map((v) => new DataView(Float32Array.from(v).buffer));
  const content = {
    type: "params",
    seq,
    client,
    loss: 7,
    values: { buffer: 0, dtype: "float32", shape: [2] },
    gradient: { buffer: 1, dtype: "float32", shape: [2] },
    curve: { buffer: 2, dtype: "float32", shape: [5] },
    sensitivities: { buffer: 3, dtype: "float32", shape: [2, CURVE_POINTS] },
  };
  return { content, buffers };
}

/** Python's answer to the view's first request (the fetch on render). */
function answerFetch(values: number[]): void {
  const fetch = model.sent[0]!;
  const { content, buffers } = reply(values, fetch.seq as number, fetch.client as string);
  model.emit("msg:custom", content, buffers);
}

let model: FakeModel<FitTraits<CurvePlot>>;
let el: HTMLElement;
let destroy: () => void;
const root = () => el.querySelector<HTMLElement>(".jaxwidgets-curve-fit")!;
const slider = (name: string) => el.querySelector<HTMLInputElement>(`input[type=range][data-param="${name}"]`)!;

beforeEach(() => {
  vi.spyOn(HTMLCanvasElement.prototype, "getContext").mockReturnValue(null); // jsdom draws no canvas
  vi.useFakeTimers();
  model = makeModel();
  el = document.createElement("div");
  document.body.append(el);
  destroy = widget.render({ model, el });
});

afterEach(() => {
  destroy();
  el.remove();
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe("CurveFit view", () => {
  it("asks Python for its parameters on render and builds a slider, Fix and gradient bar per parameter", () => {
    expect(model.sent[0]).toMatchObject({ type: "params", fetch: true });
    expect(el.querySelectorAll("input[type=range]")).toHaveLength(2);
    expect(slider("a").min).toBe("-2");
    expect(el.querySelectorAll('input[aria-label^="fix "]')).toHaveLength(2);
    expect(el.querySelector('[role="slider"][aria-label="line"]')).not.toBeNull();
  });

  it("shows Python's parameters, loss and gradient direction", () => {
    const { content, buffers } = reply([2, 1], 1, "python");
    model.emit("msg:custom", content, buffers);
    expect(JSON.parse(root().dataset.values!)).toEqual([2, 1]);
    expect(slider("a").value).not.toBe("2"); // the panel is written on the next animation frame, not per message
    const frames: { kind: string; x: number; y: number }[] = [];
    el.addEventListener("jaxwidgets:frame", (e) => frames.push((e as CustomEvent).detail));
    vi.advanceTimersByTime(50); // the next animation frame paints and announces the picture
    expect(slider("a").value).toBe("2");
    expect(el.querySelector(".fit-readout")!.textContent).toContain("chi² = 7");
    const bars = el.querySelectorAll<HTMLElement>(".fit-grad-bar");
    expect(bars[0]!.style.left).toMatch(/^-/); // gradient +1.5: a wants to go down, the bar points left
    expect(bars[1]!.style.left).toBe("0px");
    expect(frames.at(-1)).toMatchObject({ kind: "exact", x: 2, y: 1 });
    expect(root().dataset.exactSeq).toBe("1");
  });

  it("sends a slider move and a handle's keyboard move, newest wins", () => {
    answerFetch([2, 1]);
    slider("b").value = "2.5";
    slider("b").dispatchEvent(new Event("input"));
    const last = model.sent.at(-1)!;
    expect(last).toMatchObject({ type: "params", values: [2, 2.5] });
    const handle = el.querySelector<SVGGElement>('[role="slider"][aria-label="line"]')!;
    handle.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowRight", bubbles: true }));
    handle.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowRight", bubbles: true }));
    // one request in flight: the moves wait, and only the newest goes when the reply comes
    expect(model.sent.filter((m) => m.type === "params")).toHaveLength(2);
    const own = reply([2, 2.5], last.seq as number, last.client as string);
    model.emit("msg:custom", own.content, own.buffers);
    expect(model.sent.at(-1)).toMatchObject({ type: "params", values: [2 + 0.12, 2.5] });
  });

  it("draws the linearised curve at once on a move, marked provisional until the exact reply for it", () => {
    answerFetch([2, 1]);
    const frames: { kind: string; x: number; y: number }[] = [];
    el.addEventListener("jaxwidgets:frame", (e) => frames.push((e as CustomEvent).detail));
    vi.advanceTimersByTime(50);
    expect(root().dataset.provisional).toBe("false");
    slider("b").value = "1.5"; // Δb = 0.5: the guess moves the curve by an 8th of the plot
    slider("b").dispatchEvent(new Event("input"));
    expect(root().dataset.provisional).toBe("true");
    vi.advanceTimersByTime(50); // the next animation frame paints the provisional curve at the new values
    expect(frames.at(-1)).toMatchObject({ kind: "provisional", x: 2, y: 1.5 });
    expect(JSON.parse(root().dataset.values!)).toEqual([2, 1]); // the exact picture is still the old one
    const sent = model.sent.at(-1)!;
    const own = reply([2, 1.5], sent.seq as number, sent.client as string);
    model.emit("msg:custom", own.content, own.buffers);
    expect(root().dataset.provisional).toBe("false");
    vi.advanceTimersByTime(50);
    expect(frames.at(-1)).toMatchObject({ kind: "exact", x: 2, y: 1.5 });
    expect(frames.filter((f) => f.kind === "exact")).toHaveLength(2); // each exact picture announced once
  });

  it("stays provisional when a reply answers an older move, and sends nothing more for the guess", () => {
    answerFetch([2, 1]);
    slider("b").value = "2.5";
    slider("b").dispatchEvent(new Event("input"));
    const first = model.sent.at(-1)!;
    slider("b").value = "3";
    slider("b").dispatchEvent(new Event("input")); // waits: one request in flight
    const requests = model.sent.filter((m) => m.type === "params").length;
    const older = reply([2, 2.5], first.seq as number, first.client as string);
    model.emit("msg:custom", older.content, older.buffers);
    expect(root().dataset.provisional).toBe("true"); // the page shows b = 3, the exact picture b = 2.5
    expect(model.sent.filter((m) => m.type === "params")).toHaveLength(requests + 1); // only the newest goes
    expect(model.sent.at(-1)).toMatchObject({ values: [2, 3] });
  });

  it("writes the panel at most every PANEL_INTERVAL_MS during a drag, and always ends on the last values", () => {
    answerFetch([2, 1]);
    vi.advanceTimersByTime(PANEL_INTERVAL_MS); // the first picture's panel is written at once
    expect(slider("a").value).toBe("2");
    const handle = el.querySelector<SVGGElement>('[role="slider"][aria-label="line"]')!;
    handle.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowRight", bubbles: true })); // a += 0.06
    vi.advanceTimersByTime(20); // the next frame writes the panel: the last write is long enough ago
    expect(Number(slider("a").value)).toBeCloseTo(2.06);
    const sent = model.sent.at(-1)!;
    const own = reply([2.06, 1], sent.seq as number, sent.client as string);
    model.emit("msg:custom", own.content, own.buffers);
    handle.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowRight", bubbles: true })); // a = 2.12
    vi.advanceTimersByTime(20); // frames come, the panel waits: written 20 ms ago
    expect(Number(slider("a").value)).toBeCloseTo(2.06);
    expect(JSON.parse(root().dataset.values!)[0]).toBeCloseTo(2.06); // the picture itself did not wait
    vi.advanceTimersByTime(PANEL_INTERVAL_MS);
    expect(Number(slider("a").value)).toBeCloseTo(2.12); // the last values, once the interval has passed
  });

  it("binds Fix to the fixed trait", () => {
    const fix = el.querySelector<HTMLInputElement>('input[aria-label="fix b"]')!;
    fix.checked = true;
    fix.dispatchEvent(new Event("change"));
    expect(model.get("fixed")).toEqual(["b"]);
    expect(model.saves).toBe(1);
    model.set("fixed", []);
    expect(fix.checked).toBe(false);
  });

  it("animates a Fit step by step and settles on Python's final picture", () => {
    answerFetch([0, 0]);
    el.querySelector<HTMLButtonElement>("button.fit-button")!.click();
    expect(model.sent.at(-1)).toMatchObject({ type: "fit" });
    const final = reply([2, 1], 1, "python");
    const thetas = [0, 0, 1, 0.5, 2, 1];
    const curves = [0, 0, 0, 0, 0, 0.5, 1, 1.5, 0.5, 1.5, 1, 2, 3, 1, 3];
    const offset = 3;
    const finalRecords = Object.fromEntries(
      Object.entries(final.content).map(([k, v]) => [
        k,
        typeof v === "object" ? { ...v, buffer: (v as { buffer: number }).buffer + offset } : v,
      ]),
    );
    const buffers = [thetas, [10, 5, 7], curves].map((v) => new DataView(Float32Array.from(v).buffer));
    model.emit(
      "msg:custom",
      {
        type: "fit",
        seq: 1,
        client: "",
        thetas: { buffer: 0, dtype: "float32", shape: [3, 2] },
        losses: { buffer: 1, dtype: "float32", shape: [3] },
        curves: { buffer: 2, dtype: "float32", shape: [3, 5] },
        final: finalRecords,
      },
      [...buffers, ...final.buffers],
    );
    expect(root().dataset.animating).toBe("true");
    vi.advanceTimersByTime(20); // one animation frame: the readout is written there
    expect(el.querySelector(".fit-readout")!.textContent).toContain("step 0 of 2");
    vi.advanceTimersByTime(130);
    expect(JSON.parse(root().dataset.values!)).toEqual([1, 0.5]);
    vi.advanceTimersByTime(1000);
    expect(root().dataset.animating).toBe("false");
    expect(JSON.parse(root().dataset.values!)).toEqual([2, 1]);
    expect(slider("a").value).toBe("2");
  });

  it("computes residuals (y - model) / yerr from the model values after the curve", () => {
    expect(Array.from(residuals(plot(), Float32Array.from([0, 0, 0, 0, 2]))!)).toEqual([2, 2]);
    expect(residuals(plot(), Float32Array.from([0, 0, 0]))).toBeNull(); // a frame without them
  });
});
