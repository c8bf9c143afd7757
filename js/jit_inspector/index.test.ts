// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { FakeModel } from "../lib/testing";
import { type CallRecord, type JitInspectorModel, explanationBody, whyWords } from "./model";
import widget from "./index";

const nextFrame = () => new Promise<void>((resolve) => requestAnimationFrame(() => resolve()));

function makeModel(): FakeModel<JitInspectorModel> {
  return new FakeModel<JitInspectorModel>({
    error: "",
    title: "",
    traces: 1,
    compiles: 1,
    _controls: [
      { name: "x", kind: "array", dtypes: ["float32", "int32"], max_length: 1_000_000 },
      { name: "alpha", kind: "scalar", min: -5, max: 5 },
      { name: "n", kind: "static", options: ["10", "20"] },
    ],
  });
}

function record(call: number, outcome: CallRecord["outcome"], extra: Partial<CallRecord> = {}): CallRecord {
  return {
    call,
    args: { x: "f32[100]", alpha: "f32[]{weak_type=True}", n: "10" },
    outcome,
    compiled: outcome !== "cache hit",
    trace_ms: 2,
    lower_ms: 1,
    compile_ms: 12,
    total_ms: 20,
    cause: "",
    changed: [],
    explanation: "",
    ...extra,
  };
}

function reply(model: FakeModel<JitInspectorModel>, seq: number, r: CallRecord, history: CallRecord[], client = "", n = 0): void {
  model.emit("msg:custom", {
    type: "call",
    seq,
    client,
    record: r,
    history,
    state: { x: { length: 100, dtype: "float32" }, alpha: 1.5, n },
    jaxpr: "{ lambda ; a:f32[100]. let  in (a,) }",
    traces: history.filter((h) => h.outcome !== "cache hit").length,
    compiles: history.filter((h) => h.compiled).length,
  });
}

function mount(model = makeModel()) {
  const el = document.createElement("div");
  document.body.append(el);
  const cleanup = widget.render({ model, el });
  mounted.push(cleanup);
  const root = el.querySelector<HTMLElement>(".jaxwidgets-jit-inspector")!;
  return { el, root, model, cleanup };
}

beforeEach(() => {
  vi.spyOn(HTMLCanvasElement.prototype, "getContext").mockReturnValue(null); // jsdom has no canvas
});

const mounted: (() => void)[] = [];

afterEach(() => {
  for (const cleanup of mounted.splice(0)) cleanup(); // no frame is painted after the test
  vi.restoreAllMocks();
  document.body.innerHTML = "";
});

