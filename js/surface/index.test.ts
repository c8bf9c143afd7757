// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { FakeModel as BaseFakeModel, pointer, recordingContext } from "../lib/testing";
import type { FrameDetail, SurfaceModel } from "../lib/protocol";
import { Ink } from "../lib/ink";
import widget from "./index";

/** The fake model, plus what Python would answer. */
class FakeModel extends BaseFakeModel<SurfaceModel> {
  /** Python's answer to a probe request for f = x^2 + y^2. */
  replyProbe(seq: number, x: number, y: number, client?: string): void {
    const big = new ArrayBuffer(40);
    new Float32Array(big, 4, 6).set([x * x + y * y, 2 * x, 2 * y, 2, 0, 2]);
    const content = {
      type: "probe",
      seq,
      x,
      y,
      result: { buffer: 0, dtype: "float32", shape: [6] },
      ...(client === undefined ? {} : { client }),
    };
    this.emit("msg:custom", content, [new DataView(big, 4, 24)]);
  }
}

function bowlSurface(n: number, generation: number): SurfaceModel["_surface"] {
  const values = new Float32Array(n * n);
  const grad = new Float32Array(2 * n * n);
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < n; i++) {
      const x = -2 + ((i + 0.5) * 4) / n;
      const y = -2 + ((j + 0.5) * 4) / n;
      values[j * n + i] = x * x + y * y;
      grad[j * n + i] = 2 * x;
      grad[n * n + j * n + i] = 2 * y;
    }
  }
  return {
    values: { view: new DataView(values.buffer), dtype: "float32", shape: [n, n] },
    grad: { view: new DataView(grad.buffer), dtype: "float32", shape: [2, n, n] },
    x_range: [-2, 2],
    y_range: [-2, 2],
    stage: "fine",
    generation,
    vmin: 0,
    vmax: 8,
  };
}

function makeModel(overrides: Partial<SurfaceModel> = {}): FakeModel {
  return new FakeModel({
    x_range: [-2, 2],
    y_range: [-2, 2],
    resolution: 20,
    probe: [0.5, 1],
    log_scale: false,
    show_hessian: false,
    x_label: "x",
    y_label: "y",
    title: "Bowl",
    error: "",
    _surface: {},
    ...overrides,
  });
}

/** Plot area in jsdom: 310 px square at (62, 8) over [-2, 2]^2, so the centre is (217, 163). */
const toPixel = (x: number, y: number): [number, number] => [62 + ((x + 2) / 4) * 310, 8 + ((2 - y) / 4) * 310];

/** Press the probe exactly where it is (its knob is drawn on whole pixels, up to half a pixel off). */
function pressHandle(handle: SVGGElement): void {
  const [x, y] = toPixel(Number(handle.dataset.x), Number(handle.dataset.y));
  handle.dispatchEvent(pointer("pointerdown", { clientX: x, clientY: y }));
}

const nextFrame = () => new Promise<void>((resolve) => requestAnimationFrame(() => resolve()));

function mount(model: FakeModel) {
  const el = document.createElement("div");
  document.body.append(el);
  const frames: FrameDetail[] = [];
  el.addEventListener("jaxwidgets:frame", (e) => frames.push((e as CustomEvent<FrameDetail>).detail));
  const cleanup = widget.render({ model, el });
  const root = el.querySelector<HTMLElement>(".jaxwidgets")!;
  const handle = el.querySelector<SVGGElement>('[role="slider"][aria-label="probe"]')!;
  return { el, root, handle, frames, cleanup };
}

beforeEach(() => {
  // jsdom has no canvas: the widget must cope (it draws nothing there) without noisy errors.
  vi.spyOn(HTMLCanvasElement.prototype, "getContext").mockReturnValue(null);
});
afterEach(() => {
  vi.restoreAllMocks();
  document.body.replaceChildren();
});

