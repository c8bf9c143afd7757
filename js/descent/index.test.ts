// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { DescentModel, FrameDetail, Pair, RunsReply } from "../lib/protocol";
import { FakeModel as BaseFakeModel, pointer, pressHandle, recordingContext } from "../lib/testing";
import { rateFromSlider, sliderRate } from "./controls";
import { STALE_FADE_MS } from "./fade";
import widget from "./index";
import { columnSize, descentLayout } from "./layout";
import { playRate } from "./player";
import { decodeRuns, divergenceText } from "./runs";
import { startLabel } from "./starts";
import { niceFactor } from "./trace";

/** The fake model, plus what Python would answer. */
class FakeModel extends BaseFakeModel<DescentModel> {
  runsRequests(): Record<string, unknown>[] {
    return this.sent.filter((m) => m.type === "runs");
  }
  /**
   * Python's runs for f = x^2 + y^2 with plain gradient descent per optimizer (rate scaled by 1, 2, ...),
   * packed into one buffer at an odd-but-aligned offset like the real comm does. `diverged` overrides.
   */
  replyRuns(
    seq: number,
    options: { starts?: Pair[]; rates?: Record<string, number>; steps?: number; diverged?: (number | null)[][] } = {},
  ): void {
    const starts = options.starts ?? this.state.starts;
    const rates = options.rates ?? this.state.learning_rates;
    const steps = options.steps ?? this.state.steps;
    const names = this.state.optimizer_names;
    const S = starts.length;
    const O = names.length;
    const T = steps;
    const big = new ArrayBuffer(4 * (1 + S * O * ((T + 1) * 3 + T * 4)));
    let offset = 4;
    const take = (n: number): Float32Array => {
      const array = new Float32Array(big, offset, n);
      offset += 4 * n;
      return array;
    };
    const positions = take(S * O * (T + 1) * 2);
    const losses = take(S * O * (T + 1));
    const updates = take(S * O * T * 2);
    const velocities = take(S * O * T * 2);
    starts.forEach(([x0, y0], s) => {
      names.forEach((name, o) => {
        let [x, y] = [x0, y0];
        const lr = rates[name]!;
        for (let t = 0; t <= T; t++) {
          const k = (s * O + o) * (T + 1) + t;
          positions[2 * k] = x;
          positions[2 * k + 1] = y;
          losses[k] = x * x + y * y;
          if (t < T) {
            const u = [-lr * 2 * x, -lr * 2 * y];
            const j = (s * O + o) * T + t;
            updates[2 * j] = u[0]!;
            updates[2 * j + 1] = u[1]!;
            velocities[2 * j] = o === 1 ? 2 * x : 0; // like optax: the trace of gradients
            velocities[2 * j + 1] = o === 1 ? 2 * y : 0;
            x += u[0]!;
            y += u[1]!;
          }
        }
      });
    });
    const record = (_array: Float32Array, shape: number[], index: number) => ({ buffer: index, dtype: "float32", shape });
    const content: RunsReply = {
      type: "runs",
      seq,
      starts: starts.map(([x, y]) => [x, y] as Pair),
      learning_rates: { ...rates },
      steps,
      names: [...names],
      diverged: options.diverged ?? names.map(() => starts.map(() => null)),
      positions: record(positions, [S, O, T + 1, 2], 0),
      losses: record(losses, [S, O, T + 1], 1),
      updates: record(updates, [S, O, T, 2], 2),
      velocities: record(velocities, [S, O, T, 2], 3),
    };
    const view = (a: Float32Array) => new DataView(big, a.byteOffset, a.byteLength);
    this.emit("msg:custom", content, [view(positions), view(losses), view(updates), view(velocities)]);
  }
}