describe("JitInspector view", () => {
  it("builds a control per argument and asks Python for the last call first", async () => {
    const { root, model } = mount();
    expect(root.querySelector('input[aria-label="x length"]')).not.toBeNull();
    expect(root.querySelector('select[aria-label="x dtype"]')).not.toBeNull();
    expect(root.querySelector('input[aria-label="alpha"]')).not.toBeNull();
    expect(root.querySelectorAll('select[aria-label="n (static)"] option')).toHaveLength(2);
    expect(model.sent[0]).toMatchObject({ type: "call", fetch: true });
    const first = record(1, "first call");
    reply(model, 1, first, [first], model.sent[0]!.client as string);
    await nextFrame();
    expect(root.dataset.outcome).toBe("first call");
    expect(root.querySelector(".jit-jaxpr")!.textContent).toContain("lambda");
    expect(root.querySelector<HTMLInputElement>('input[aria-label="alpha"]')!.value).toBe("1.5");
  });

  it("a static change sends every argument's value; one request in flight, the newest wins", async () => {
    const { root, model } = mount();
    const client = model.sent[0]!.client as string;
    const first = record(1, "first call");
    reply(model, 1, first, [first], client);
    const menu = root.querySelector<HTMLSelectElement>('select[aria-label="n (static)"]')!;
    menu.value = "1";
    menu.dispatchEvent(new Event("change"));
    expect(model.sent[1]).toMatchObject({ type: "call", values: { n: 1, alpha: 1.5, x: { length: 100, dtype: "float32" } } });
    const alpha = root.querySelector<HTMLInputElement>('input[aria-label="alpha"]')!;
    alpha.value = "2";
    alpha.dispatchEvent(new Event("input"));
    alpha.value = "3";
    alpha.dispatchEvent(new Event("input"));
    expect(model.sent).toHaveLength(2);
    const retrace = record(2, "retrace", {
      cause: "n",
      changed: ["n"],
      args: { ...first.args, n: "20" },
      explanation: "TRACING CACHE MISS at here\n  * at input path [1]['n'], now 20",
    });
    reply(model, 2, retrace, [first, retrace], client, 1);
    expect(model.sent).toHaveLength(3);
    expect(model.sent[2]).toMatchObject({ values: { alpha: 3, n: 1 } });
    await nextFrame();
    expect(root.dataset.cause).toBe("n");
    expect(root.querySelector(".jit-why")!.textContent).toContain("n 10 → 20");
    expect(root.querySelector(".jit-explanation")!.textContent).toBe("* at input path [1]['n'], now 20");
    expect(root.querySelectorAll(".jit-history tr")).toHaveLength(3);
  });

  it("the timing button asks once and draws the reply", async () => {
    const { root, model } = mount();
    const time = root.querySelector<HTMLButtonElement>("button.jit-time")!;
    time.click();
    expect(time.disabled).toBe(true);
    expect(model.sent.at(-1)).toMatchObject({ type: "timing" });
    const sizes = new Float32Array([10, 1000]);
    const jit = new Float32Array([1e-5, 2e-5]);
    const eager = new Float32Array([1e-4, 1e-3]);
    const rec = (buffer: number) => ({ buffer, dtype: "float32", shape: [2] });
    model.emit("msg:custom", { type: "timing", seq: 1, client: "", sizes: rec(0), jit_s: rec(1), eager_s: rec(2) }, [sizes, jit, eager]);
    await nextFrame();
    expect(time.disabled).toBe(false);
    expect(root.querySelector<HTMLElement>(".jit-timing")!.hidden).toBe(false);
    expect(root.querySelector(".jit-timing-legend")!.textContent).toContain("jit is 50× faster");
  });

  it("offers the timing panel only for a function with an array argument", () => {
    const model = makeModel();
    model.state._controls = model.state._controls.filter((spec) => spec.kind !== "array");
    const { root } = mount(model);
    expect(root.querySelector<HTMLButtonElement>("button.jit-time")!.closest<HTMLElement>(".controls")!.hidden).toBe(true);
  });

  it("shows a key argument without a control and never sends it", () => {
    const model = makeModel();
    model.state._controls = [{ name: "key", kind: "fixed", text: "key<fry>[]" }, ...model.state._controls];
    const { root } = mount(model);
    expect(root.querySelector(".jit-fixed")!.textContent).toBe("key: key<fry>[]");
    const first = record(1, "first call");
    reply(model, 1, first, [first], model.sent[0]!.client as string);
    const alpha = root.querySelector<HTMLInputElement>('input[aria-label="alpha"]')!;
    alpha.value = "2";
    alpha.dispatchEvent(new Event("input"));
    expect(Object.keys(model.sent.at(-1)!.values as object)).toEqual(["x", "alpha", "n"]);
  });

  it("cleans up everything it added", () => {
    const { el, model, cleanup } = mount();
    cleanup();
    expect(el.querySelector(".jaxwidgets")).toBeNull();
    expect(model.listenerCount()).toBe(0);
  });
});

describe("JitInspector words", () => {
  it("say what changed and what JAX named", () => {
    const before = record(1, "first call");
    const after = record(2, "retrace", { cause: "x", changed: ["x"], args: { ...before.args, x: "f32[50]" } });
    expect(whyWords(after, before)).toContain("names x");
    expect(whyWords(after, before)).toContain("x f32[100] → f32[50]");
    expect(whyWords(record(3, "cache hit", { changed: ["alpha"] }), after)).toContain("alpha changed value only");
    const back = record(4, "cache hit", { changed: ["x"] });
    expect(whyWords(back, after)).toContain("x f32[50] → f32[100], but jit compiled f for these");
    expect(explanationBody("TRACING CACHE MISS at a:1\n  for f\n  * at x")).toBe("for f\n  * at x");
  });
});
