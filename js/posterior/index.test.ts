// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { FakeModel as BaseFakeModel } from "../lib/testing";
import widget from "./index";
import type { DrawsFrameDetail, PosteriorModel } from "./protocol";

/** The fake model, plus what Python would answer (the sampler's pushes carry seq 0 and client ""). */
class FakeModel extends BaseFakeModel<PosteriorModel> {
  custom(content: Record<string, unknown>, buffers: DataView[] = []): void {
    this.emit("msg:custom", content, buffers);
  }
  /** A draws message whose buffers are views at a non-zero offset into one bigger ArrayBuffer. */
  draws(run: number, offset: number, count: number, chains = 2, sites = 2, divergentAt: number[] = []): void {
    const values = drawValues(offset, count, chains, sites);
    const flags = new Int32Array(chains * count);
    for (let c = 0; c < chains; c++) for (let i = 0; i < count; i++) if (divergentAt.includes(offset + i)) flags[c * count + i] = 1;
    const big = new ArrayBuffer(8 + values.byteLength + flags.byteLength);
    new Float32Array(big, 8, values.length).set(values);
    new Int32Array(big, 8 + values.byteLength, flags.length).set(flags);
    this.custom(
      {
        type: "draws",
        seq: 0,
        client: "",
        run,
        offset,
        draws: { buffer: 0, dtype: "float32", shape: [chains, count, sites] },
        diverging: { buffer: 1, dtype: "int32", shape: [chains, count] },
      },
      [new DataView(big, 8, values.byteLength), new DataView(big, 8 + values.byteLength, flags.byteLength)],
    );
  }
  /** A warm-up message: `count` steps per chain from warm-up iteration `iteration`. */
  warmup(run: number, iteration: number, count: number, chains = 2, sites = 2): void {
    const values = drawValues(iteration, count, chains, sites);
    this.custom(
      { type: "warmup", seq: 0, client: "", run, iteration, draws: { buffer: 0, dtype: "float32", shape: [chains, count, sites] } },
      [new DataView(values.buffer)],
    );
  }
  replay(seq: number, run: number, total: number, chains = 2, sites = 2, client?: string): void {
    const values = drawValues(0, total, chains, sites);
    const flags = new Int32Array(chains * total);
    this.custom(
      {
        type: "replay",
        seq,
        client: client ?? this.sent.find((m) => m.type === "replay")?.client,
        run,
        draws: { buffer: 0, dtype: "float32", shape: [chains, total, sites] },
        diverging: { buffer: 1, dtype: "int32", shape: [chains, total] },
      },
      [new DataView(values.buffer), new DataView(flags.buffer)],
    );
  }
}

/** Value of (chain c, draw i, site s) = 100 * c + i + s / 10. */
function drawValues(offset: number, count: number, chains: number, sites: number): Float32Array {
  const values = new Float32Array(chains * count * sites);
  for (let c = 0; c < chains; c++)
    for (let i = 0; i < count; i++) for (let s = 0; s < sites; s++) values[(c * count + i) * sites + s] = 100 * c + offset + i + s / 10;
  return values;
}

function makeModel(overrides: Partial<PosteriorModel> = {}): FakeModel {
  return new FakeModel({
    status: "sampling",
    progress: [
      { chain: 0, warmup: 100, draws: 40, divergences: 0 },
      { chain: 1, warmup: 100, draws: 40, divergences: 3 },
    ],
    num_warmup: 100,
    num_samples: 200,
    num_chains: 2,
    sites: ["mu", "sigma"],
    pair: ["mu", "sigma"],
    summary: [],
    controls: { prior_scale: { value: 1, min: 0.1, max: 10, step: 0.05, label: "prior_scale" } },
    error: "",
    title: "Normal model",
    _density: {},
    _data: {},
    reference: {},
    reference_label: "reference",
    ...overrides,
  });
}

const nextFrame = () => new Promise<void>((resolve) => requestAnimationFrame(() => resolve()));

function mount(model: FakeModel) {
  const el = document.createElement("div");
  document.body.append(el);
  const frames: DrawsFrameDetail[] = [];
  el.addEventListener("jaxwidgets:frame", (e) => frames.push((e as CustomEvent<DrawsFrameDetail>).detail));
  const cleanup = widget.render({ model, el });
  const root = el.querySelector<HTMLElement>(".jaxwidgets")!;
  return { el, root, frames, cleanup };
}