function makeModel(overrides: Partial<DescentModel> = {}): FakeModel {
  return new FakeModel({
    x_range: [-2, 2],
    y_range: [-2, 2],
    resolution: 20,
    probe: [0, 0],
    log_scale: false,
    show_hessian: false,
    x_label: "x",
    y_label: "y",
    title: "",
    error: "",
    _surface: {},
    starts: [[1, 1]],
    optimizer_names: ["sgd", "momentum"],
    optimizer_colors: { sgd: "#E69F00", momentum: "#56B4E9" },
    learning_rates: { sgd: 0.1, momentum: 0.1 },
    steps: 10,
    max_steps: 500,
    step: 0,
    ...overrides,
  });
}

const mounted: (() => void)[] = [];
const nextFrame = () => new Promise<void>((resolve) => requestAnimationFrame(() => resolve()));

function mount(model: FakeModel) {
  const el = document.createElement("div");
  document.body.append(el);
  const frames: FrameDetail[] = [];
  el.addEventListener("jaxwidgets:frame", (e) => frames.push((e as CustomEvent<FrameDetail>).detail));
  const cleanup = widget.render({ model, el });
  mounted.push(cleanup);
  const root = el.querySelector<HTMLElement>(".jaxwidgets")!;
  const handles = () => [...el.querySelectorAll<SVGGElement>('[role="slider"].handle')];
  const input = (label: string) => el.querySelector<HTMLInputElement>(`input[aria-label="${label}"]`)!;
  const scene = () => sceneOf(el);
  return { el, root, handles, input, frames, scene, cleanup };
}

/** What the ink canvas last drew (its `data-scene`). */
interface Scene {
  provisional: boolean;
  paths: { optimizer: string; start: number; steps: number; cut: number | null; end: Pair | null }[];
  updates: number;
  velocities: number;
}

function sceneOf(el: HTMLElement): Scene {
  return JSON.parse(el.querySelector<HTMLCanvasElement>("canvas.descent-paths")!.dataset.scene ?? "null") as Scene;
}

function chartLines(el: HTMLElement): { name: string; points: number }[] {
  return JSON.parse(el.querySelector<HTMLCanvasElement>(".loss-chart canvas.loss-lines")!.dataset.lines ?? "[]");
}

function setRange(input: HTMLInputElement, value: number): void {
  input.value = String(value);
  input.dispatchEvent(new Event("input", { bubbles: true }));
}

beforeEach(() => {
  vi.spyOn(HTMLCanvasElement.prototype, "getContext").mockReturnValue(null);
});
afterEach(() => {
  for (const cleanup of mounted.splice(0)) cleanup();
  vi.restoreAllMocks();
  document.body.replaceChildren();
});

describe("Descent helpers", () => {
  it("labels starts, places the rate slider and paces the animation", () => {
    expect(startLabel(0)).toBe("start point");
    expect(startLabel(2)).toBe("start point 3");
    expect(sliderRate({ a: 0.01, b: 0.01 })).toEqual({ rate: expect.closeTo(0.01, 12), mixed: false });
    expect(sliderRate({ a: 0.001, b: 0.1 }).mixed).toBe(true);
    expect(sliderRate({ a: 0.001, b: 0.1 }).rate).toBeCloseTo(0.01, 12);
    expect(rateFromSlider(-2)).toBe(0.01);
    expect(rateFromSlider(Math.log10(0.0234567))).toBe(0.0235);
    expect(playRate(200)).toBe(40);
    expect(playRate(20)).toBe(30);
  });

  it("scales short arrows by a nice factor", () => {
    expect([0.5, 1, 1.01, 2, 4.73, 5, 5.01, 37, 1e3].map(niceFactor)).toEqual([1, 1, 2, 2, 5, 5, 10, 50, 1e3]);
  });

  it("decodes runs from buffers at an offset and writes divergence labels", () => {
    const model = makeModel({
      starts: [
        [1, 1],
        [-1, 0.5],
      ],
    });
    let decoded: ReturnType<typeof decodeRuns> | null = null;
    model.on("msg:custom", ((content: RunsReply, buffers: DataView[]) => (decoded = decodeRuns(content, buffers))) as never);
    model.replyRuns(3, {
      diverged: [
        [null, null],
        [4, 7],
      ],
    });
    const runs = decoded!;
    expect(runs.seq).toBe(3);
    expect(runs.positions.length).toBe(2 * 2 * 11 * 2);
    expect(runs.positions[0]).toBe(1);
    expect(runs.losses[0]).toBe(2);
    expect(divergenceText(runs, 0)).toBe("");
    expect(divergenceText(runs, 1)).toBe("diverged at step 4; start 2: diverged at step 7");
  });
});