describe("LossSurface view", () => {
  it("builds the documented DOM: root classes, slider handle, hidden alert banner, text-only title", () => {
    const model = makeModel({ title: "<img src=x onerror=alert(1)>" });
    const { root, handle, el } = mount(model);
    expect(root.classList.contains("jaxwidgets-surface")).toBe(true);
    expect(handle.getAttribute("aria-valuetext")).toBe("x = 0.5, y = 1");
    const banner = el.querySelector<HTMLElement>('.jaxwidgets-error[role="alert"]')!;
    expect(banner.hidden).toBe(true);
    expect(el.querySelector(".jaxwidgets-title")!.textContent).toBe("<img src=x onerror=alert(1)>");
    expect(el.querySelector("img")).toBeNull();
    model.set("error", "f raised ZeroDivisionError");
    expect(banner.hidden).toBe(false);
    expect(banner.textContent).toBe("f raised ZeroDivisionError");
  });

  it("redraws its canvas (theme colours) when the page changes theme, and stops watching once cleaned up", async () => {
    const model = makeModel();
    const { el, cleanup } = mount(model);
    const heatmap = el.querySelector("canvas.heatmap");
    await nextFrame();
    const begin = vi.spyOn(Ink.prototype, "begin");
    const redrawn = (): boolean => begin.mock.instances.some((ink) => ink?.canvas === heatmap);
    document.body.dataset.jpThemeName = "JupyterLab Dark";
    await nextFrame();
    expect(redrawn()).toBe(true);
    begin.mockClear();
    cleanup?.();
    document.body.dataset.jpThemeName = "JupyterLab Light";
    await nextFrame();
    expect(redrawn()).toBe(false);
    delete document.body.dataset.jpThemeName;
  });

  it("asks for the exact reading at the start (with its client id) and draws it as soon as it arrives", async () => {
    const model = makeModel();
    const { root, frames } = mount(model);
    expect(model.sent).toEqual([
      { type: "probe", seq: 1, quiet: true, x: 0.5, y: 1, fetch: true, client: expect.stringMatching(/^surface-/) },
    ]);
    expect(root.dataset.exactSeq).toBeUndefined();
    model.replyProbe(1, 0.5, 1);
    // Drawn in the message handler: the frame that follows shows it.
    expect(root.dataset.exactSeq).toBe("1");
    expect(root.dataset.exactX).toBe("0.5");
    expect(root.dataset.value).toBe("1.25");
    expect(frames.at(-1)).toMatchObject({ kind: "exact", x: 0.5, y: 1, seq: 1 });
    expect(root.querySelector(".readout")!.textContent).toContain("f(0.5, 1) = 1.25");
  });

  it("marks the surface generation and shows a provisional reading from the grid on the next frame", async () => {
    const model = makeModel();
    const { root, handle, frames } = mount(model);
    model.set("_surface", bowlSurface(40, 7));
    expect(root.dataset.surfaceGeneration).toBe("7");
    model.replyProbe(1, 0.5, 1); // frees the one request slot
    pressHandle(handle);
    handle.dispatchEvent(pointer("pointermove", { clientX: 217, clientY: 163 }));
    // The request goes out from the pointer handler; the provisional picture is drawn on the next frame.
    expect(model.sent.at(-1)).toMatchObject({ type: "probe", x: 0, y: 0 });
    await nextFrame();
    const last = frames.at(-1)!;
    expect(last.kind).toBe("provisional");
    expect(last.x).toBeCloseTo(0, 9);
    expect(last.y).toBeCloseTo(0, 9);
    const provisionalLine = root.querySelector<HTMLElement>(".readout-line.provisional")!;
    expect(provisionalLine.hidden).toBe(false);
    expect(provisionalLine.textContent).toMatch(/^f\(0, 0\) ≈ /);
  });

  it("marks the painted generation only once a frame has drawn that surface's heatmap", async () => {
    const { ctx, calls } = recordingContext();
    // Enough of a 2D context for the colour image and the heatmap layer (jsdom has none).
    Object.assign(ctx, {
      createImageData: (w: number, h: number) => ({ data: new Uint8ClampedArray(4 * w * h) }),
      putImageData: () => {},
      drawImage: () => void calls.push("drawImage"),
      createPattern: () => null,
      strokeRect: () => {},
    });
    vi.spyOn(HTMLCanvasElement.prototype, "getContext").mockReturnValue(ctx);
    const model = makeModel();
    const { root } = mount(model);
    await nextFrame();
    expect(root.dataset.paintedGeneration).toBeUndefined(); // no surface yet: nothing to show
    model.set("_surface", bowlSurface(40, 7));
    expect(root.dataset.paintedGeneration).toBeUndefined(); // arrived, but not on screen before the frame
    await nextFrame();
    expect(calls).toContain("drawImage");
    expect(root.dataset.paintedGeneration).toBe("7");
  });

  it("does not claim a painted surface when it has no canvas to paint on", async () => {
    const model = makeModel();
    const { root } = mount(model);
    model.set("_surface", bowlSurface(40, 7));
    await nextFrame();
    expect(root.dataset.surfaceGeneration).toBe("7");
    expect(root.dataset.paintedGeneration).toBeUndefined();
  });

  it("keeps at most one probe request in flight during a drag storm and always sends the last position", async () => {
    const model = makeModel();
    const { root, handle } = mount(model);
    model.replyProbe(1, 0.5, 1);
    pressHandle(handle);
    for (let k = 0; k < 200; k++) {
      handle.dispatchEvent(pointer("pointermove", { clientX: 100 + k, clientY: 100 + k / 2 }));
      const inFlight = model.sent.at(-1)!;
      // The kernel answers now and then, always the request in flight.
      if (k % 50 === 25) model.replyProbe(inFlight.seq as number, inFlight.x as number, inFlight.y as number);
    }
    handle.dispatchEvent(pointer("pointerup"));
    expect(model.sent.length).toBeLessThanOrEqual(11);
    // Answer until idle; the final request is the handle's final position.
    let last = model.sent.at(-1)!;
    for (let k = 0; k < 3; k++) {
      last = model.sent.at(-1)!;
      model.replyProbe(last.seq as number, last.x as number, last.y as number);
    }
    const [, hx, hy] = handle
      .getAttribute("aria-valuetext")!
      .match(/x = (\S+), y = (\S+)/)!
      .map(Number);
    expect(last.x).toBeCloseTo(hx!, 3);
    expect(last.y).toBeCloseTo(hy!, 3);
    await nextFrame();
    expect(root.dataset.exactSeq).toBe(String(last.seq));
  });

  it("draws an exact reply where it was computed while the handle is ahead, and the provisional one at the handle", async () => {
    const model = makeModel();
    model.state._surface = bowlSurface(40, 1);
    const { root, handle, frames } = mount(model);
    pressHandle(handle);
    handle.dispatchEvent(pointer("pointermove", { clientX: 217, clientY: 163 }));
    model.replyProbe(1, 0.5, 1);
    // The exact picture is drawn at once, at (0.5, 1); the handle stays under the pointer at (0, 0).
    expect(frames.filter((f) => f.kind === "exact")).toMatchObject([{ kind: "exact", x: 0.5, y: 1, seq: 1 }]);
    expect(root.dataset.exactX).toBe("0.5");
    expect(handle.getAttribute("aria-valuetext")).toBe("x = 0, y = 0");
    await nextFrame();
    expect(frames.at(-1)).toMatchObject({ kind: "provisional" });
    const exactLine = root.querySelector(".readout-line.exact")!;
    const provisionalLine = root.querySelector<HTMLElement>(".readout-line.provisional")!;
    expect(exactLine.textContent).toContain("f(0.5, 1) = 1.25");
    expect(provisionalLine.hidden).toBe(false);
    expect(provisionalLine.textContent).toMatch(/^f\(0, 0\) ≈ /);
    expect(root.querySelector<SVGGElement>(".provisional-arrow")!.style.display).toBe("");
    // The reply for the handle's position hides the provisional parts.
    model.replyProbe(2, 0, 0);
    expect(frames.at(-1)).toMatchObject({ kind: "exact", x: 0, y: 0, seq: 2 });
    expect(provisionalLine.hidden).toBe(true);
    expect(root.querySelector<SVGGElement>(".provisional-arrow")!.style.display).toBe("none");
  });

  it("tells its own replies from another view's by the echoed client id, and drops stale ones", () => {
    const model = makeModel();
    const { root, handle, frames } = mount(model);
    const client = model.sent[0]!.client as string;
    const reply = (seq: number, x: number, y: number, from: string) => {
      const big = new ArrayBuffer(24);
      new Float32Array(big).set([x * x + y * y, 2 * x, 2 * y, 2, 0, 2]);
      model.emit("msg:custom", { type: "probe", seq, client: from, x, y, result: { buffer: 0, dtype: "float32", shape: [6] } }, [
        new DataView(big),
      ]);
    };
    reply(1, 0.5, 1, client);
    pressHandle(handle);
    handle.dispatchEvent(pointer("pointermove", { clientX: 217, clientY: 163 }));
    handle.dispatchEvent(pointer("pointermove", { clientX: 227, clientY: 163 }));
    // One in flight: the second move waits for the reply to the first.
    expect(model.sent.map((m) => m.seq)).toEqual([1, 2]);
    // Another view's reply with the same seq does not free our slot and is not followed during a drag.
    reply(2, -1, -1, "someone-else");
    expect(model.sent).toHaveLength(2);
    expect(frames.filter((f) => f.kind === "exact")).toHaveLength(1);
    reply(2, 0, 0, client);
    expect(root.dataset.exactSeq).toBe("2");
    expect(model.sent).toHaveLength(3);
    // A late duplicate of an older reply is stale: not drawn.
    reply(1, 0.5, 1, client);
    expect(root.dataset.exactSeq).toBe("2");
  });

  it("follows a probe moved by Python when the user is not dragging", async () => {
    const model = makeModel();
    const { handle, frames } = mount(model);
    model.replyProbe(1, 0.5, 1);
    model.replyProbe(1, -1, 0.25);
    expect(handle.getAttribute("aria-valuetext")).toBe("x = -1, y = 0.25");
    expect(frames.at(-1)).toMatchObject({ kind: "exact", x: -1, y: 0.25 });
  });

  it("moves the probe to where Python answers its first request (Python set it after the view rendered)", () => {
    const model = makeModel();
    const { handle, root } = mount(model);
    model.replyProbe(1, -1, 0.25, model.sent[0]!.client as string); // Python's probe, not the (0.5, 1) rendered
    expect(handle.getAttribute("aria-valuetext")).toBe("x = -1, y = 0.25");
    expect(root.dataset.exactX).toBe("-1");
  });

  it("keeps the user's move when the answer to its first request comes after the user moved the probe", () => {
    const model = makeModel();
    const { handle } = mount(model);
    handle.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowRight", bubbles: true }));
    const moved = handle.getAttribute("aria-valuetext");
    expect(moved).not.toBe("x = 0.5, y = 1");
    model.replyProbe(1, -1, 0.25, model.sent[0]!.client as string); // answers the fetch; the key move was waiting
    expect(handle.getAttribute("aria-valuetext")).toBe(moved);
    expect(model.sent.at(-1)).not.toHaveProperty("fetch");
  });

  it("zooms locally at once, sends a view request, and ignores echoes of older windows", () => {
    const model = makeModel();
    const { el } = mount(model);
    const svg = el.querySelector("svg")!;
    svg.dispatchEvent(new WheelEvent("wheel", { clientX: 217, clientY: 163, deltaY: -100, bubbles: true, cancelable: true }));
    svg.dispatchEvent(new WheelEvent("wheel", { clientX: 217, clientY: 163, deltaY: -100, bubbles: true, cancelable: true }));
    const views = model.sent.filter((m) => m.type === "view");
    expect(views).toHaveLength(1);
    const first = views[0]!.x_range as [number, number];
    expect(first[1] - first[0]).toBeLessThan(4);
    // An echo of the first window while the second is pending must not undo the zoom.
    model.set("x_range", first);
    model.emit("msg:custom", { type: "view", seq: 1 });
    const second = model.sent.filter((m) => m.type === "view");
    expect(second).toHaveLength(2);
    expect((second[1]!.x_range as number[])[1]! - (second[1]!.x_range as number[])[0]!).toBeLessThan(first[1] - first[0]);
  });

  it("resets the view through Python and adopts the window it answers with", async () => {
    const model = makeModel({ x_range: [-1, 1], y_range: [-1, 1] });
    const { el } = mount(model);
    const reset = [...el.querySelectorAll("button")].find((b) => b.textContent === "Reset view")!;
    reset.click();
    const request = model.sent.at(-1)!;
    expect(request).toMatchObject({ type: "reset_view" });
    model.set("x_range", [-2, 2]);
    model.set("y_range", [-3, 3]);
    model.emit("msg:custom", { type: "view", seq: request.seq });
    await nextFrame();
    const ticks = [...el.querySelectorAll(".axis text")].map((t) => t.textContent);
    expect(ticks).toContain("−3");
    expect(ticks).toContain("2");
  });

  it("binds the checkboxes to log_scale and show_hessian", () => {
    const model = makeModel();
    const { el } = mount(model);
    const [log, hessian] = [...el.querySelectorAll<HTMLInputElement>('input[type="checkbox"]')];
    log!.click();
    expect(model.state.log_scale).toBe(true);
    hessian!.click();
    expect(model.state.show_hessian).toBe(true);
    expect(model.saves).toBe(2);
    // Turning the Hessian on asks for a fresh reading that includes it (after the first one is answered).
    model.replyProbe(1, 0.5, 1);
    expect(model.sent.filter((m) => m.type === "probe")).toHaveLength(2);
    model.set("log_scale", false);
    expect(log!.checked).toBe(false);
  });

  it("supports several views of one model and cleans up every listener", async () => {
    const model = makeModel();
    const a = mount(model);
    const b = mount(model);
    model.replyProbe(1, 0.5, 1);
    await nextFrame();
    expect(a.root.dataset.exactSeq).toBe("1");
    expect(b.root.dataset.exactSeq).toBe("1");
    a.cleanup();
    expect(a.el.children).toHaveLength(0);
    b.cleanup();
    expect(model.listenerCount()).toBe(0);
  });

  it("starts a view rendered later where the other views left probe and window (traits lag behind)", async () => {
    const model = makeModel();
    const a = mount(model);
    model.replyProbe(1, 0.5, 1);
    pressHandle(a.handle);
    a.handle.dispatchEvent(pointer("pointermove", { clientX: 217, clientY: 163 }));
    a.handle.dispatchEvent(pointer("pointerup"));
    const svg = a.el.querySelector("svg")!;
    svg.dispatchEvent(new WheelEvent("wheel", { clientX: 217, clientY: 163, deltaY: -100, bubbles: true, cancelable: true }));
    const b = mount(model);
    expect(b.handle.getAttribute("aria-valuetext")).toBe(a.handle.getAttribute("aria-valuetext"));
    // B asks for the exact reading where the probe really is, not at the stale trait (0.5, 1).
    const request = model.sent.at(-1)!;
    expect(Math.abs(request.x as number)).toBeLessThan(1e-9);
  });

  it("after a kernel restart shows the disconnected banner, refuses drags, keys and zoom, and sends nothing", async () => {
    const model = makeModel();
    const { el, root, handle, cleanup } = mount(model);
    model.replyProbe(1, 0.5, 1);
    model.set("_surface", bowlSurface(20, 1));
    await nextFrame();
    const sent = model.sent.length;
    const position = handle.getAttribute("aria-valuetext");
    model.emit("comm_live_update"); // ipywidgets: comm_live = false
    const banner = root.querySelector<HTMLElement>(".jaxwidgets-disconnected")!;
    expect(banner.hidden).toBe(false);
    expect(banner.textContent).toMatch(/^Disconnected from the kernel .*Run the cell again/);
    expect(root.classList.contains("disconnected")).toBe(true);
    expect(handle.getAttribute("aria-disabled")).toBe("true");
    expect(root.querySelector<HTMLInputElement>('input[type="checkbox"]')!.disabled).toBe(true);
    pressHandle(handle);
    handle.dispatchEvent(pointer("pointermove", { clientX: 217, clientY: 163 }));
    handle.dispatchEvent(pointer("pointerup"));
    handle.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowLeft", bubbles: true }));
    el.querySelector("svg")!.dispatchEvent(
      new WheelEvent("wheel", { clientX: 217, clientY: 163, deltaY: -100, bubbles: true, cancelable: true }),
    );
    await nextFrame();
    expect(handle.getAttribute("aria-valuetext")).toBe(position);
    expect(model.sent).toHaveLength(sent);
    // The last picture stays.
    expect(root.dataset.exactSeq).toBe("1");
    expect(root.dataset.surfaceGeneration).toBe("1");
    cleanup();
    expect(model.listenerCount()).toBe(0);
  });

  it("after a kernel shutdown (model.send throws) the first move disconnects the view", () => {
    const model = makeModel();
    const { root, handle } = mount(model);
    model.replyProbe(1, 0.5, 1);
    const send = vi.spyOn(model, "send").mockImplementation(() => {
      throw new Error("Cannot send");
    });
    vi.spyOn(console, "warn").mockImplementation(() => {});
    pressHandle(handle);
    handle.dispatchEvent(pointer("pointermove", { clientX: 217, clientY: 163 }));
    const position = handle.getAttribute("aria-valuetext");
    handle.dispatchEvent(pointer("pointermove", { clientX: 150, clientY: 100 }));
    expect(send).toHaveBeenCalledTimes(1);
    expect(handle.getAttribute("aria-valuetext")).toBe(position);
    expect(root.classList.contains("disconnected")).toBe(true);
    expect(handle.getAttribute("aria-disabled")).toBe("true");
  });

  it("a view rendered after the kernel restarted is disconnected at once and sends nothing", () => {
    const model = makeModel();
    const el = document.createElement("div");
    el.classList.add("jupyter-widgets-disconnected"); // what ipywidgets puts on a view of a dead model
    document.body.append(el);
    const cleanup = widget.render({ model, el });
    expect(el.querySelector(".jaxwidgets.disconnected .jaxwidgets-disconnected")).not.toBeNull();
    expect(model.sent).toHaveLength(0);
    cleanup();
    expect(model.listenerCount()).toBe(0);
  });

  it("follows a surface computed for another window when it has no view request under way", async () => {
    const model = makeModel();
    const { el } = mount(model);
    const zoomed = { ...(bowlSurface(10, 3) as object), x_range: [0, 1], y_range: [0, 1] } as SurfaceModel["_surface"];
    model.set("_surface", zoomed);
    await nextFrame();
    const ticks = [...el.querySelectorAll(".axis text")].map((t) => t.textContent);
    expect(ticks).toContain("0.4");
    expect(ticks).not.toContain("−2");
  });
});