/** The client id this view sent with its replay request. */
function clientOf(model: FakeModel, index = 0): string {
  return model.sent.filter((m) => m.type === "replay")[index]!.client as string;
}

beforeEach(() => {
  vi.spyOn(HTMLCanvasElement.prototype, "getContext").mockReturnValue(null);
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
  document.body.replaceChildren();
});

describe("Posterior view", () => {
  it("builds the documented DOM with text-only title, banner and site names", () => {
    const model = makeModel({ title: "<img src=x onerror=alert(1)>", sites: ["<b>mu</b>", "sigma"], pair: ["<b>mu</b>", "sigma"] });
    const { el, root } = mount(model);
    expect(root.className).toBe("jaxwidgets jaxwidgets-posterior");
    expect(el.querySelector(".jaxwidgets-title")!.textContent).toBe("<img src=x onerror=alert(1)>");
    expect(el.querySelector("img")).toBeNull();
    expect(el.querySelector("b")).toBeNull();
    const banner = el.querySelector<HTMLElement>('.jaxwidgets-error[role="alert"]')!;
    expect(banner.hidden).toBe(true);
    model.set("error", "<script>x</script> model raised ValueError");
    expect(banner.hidden).toBe(false);
    expect(banner.textContent).toBe("<script>x</script> model raised ValueError");
    expect(banner.querySelector("script")).toBeNull();
    expect([...el.querySelectorAll<HTMLOptionElement>("select.pair-x option")].map((o) => o.textContent)).toEqual(["<b>mu</b>", "sigma"]);
    expect(el.querySelector(".post-status")!.textContent).toBe("sampling");
    expect(el.querySelectorAll('.post-progress [role="progressbar"]')).toHaveLength(2);
    expect(el.querySelector(".post-progress .divergent")!.textContent).toBe("3 divergent");
    expect(el.querySelectorAll('input[type="range"]')).toHaveLength(1);
  });

  it("asks for a replay on render and builds its state from the reply", async () => {
    const model = makeModel();
    const { root, frames } = mount(model);
    expect(model.sent).toHaveLength(1);
    expect(model.sent[0]).toMatchObject({ type: "replay", seq: 1 });
    expect(typeof model.sent[0]!.client).toBe("string");
    model.replay(1, 3, 40);
    await nextFrame();
    expect(root.dataset.totalDraws).toBe("40");
    expect(root.dataset.run).toBe("3");
    expect(frames.at(-1)).toMatchObject({ kind: "draws", run: 3, total: 40 });
  });

  it("decodes draws messages (DataViews at a non-zero byteOffset) and appends them", async () => {
    const model = makeModel();
    const { root, frames } = mount(model);
    model.replay(1, 1, 0);
    model.draws(1, 0, 25, 2, 2, [3]);
    model.draws(1, 25, 25);
    await nextFrame();
    expect(root.dataset.totalDraws).toBe("50");
    // Two messages, one frame: the picture is redrawn at most once per animation frame.
    expect(frames.filter((f) => f.total === 50)).toHaveLength(1);
    expect(frames.at(-1)!.time).toBeGreaterThan(0);
  });

  it("shows warm-up steps faded, labelled, until the run's first draws replace them", async () => {
    const model = makeModel({ status: "warmup" });
    const { root, frames } = mount(model);
    model.replay(1, 1, 0);
    model.warmup(1, 0, 50);
    model.warmup(1, 50, 50);
    await nextFrame();
    expect(root.dataset.warmupShown).toBe("100");
    expect(root.dataset.totalDraws).toBe("0");
    expect(frames.at(-1)).toMatchObject({ run: 1, total: 0, warmup: 100 });
    expect(root.querySelector(".warmup-note")?.textContent).toContain("warm-up");
    model.warmup(0, 0, 50); // an older run's steps are dropped
    model.draws(1, 0, 10);
    await nextFrame();
    expect(root.dataset.warmupShown).toBe("0");
    expect(frames.at(-1)).toMatchObject({ run: 1, total: 10, warmup: 0 });
    expect(root.querySelector(".warmup-note")).toBeNull();
    model.custom({ type: "reset", run: 2 });
    model.warmup(2, 0, 5);
    await nextFrame();
    expect(root.dataset.warmupShown).toBe("5");
  });

  it("drops draws of runs older than the newest reset and starts over on reset", async () => {
    const model = makeModel();
    const { root, frames } = mount(model);
    model.replay(1, 1, 30);
    model.custom({ type: "reset", run: 2 });
    model.draws(1, 30, 10); // late draws of the old run
    await nextFrame();
    expect(root.dataset.totalDraws).toBe("0");
    expect(root.dataset.run).toBe("2");
    model.draws(2, 0, 10);
    await nextFrame();
    expect(root.dataset.totalDraws).toBe("10");
    expect(frames.at(-1)).toMatchObject({ run: 2, total: 10 });
  });

  it("keeps draws that arrive before the replay reply and joins them after it", async () => {
    const model = makeModel();
    const { root } = mount(model);
    model.draws(1, 20, 5);
    model.replay(1, 1, 20);
    await nextFrame();
    expect(root.dataset.totalDraws).toBe("25");
  });

  it("ignores replies meant for another view of the model", async () => {
    const model = makeModel();
    const a = mount(model);
    const b = mount(model);
    expect(clientOf(model, 0)).not.toBe(clientOf(model, 1));
    model.replay(1, 1, 12, 2, 2, clientOf(model, 1));
    await nextFrame();
    expect(a.root.dataset.totalDraws).toBe("0");
    expect(b.root.dataset.totalDraws).toBe("12");
    // Draws streamed unasked reach every view.
    model.replay(1, 1, 12, 2, 2, clientOf(model, 0));
    model.draws(1, 12, 3);
    await nextFrame();
    expect(a.root.dataset.totalDraws).toBe("15");
    expect(b.root.dataset.totalDraws).toBe("15");
  });

  it("sends slider moves as flow-controlled control requests: one in flight, the last value always sent", () => {
    const model = makeModel();
    const { el } = mount(model);
    const slider = el.querySelector<HTMLInputElement>('input[type="range"]')!;
    const readout = el.querySelector(".control-value")!;
    expect(readout.textContent).toBe("1");
    slider.dispatchEvent(new MouseEvent("pointerdown", { bubbles: true }));
    for (const value of ["2", "3", "4.5", "5"]) {
      slider.value = value;
      slider.dispatchEvent(new Event("input", { bubbles: true }));
    }
    expect(readout.textContent).toBe("5");
    let controls = model.sent.filter((m) => m.type === "control");
    expect(controls).toHaveLength(1);
    expect(controls[0]).toMatchObject({ type: "control", seq: 1, name: "prior_scale", value: 2 });
    // Python's trait echo of an older value must not move the slider the user holds.
    model.set("controls", { prior_scale: { value: 2, min: 0.1, max: 10, step: 0.05, label: "prior_scale" } });
    expect(slider.value).toBe("5");
    model.custom({ type: "control", seq: 1, client: controls[0]!.client });
    controls = model.sent.filter((m) => m.type === "control");
    expect(controls).toHaveLength(2);
    expect(controls[1]).toMatchObject({ seq: 2, value: 5 });
    slider.dispatchEvent(new Event("change", { bubbles: true }));
    model.custom({ type: "control", seq: 2, client: controls[0]!.client });
    expect(model.sent.filter((m) => m.type === "control")).toHaveLength(2);
    // Idle and released: a value set by Python shows.
    model.set("controls", { prior_scale: { value: 7, min: 0.1, max: 10, step: 0.05, label: "prior_scale" } });
    expect(slider.value).toBe("7");
    expect(readout.textContent).toBe("7");
  });

  it("frees the control slot on an error reply and after 5 s without a reply", () => {
    vi.useFakeTimers();
    const model = makeModel();
    const { el } = mount(model);
    const slider = el.querySelector<HTMLInputElement>('input[type="range"]')!;
    for (const value of ["2", "3"]) {
      slider.value = value;
      slider.dispatchEvent(new Event("input"));
    }
    model.custom({ type: "error", seq: 1, request: "control", message: "bad", client: clientOf(model) });
    expect(model.sent.filter((m) => m.type === "control").map((m) => m.value)).toEqual([2, 3]);
    slider.value = "4";
    slider.dispatchEvent(new Event("input"));
    vi.advanceTimersByTime(5100);
    expect(model.sent.filter((m) => m.type === "control").map((m) => m.value)).toEqual([2, 3, 4]);
  });

  it("Run and Stop buttons send run and stop; Stop is disabled when not sampling", () => {
    const model = makeModel();
    const { el, root } = mount(model);
    const run = el.querySelector<HTMLButtonElement>("button.run")!;
    const stop = el.querySelector<HTMLButtonElement>("button.stop")!;
    stop.click();
    run.click();
    expect(model.sent.slice(1).map((m) => [m.type, m.seq])).toEqual([
      ["stop", 1],
      ["run", 1],
    ]);
    model.set("status", "done");
    expect(stop.disabled).toBe(true);
    expect(root.dataset.status).toBe("done");
    expect(el.querySelector(".post-status")!.textContent).toBe("done");
  });

  it("pair selects set the pair trait", async () => {
    const model = makeModel({ sites: ["a", "b", "c"], pair: ["a", "b"] });
    const { el } = mount(model);
    const y = el.querySelector<HTMLSelectElement>("select.pair-y")!;
    y.value = "c";
    y.dispatchEvent(new Event("change"));
    expect(model.state.pair).toEqual(["a", "c"]);
    expect(model.saves).toBe(1);
    model.set("pair", ["c", "a"]);
    expect(el.querySelector<HTMLSelectElement>("select.pair-x")!.value).toBe("c");
    await nextFrame();
    expect(el.querySelector(".post-pair .axis-label")!.textContent).toBe("c");
  });

  it("renders the summary table with r_hat highlighted", () => {
    const model = makeModel();
    const { el } = mount(model);
    model.set("summary", [
      { site: "mu", mean: 0.9091, sd: 0.301, hdi_3: 0.33, hdi_97: 1.47, r_hat: 1.001, ess_bulk: 812.4, ess_tail: 901 },
      { site: "sigma", mean: 1.2, sd: null, hdi_3: null, hdi_97: null, r_hat: 1.05, ess_bulk: 12, ess_tail: 20 },
    ]);
    const rows = [...el.querySelectorAll(".summary-table tbody tr")];
    expect(rows).toHaveLength(2);
    expect(rows[0]!.querySelector("td.mean")!.textContent).toBe("0.909");
    expect(rows[1]!.querySelector("td.sd")!.textContent).toBe("–");
    expect(rows[0]!.querySelector("td.r_hat")!.classList.contains("bad")).toBe(false);
    expect(rows[1]!.querySelector("td.r_hat")!.classList.contains("bad")).toBe(true);
  });

  it("shows the predictive panel for data and curves, and drops curves of old runs", async () => {
    const model = makeModel();
    const { el } = mount(model);
    const panel = el.querySelector<HTMLElement>(".post-predictive")!;
    await nextFrame();
    expect(panel.hidden).toBe(true);
    model.replay(1, 2, 0);
    const x = new Float32Array([0, 1, 2]);
    const curves = new Float32Array([0, 1, 2, 0, 2, 4]);
    model.custom(
      { type: "curves", run: 1, x: { buffer: 0, dtype: "float32", shape: [3] }, curves: { buffer: 1, dtype: "float32", shape: [2, 3] } },
      [new DataView(x.buffer), new DataView(curves.buffer)],
    );
    await nextFrame();
    expect(panel.hidden).toBe(true);
    model.custom(
      { type: "curves", run: 2, x: { buffer: 0, dtype: "float32", shape: [3] }, curves: { buffer: 1, dtype: "float32", shape: [2, 3] } },
      [new DataView(x.buffer), new DataView(curves.buffer)],
    );
    await nextFrame();
    expect(panel.hidden).toBe(false);
    model.custom({ type: "reset", run: 3 });
    await nextFrame();
    expect(panel.hidden).toBe(true);
    const samples = new Float32Array([1, 2, 2, 3]);
    model.set("_data", { x: { view: new DataView(samples.buffer), dtype: "float32", shape: [4] }, kind: "histogram" });
    await nextFrame();
    expect(panel.hidden).toBe(false);
  });

  it("draws the predictive curves over the data, which is thinned for display and drawn faint", async () => {
    // Records each call on the predictive canvas with the globalAlpha it was made with.
    const calls: { name: string; alpha: number }[] = [];
    const state: Record<string | symbol, unknown> = { globalAlpha: 1 };
    const ctx = new Proxy(state, {
      get: (target, key) =>
        key in target ? target[key] : (..._args: unknown[]) => void calls.push({ name: String(key), alpha: target.globalAlpha as number }),
      set: (target, key, value) => {
        target[key] = value;
        return true;
      },
    });
    vi.spyOn(HTMLCanvasElement.prototype, "getContext").mockImplementation(function (this: HTMLCanvasElement) {
      return this.classList.contains("predictive") ? (ctx as unknown as CanvasRenderingContext2D) : null;
    } as never);
    const model = makeModel();
    mount(model);
    model.replay(1, 1, 0);
    const n = 20_000; // the posterior notebook's data
    const dataX = new Float32Array(n).map((_, i) => -3 + (6 * i) / n);
    const dataY = new Float32Array(n).map((_, i) => Math.sin(i));
    model.set("_data", {
      x: { view: new DataView(dataX.buffer), dtype: "float32", shape: [n] },
      y: { view: new DataView(dataY.buffer), dtype: "float32", shape: [n] },
      kind: "points",
    });
    const k = 30;
    const x = new Float32Array([-3, 0, 3]);
    const curves = new Float32Array(3 * k).map((_, i) => i % 3);
    model.custom(
      { type: "curves", run: 1, x: { buffer: 0, dtype: "float32", shape: [3] }, curves: { buffer: 1, dtype: "float32", shape: [k, 3] } },
      [new DataView(x.buffer), new DataView(curves.buffer)],
    );
    await nextFrame();
    const names = calls.map((c) => c.name);
    const dots = names.filter((name) => name === "arc" || name === "fillRect").length;
    const firstCurve = calls.findIndex((c) => c.name === "lineTo");
    const lastDot = names.lastIndexOf("arc");
    expect(firstCurve).toBeGreaterThan(0);
    expect(lastDot).toBeLessThan(firstCurve); // the data lies under the curves
    expect(dots).toBeLessThanOrEqual(2_500); // at most a few thousand dots stand for 20,000 points
    expect(dots).toBeGreaterThanOrEqual(1_000);
    const strokes = calls.filter((c) => c.name === "stroke");
    expect(strokes.length).toBe(k);
    for (const stroke of strokes) expect(stroke.alpha).toBeGreaterThanOrEqual(0.3); // each curve visible
    const dotFills = calls.slice(0, firstCurve).filter((c) => c.name === "fill");
    for (const fill of dotFills) expect(fill.alpha).toBeLessThanOrEqual(0.5); // the dots faint
  });

  it("marks the reference (e.g. the MLE) in the pair and trace plots and names it in the legend", async () => {
    const calls: { name: string; args: number[]; canvas: string }[] = [];
    const recorder = (canvas: string) => {
      const state: Record<string | symbol, unknown> = { globalAlpha: 1 };
      return new Proxy(state, {
        get: (target, key) =>
          key in target ? target[key] : (...args: unknown[]) => void calls.push({ name: String(key), args: args as number[], canvas }),
        set: (target, key, value) => {
          target[key] = value;
          return true;
        },
      });
    };
    const contexts = { pair: recorder("pair"), traces: recorder("traces") };
    vi.spyOn(HTMLCanvasElement.prototype, "getContext").mockImplementation(function (this: HTMLCanvasElement) {
      if (this.classList.contains("pair-draws")) return contexts.pair;
      return this.classList.contains("traces") ? contexts.traces : null;
    } as never);
    const model = makeModel();
    const { el } = mount(model);
    model.replay(1, 1, 30); // mu in [0, 130), sigma = mu + 0.1
    await nextFrame();
    const legend = el.querySelector(".post-legend")!;
    expect(legend.textContent).not.toContain("MLE");
    calls.length = 0;
    // Far outside the draws: the pair domain grows to show it.
    model.set("reference", { mu: 400, sigma: -200 });
    model.set("reference_label", "MLE");
    await nextFrame();
    expect(legend.textContent).toContain("⊕ MLE");
    const pair = calls.filter((c) => c.canvas === "pair");
    const [left, top, width, height] = pair.find((c) => c.name === "rect")!.args as [number, number, number, number];
    const ring = pair.find((c) => c.name === "arc" && c.args[2] === 7)!;
    expect(ring).toBeDefined();
    const [px, py] = ring.args as [number, number];
    expect(px).toBeGreaterThan(left);
    expect(px).toBeLessThan(left + width);
    expect(py).toBeGreaterThan(top);
    expect(py).toBeLessThan(top + height);
    expect(px).toBeGreaterThan(left + width / 2); // mu = 400 is right of every draw
    expect(py).toBeGreaterThan(top + height / 2); // sigma = -200 below every draw
    // One dashed line per trace plot, across it.
    expect(
      calls.filter((c) => c.canvas === "traces" && c.name === "setLineDash" && (c.args[0] as unknown as number[]).length > 0),
    ).toHaveLength(2);
    calls.length = 0;
    model.set("reference", {});
    await nextFrame();
    expect(calls.some((c) => c.name === "arc" && c.args[2] === 7)).toBe(false);
    expect(legend.textContent).not.toContain("MLE");
  });

  it("draws contours of the density under the pair plot when it is for the pair shown", async () => {
    const model = makeModel();
    const { el } = mount(model);
    const n = 30;
    const values = new Float32Array(n * n);
    for (let j = 0; j < n; j++)
      for (let i = 0; i < n; i++) {
        const x = -3 + (6 * i) / (n - 1);
        const y = -3 + (6 * j) / (n - 1);
        values[j * n + i] = -(x * x + y * y) / 2;
      }
    model.set("_density", {
      values: { view: new DataView(values.buffer), dtype: "float32", shape: [n, n] },
      x_range: [-3, 3],
      y_range: [-3, 3],
      x_site: "mu",
      y_site: "sigma",
    });
    await nextFrame();
    const paths = [...el.querySelectorAll(".post-pair .contours path")];
    expect(paths).toHaveLength(3);
    expect(paths.every((p) => (p.getAttribute("d") ?? "").length > 10)).toBe(true);
    model.set("sites", ["mu", "sigma", "tau"]);
    model.set("pair", ["mu", "tau"]);
    await nextFrame();
    expect(el.querySelectorAll(".post-pair .contours path")).toHaveLength(0);
  });

  it("after a kernel restart shows the disconnected banner, disables sliders and buttons, and sends nothing", async () => {
    const model = makeModel();
    const { el, root, cleanup } = mount(model);
    model.replay(1, 1, 5);
    await nextFrame();
    const sent = model.sent.length;
    model.emit("comm_live_update");
    expect(root.querySelector(".jaxwidgets-disconnected")!.textContent).toContain("Run the cell again");
    expect(root.classList.contains("disconnected")).toBe(true);
    const slider = el.querySelector<HTMLInputElement>('input[type="range"]')!;
    expect(slider.disabled).toBe(true);
    expect(slider.getAttribute("aria-disabled")).toBe("true");
    expect(el.querySelector<HTMLButtonElement>("button.run")!.disabled).toBe(true);
    slider.dispatchEvent(new MouseEvent("pointerdown", { bubbles: true }));
    slider.value = "3";
    slider.dispatchEvent(new Event("input", { bubbles: true }));
    el.querySelector<HTMLButtonElement>("button.run")!.click();
    el.querySelector<HTMLButtonElement>("button.stop")!.click();
    expect(model.sent).toHaveLength(sent);
    expect(root.dataset.totalDraws).toBe("5"); // the last picture stays
    cleanup();
    expect(model.listenerCount()).toBe(0);
  });

  it("cleans up every listener, frame and element; views of one model work independently", async () => {
    const model = makeModel();
    const a = mount(model);
    const b = mount(model);
    a.cleanup();
    expect(a.el.children).toHaveLength(0);
    model.replay(1, 1, 5, 2, 2, clientOf(model, 1));
    await nextFrame();
    expect(b.root.dataset.totalDraws).toBe("5");
    b.cleanup();
    expect(model.listenerCount()).toBe(0);
    const before = model.sent.length;
    model.draws(1, 5, 5);
    await nextFrame();
    expect(model.sent.length).toBe(before);
  });
});