describe("Descent layout", () => {
  const chrome = 150; // axes and colorbar beside the plot (lib/surface_plot.ts LAYOUT)

  it("puts the legend, controls and loss chart beside a smaller plot where there is room", () => {
    // JupyterLab in a 1280x800 window: about 1100 px for the output.
    const wide = descentLayout(1100, chrome);
    expect(wide).toEqual({ beside: true, plot: 460 });
    const figure = { width: wide.plot + chrome, height: wide.plot + 54 };
    expect(columnSize(wide, 1100, figure)).toEqual({ width: 470, chart: 280 });
    // 830 px is the least that takes both; below, the column goes under a plot of at most 420 px.
    expect(descentLayout(830, chrome)).toEqual({ beside: true, plot: 340 });
    expect(descentLayout(829, chrome)).toEqual({ beside: false, plot: 420 });
    expect(descentLayout(500, chrome)).toEqual({ beside: false, plot: 350 });
    expect(columnSize(descentLayout(500, chrome), 500, { width: 500, height: 404 })).toEqual({ width: 500, chart: 140 });
  });

  it("lays out beside in a wide widget and below in a narrow one", () => {
    const width = vi.spyOn(HTMLElement.prototype, "clientWidth", "get").mockReturnValue(1100);
    const { root, el } = mount(makeModel());
    expect(root.dataset.layout).toBe("beside");
    const body = el.querySelector(".descent-body")!;
    expect([...body.children].map((c) => c.className)).toEqual(["jaxwidgets-figure", "descent-column"]);
    expect(body.classList.contains("beside")).toBe(true);
    expect(el.querySelector<HTMLElement>(".descent-column")!.style.width).toBe("470px");
    expect(el.querySelector<HTMLElement>(".loss-chart")!.style.height).toBe("280px");
    width.mockReturnValue(600);
    const narrow = mount(makeModel());
    expect(narrow.root.dataset.layout).toBe("below");
    expect(narrow.el.querySelector<HTMLElement>(".loss-chart")!.style.height).toBe("140px");
    vi.restoreAllMocks();
  });
});

describe("Descent view", () => {
  it("asks for the current runs on render and draws one path per optimizer per start, exact", async () => {
    const model = makeModel({
      starts: [
        [1, 1],
        [-1, 0.5],
      ],
    });
    const { root, el, handles, frames } = mount(model);
    expect(root.classList.contains("jaxwidgets-descent")).toBe(true);
    expect(model.runsRequests()).toEqual([{ type: "runs", seq: 1, quiet: true, client: expect.stringMatching(/^descent-/) }]);
    expect(handles().map((h) => h.getAttribute("aria-label"))).toEqual(["start point", "start point 2"]);
    model.replyRuns(1);
    await nextFrame();
    expect(sceneOf(el).paths.map((p) => `${p.optimizer}@${p.start}`)).toEqual(["sgd@0", "momentum@0", "sgd@1", "momentum@1"]);
    expect(root.dataset.exactSeq).toBe("1");
    expect(root.dataset.exactX).toBe("1");
    expect(frames.at(-1)).toMatchObject({ kind: "exact", x: 1, y: 1, seq: 1 });
    const legend = el.querySelector(".descent-legend")!;
    expect([...legend.querySelectorAll(".legend-name")].map((n) => n.textContent)).toEqual(["sgd", "momentum"]);
    // No probe in Descent.
    expect(el.querySelector('[aria-label="probe"]')).toBeNull();
    expect(chartLines(el).map((l) => l.name)).toEqual(["sgd", "momentum"]);
    expect(chartLines(el)[0]!.points).toBeGreaterThan(1);
  });

  it("paints the paths on the ink canvas at the plot's place, and traces them again after a zoom", async () => {
    const ink = recordingContext();
    vi.spyOn(HTMLCanvasElement.prototype, "getContext").mockImplementation(function (this: HTMLCanvasElement) {
      return this.classList.contains("descent-paths") ? ink.ctx : null;
    } as never);
    const model = makeModel();
    const { el } = mount(model);
    model.replyRuns(1);
    await nextFrame();
    // Plot area in jsdom: 310 px square at (62, 8) over [-2, 2]^2; the canvas covers it, at dpr 1.
    expect(ink.calls).toContain("setTransform(1.0,0.0,0.0,1.0,-62.0,-8.0)");
    expect(ink.calls.find((c) => c.startsWith("moveTo"))).toBe("moveTo(294.5,85.5)"); // the start (1, 1)
    expect(ink.calls.filter((c) => c === "stroke()").length).toBeGreaterThanOrEqual(4); // halo + line, twice
    const before = sceneOf(el).paths[0]!.end;
    el.querySelector("svg")!.dispatchEvent(
      new WheelEvent("wheel", { clientX: 217, clientY: 163, deltaY: -100, bubbles: true, cancelable: true }),
    );
    await nextFrame();
    const after = sceneOf(el).paths[0]!.end;
    expect(after).not.toEqual(before); // same data, new scales: the path was traced again
    expect(Math.hypot(after![0] - 217, after![1] - 163)).toBeGreaterThan(Math.hypot(before![0] - 217, before![1] - 163));
  });

  it("drags a start with flow control: one request in flight, newest wins, every reply drawn solid at once", async () => {
    const model = makeModel();
    const { root, handles, frames } = mount(model);
    model.replyRuns(1);
    await nextFrame();
    const handle = handles()[0]!;
    pressHandle(handle);
    for (let k = 0; k < 100; k++) {
      handle.dispatchEvent(pointer("pointermove", { clientX: 120 + k, clientY: 200 - k }));
      if (k === 40) {
        const inFlight = model.runsRequests().at(-1)!;
        model.replyRuns(inFlight.seq as number, { starts: inFlight.starts as Pair[] });
      }
    }
    handle.dispatchEvent(pointer("pointerup"));
    expect(model.runsRequests().length).toBeLessThanOrEqual(6);
    expect(frames.filter((f) => f.kind === "provisional").length).toBeGreaterThanOrEqual(100);
    // The reply at k = 40 was drawn at once, solid: exact for the start it begins at.
    const mid = frames.filter((f) => f.kind === "exact").at(-1)!;
    expect(mid.seq).toBeGreaterThan(1);
    expect(sceneOf(root).provisional).toBe(false);
    // Paths that lag behind the handle fade when no newer answer comes for a while.
    await new Promise((resolve) => setTimeout(resolve, STALE_FADE_MS + 30));
    expect(sceneOf(root).provisional).toBe(true); // drawn faded and dashed
    expect(root.querySelector<HTMLCanvasElement>("canvas.descent-paths")!.style.opacity).toBe("0.4");
    // Answer until idle: the last request carries the handle's final position.
    let last = model.runsRequests().at(-1)!;
    for (let k = 0; k < 3; k++) {
      last = model.runsRequests().at(-1)!;
      model.replyRuns(last.seq as number, { starts: last.starts as Pair[] });
    }
    const [, hx, hy] = handle
      .getAttribute("aria-valuetext")!
      .match(/x = (\S+), y = (\S+)/)!
      .map(Number);
    const [sx, sy] = (last.starts as Pair[])[0]!;
    expect(sx).toBeCloseTo(hx!, 3);
    expect(sy).toBeCloseTo(hy!, 3);
    await nextFrame();
    expect(root.dataset.exactSeq).toBe(String(last.seq));
    expect(sceneOf(root).provisional).toBe(false);
    expect(frames.at(-1)!.kind).toBe("exact");
  });

  it("keeps the loss chart's axes during a drag (its y range only grows), and fits them again after it", async () => {
    const model = makeModel();
    const { el, handles } = mount(model);
    model.replyRuns(1);
    await nextFrame();
    const handle = handles()[0]!;
    const axes = el.querySelector(".loss-chart g.axis")!;
    const moveAndAnswer = (clientX: number, clientY: number): Pair => {
      handle.dispatchEvent(pointer("pointermove", { clientX, clientY }));
      const asked = model.runsRequests().at(-1)!;
      model.replyRuns(asked.seq as number, { starts: asked.starts as Pair[] });
      return (asked.starts as Pair[])[0]!;
    };
    pressHandle(handle);
    // Far from the minimum at (0, 0), then near it: the y range grows to take in both.
    moveAndAnswer(20, 20);
    moveAndAnswer(200, 200);
    const held = axes.lastElementChild;
    moveAndAnswer(120, 120);
    expect(axes.lastElementChild).toBe(held); // fits: not rebuilt, though the lines fill only part of it
    handle.dispatchEvent(pointer("pointerup"));
    expect(axes.lastElementChild).not.toBe(held); // the drag is over: fitted to the lines again
  });

  it("shift-click adds a start (all starts are sent), alt-click removes one", async () => {
    const model = makeModel();
    const { el, handles } = mount(model);
    model.replyRuns(1);
    const svg = el.querySelector("svg")!;
    // Plot area in jsdom: 310 px square at (62, 8) over [-2, 2]^2: (217, 163) is the origin.
    svg.dispatchEvent(pointer("pointerdown", { clientX: 217, clientY: 163, shiftKey: true }));
    svg.dispatchEvent(pointer("pointerup", { clientX: 217, clientY: 163, shiftKey: true }));
    expect(handles()).toHaveLength(2);
    expect(handles()[1]!.getAttribute("aria-label")).toBe("start point 2");
    const request = model.runsRequests().at(-1)!;
    expect(request.starts).toHaveLength(2);
    expect((request.starts as Pair[])[0]).toEqual([1, 1]);
    expect((request.starts as Pair[])[1]![0]).toBeCloseTo(0, 9);
    model.replyRuns(request.seq as number, { starts: request.starts as Pair[] });
    pressHandle(handles()[0]!, { altKey: true });
    expect(handles()).toHaveLength(1);
    expect(handles()[0]!.getAttribute("aria-label")).toBe("start point");
    const after = model.runsRequests().at(-1)!;
    expect((after.starts as Pair[]).length).toBe(1);
    expect((after.starts as Pair[])[0]![0]).toBeCloseTo(0, 9);
  });

  it("moves a start with the arrow keys", () => {
    const model = makeModel();
    const { handles } = mount(model);
    model.replyRuns(1);
    handles()[0]!.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowLeft", bubbles: true }));
    const request = model.runsRequests().at(-1)!;
    expect((request.starts as Pair[])[0]![0]).toBeCloseTo(0.96, 9);
  });

  it("sets every learning rate from the log slider and steps from the steps slider, through flow control", () => {
    const model = makeModel();
    const { input, el } = mount(model);
    model.replyRuns(1);
    setRange(input("learning rate"), -2);
    setRange(input("learning rate"), -1.5);
    setRange(input("steps"), 50);
    const requests = model.runsRequests();
    // One in flight (seq 2); the newer rate and the steps change wait.
    expect(requests).toHaveLength(2);
    expect(requests[1]).toMatchObject({ learning_rates: { sgd: 0.01, momentum: 0.01 } });
    expect(el.querySelector(".control-value")!.textContent).toBe("0.0316");
    model.replyRuns(2, { rates: { sgd: 0.01, momentum: 0.01 } });
    const third = model.runsRequests().at(-1)!;
    // The newest state wins, with both changes.
    expect(third).toMatchObject({ seq: 3, learning_rates: { sgd: 0.0316, momentum: 0.0316 }, steps: 50 });
  });

  it("draws each optimizer in the colour Python gives it (optimizer_colors), as loss_figure() does", async () => {
    const strokes = (ctx: CanvasRenderingContext2D, calls: string[]): void => {
      Object.defineProperty(ctx, "strokeStyle", { set: (v: string) => void calls.push(`strokeStyle=${v}`), get: () => "" });
    };
    const ink = recordingContext();
    const chart = recordingContext();
    strokes(ink.ctx, ink.calls);
    strokes(chart.ctx, chart.calls);
    vi.spyOn(HTMLCanvasElement.prototype, "getContext").mockImplementation(function (this: HTMLCanvasElement) {
      return this.classList.contains("descent-paths") ? ink.ctx : this.classList.contains("loss-lines") ? chart.ctx : null;
    } as never);
    const model = makeModel({ optimizer_colors: { sgd: "#123456", momentum: "#abcdef" } });
    const { el } = mount(model);
    model.replyRuns(1);
    await nextFrame();
    const swatches = [...el.querySelectorAll<HTMLElement>(".descent-legend .swatch")].map((s) => s.style.background);
    expect(swatches).toEqual(["rgb(18, 52, 86)", "rgb(171, 205, 239)"]);
    for (const calls of [ink.calls, chart.calls]) {
      const colours = new Set(calls.filter((c) => c.startsWith("strokeStyle=#") && c !== "strokeStyle=#000")); // #000: halos
      expect(colours).toEqual(new Set(["strokeStyle=#123456", "strokeStyle=#abcdef"]));
    }
    vi.restoreAllMocks();
  });

  it("labels divergence in the legend and cuts the path with a mark", async () => {
    const model = makeModel();
    const { el } = mount(model);
    model.replyRuns(1, { diverged: [[null], [3]] });
    await nextFrame();
    const diverged = [...el.querySelectorAll(".legend-diverged")].map((n) => n.textContent);
    expect(diverged).toEqual(["✕ diverged at step 3"]);
    const [sgd, momentum] = sceneOf(el).paths;
    expect(sgd!.cut).toBeNull();
    expect(momentum!.cut).toBe(3);
    expect(momentum!.steps).toBe(3); // steps 0, 1, 2: the "✕" goes at step 2's point
    expect(momentum!.end).not.toBeNull();
  });

  it("follows runs Python sends unasked (user code changed starts, rates or steps)", async () => {
    const model = makeModel();
    const { handles, input, root } = mount(model);
    model.replyRuns(1);
    model.replyRuns(1, {
      starts: [
        [0.5, -0.5],
        [1, 0],
      ],
      rates: { sgd: 0.3, momentum: 0.02 },
      steps: 20,
    });
    await nextFrame();
    expect(handles()).toHaveLength(2);
    expect(handles()[0]!.getAttribute("aria-valuetext")).toBe("x = 0.5, y = -0.5");
    expect(input("steps").value).toBe("20");
    expect(root.querySelector(".legend-rate")!.textContent).toBe("lr 0.3");
    expect(root.dataset.exactX).toBe("0.5");
  });

  it("steps through a run: slider, update and velocity arrows, play to the end, then syncs step", async () => {
    const model = makeModel();
    const { el, input } = mount(model);
    model.replyRuns(1);
    await nextFrame();
    setRange(input("step"), 3);
    expect(sceneOf(el).updates).toBe(2);
    // Only momentum (index 1 in the fake) has a velocity.
    expect(sceneOf(el).velocities).toBe(1);
    expect(el.querySelector(".loss-chart .step-marker")!.getAttribute("data-step")).toBe("3");
    input("step").dispatchEvent(new Event("change", { bubbles: true }));
    expect(model.state.step).toBe(3);
    const saves = model.saves;

    vi.useFakeTimers({ toFake: ["requestAnimationFrame", "cancelAnimationFrame", "performance"] });
    try {
      const play = el.querySelector<HTMLButtonElement>("button.play")!;
      play.click();
      expect(play.getAttribute("aria-label")).toBe("pause");
      vi.advanceTimersByTime(100);
      const midway = Number(input("step").value);
      expect(midway).toBeGreaterThan(3);
      expect(model.saves).toBe(saves); // not synced while playing
      vi.advanceTimersByTime(2000);
      expect(input("step").value).toBe("10");
      expect(play.getAttribute("aria-label")).toBe("play");
      expect(model.state.step).toBe(10);
      expect(sceneOf(el).updates).toBe(0); // no update after the last step
    } finally {
      vi.useRealTimers();
    }
  });

  it("routes view acks and runs errors to their own flow control, and shows text only", async () => {
    const model = makeModel({ title: "<b>bold</b>" });
    const { el } = mount(model);
    expect(el.querySelector(".jaxwidgets-title")!.textContent).toBe("<b>bold</b>");
    expect(el.querySelector("b")).toBeNull();
    model.emit("msg:custom", { type: "error", seq: 1, request: "runs", message: "bad", client: "another-view" });
    setRange(el.querySelector<HTMLInputElement>('input[aria-label="steps"]')!, 4);
    expect(model.runsRequests()).toHaveLength(1); // another view's error frees nothing here
    model.emit("msg:custom", { type: "error", seq: 1, request: "runs", message: "bad" });
    expect(model.runsRequests().at(-1)).toMatchObject({ seq: 2, steps: 4 }); // ours: the waiting one goes
    const reset = [...el.querySelectorAll("button")].find((b) => b.textContent === "Reset view")!;
    reset.click();
    reset.click();
    expect(model.sent.filter((m) => m.type === "reset_view")).toHaveLength(1);
    model.emit("msg:custom", { type: "reset_view", seq: 1 });
    expect(model.sent.filter((m) => m.type === "reset_view")).toHaveLength(2);
  });

  it("after a kernel restart shows the disconnected banner, stops playing and refuses drags, clicks and sliders", async () => {
    const model = makeModel();
    const { el, root, handles, input, cleanup } = mount(model);
    model.replyRuns(1);
    await nextFrame();
    el.querySelector<HTMLButtonElement>("button.play")!.click();
    const cancel = vi.spyOn(globalThis, "cancelAnimationFrame");
    const sent = model.sent.length;
    const handle = handles()[0]!;
    const position = handle.getAttribute("aria-valuetext");
    const drawn = sceneOf(el).paths;
    model.emit("comm_live_update");
    expect(cancel).toHaveBeenCalled();
    expect(root.querySelector(".jaxwidgets-disconnected")!.textContent).toContain("Disconnected from the kernel");
    expect(root.classList.contains("disconnected")).toBe(true);
    expect(handle.getAttribute("aria-disabled")).toBe("true");
    expect(input("learning rate").disabled).toBe(true);
    pressHandle(handle);
    handle.dispatchEvent(pointer("pointermove", { clientX: 120, clientY: 200 }));
    handle.dispatchEvent(pointer("pointerup"));
    const svg = el.querySelector("svg")!;
    svg.dispatchEvent(pointer("pointerdown", { clientX: 217, clientY: 163, shiftKey: true }));
    svg.dispatchEvent(pointer("pointerup", { clientX: 217, clientY: 163, shiftKey: true }));
    setRange(input("steps"), 5);
    await new Promise((resolve) => setTimeout(resolve, STALE_FADE_MS + 30));
    expect(handles()).toHaveLength(1);
    expect(handle.getAttribute("aria-valuetext")).toBe(position);
    expect(model.sent).toHaveLength(sent);
    expect(model.saves).toBe(0);
    // The last picture stays, solid.
    expect(sceneOf(el).paths).toEqual(drawn);
    expect(sceneOf(root).provisional).toBe(false);
    cleanup();
    expect(model.listenerCount()).toBe(0);
  });

  it("cleans up every listener and the animation on removal", () => {
    const model = makeModel();
    const { el, cleanup } = mount(model);
    model.replyRuns(1);
    el.querySelector<HTMLButtonElement>("button.play")!.click();
    const cancel = vi.spyOn(globalThis, "cancelAnimationFrame");
    cleanup();
    expect(el.children).toHaveLength(0);
    expect(model.listenerCount()).toBe(0);
    expect(cancel).toHaveBeenCalled();
  });
});
