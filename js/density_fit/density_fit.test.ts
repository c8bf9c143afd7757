// @vitest-environment jsdom
import { describe, expect, it, vi } from "vitest";
import type { FitTraits } from "../lib/fit_view";
import { FakeModel, recordingContext } from "../lib/testing";
import widget, { type DensityPlot, mleNote } from "./index";

const record = (values: number[]) => ({ view: new DataView(Float32Array.from(values).buffer), dtype: "float32", shape: [values.length] });

function plot(): DensityPlot {
  return {
    edges: record([-1, 0, 1]),
    counts: record([0.4, 0.6]),
    curve_points: 3,
    x_range: [-1, 1],
    y_range: [0, 0.75],
    reference: { values: [0.1, 0.25], curve: record([0.2, 0.4, 0.2]) },
  };
}

describe("DensityFit view", () => {
  it("renders a slider per parameter, no residual panel, and names the known MLE in the readout", () => {
    const model = new FakeModel<FitTraits<DensityPlot>>({
      parameter_names: ["log_sigma", "mu"],
      ranges: { log_sigma: [-1, 1], mu: [-2, 2] },
      fixed: ["mu"],
      handles: {},
      fitting: true,
      compiling: false,
      fit_report: { bfgs: { iterations: 7, loss: 141.9 }, scipy: { iterations: 6, loss: 141.9 } },
      loss_name: "NLL",
      x_label: "x",
      y_label: "density",
      title: "",
      error: "",
      _plot: plot(),
    });
    vi.spyOn(HTMLCanvasElement.prototype, "getContext").mockReturnValue(null); // jsdom draws no canvas
    const el = document.createElement("div");
    const destroy = widget.render({ model, el });
    expect(el.querySelector(".jaxwidgets-density-fit")).not.toBeNull();
    expect(el.querySelectorAll("input[type=range]")).toHaveLength(2);
    expect(el.querySelector<HTMLInputElement>('input[aria-label="fix mu"]')!.checked).toBe(true);
    expect(el.querySelector<HTMLButtonElement>("button.fit-button")!.disabled).toBe(true); // a Fit runs
    model.set("fitting", false);
    expect(el.querySelector<HTMLButtonElement>("button.fit-button")!.disabled).toBe(false);
    expect(mleNote(plot(), ["log_sigma", "mu"])).toBe("MLE (dashed): log_sigma = 0.1, mu = 0.25");
    destroy();
    expect(el.childElementCount).toBe(0);
  });

  it("draws the linearised density at once on a slider move, cut at 0, and solid again on the exact reply", () => {
    const model = new FakeModel<FitTraits<DensityPlot>>({
      ...{ parameter_names: ["log_sigma", "mu"], ranges: { log_sigma: [-1, 1], mu: [-2, 2] }, fixed: [], handles: {} },
      ...{ fitting: false, compiling: false, fit_report: {}, loss_name: "NLL", x_label: "x", y_label: "density" },
      ...{ title: "", error: "", _plot: { ...plot(), reference: undefined } },
    });
    const drawn = new Map<string, string[]>(); // each canvas's newest drawing
    vi.spyOn(HTMLCanvasElement.prototype, "getContext").mockImplementation(function (this: HTMLCanvasElement) {
      const { ctx, calls } = recordingContext();
      drawn.set(this.className, calls);
      return ctx;
    } as never);
    vi.useFakeTimers();
    const el = document.createElement("div");
    const destroy = widget.render({ model, el });
    const answer = (values: number[]) => {
      const request = model.sent.at(-1)!;
      const arrays = [values, [0, 0], [0.05, 0.4, 0.05], [0, 0, 0, -0.3, 0, 0.3]];
      const buffers = arrays.map((v) => new DataView(Float32Array.from(v).buffer));
      const record = (buffer: number, shape: number[]) => ({ buffer, dtype: "float32", shape });
      const [values_, gradient, curve, sensitivities] = [record(0, [2]), record(1, [2]), record(2, [3]), record(3, [2, 3])];
      const reply = { type: "params", seq: request.seq, client: request.client, loss: 5, values: values_, gradient, curve, sensitivities };
      model.emit("msg:custom", reply, buffers);
      vi.advanceTimersByTime(50);
    };
    answer([0, 0]); // the fetch on render
    const mu = el.querySelector<HTMLInputElement>('input[type=range][data-param="mu"]')!;
    mu.value = "0.5";
    mu.dispatchEvent(new Event("input"));
    vi.advanceTimersByTime(50);
    const root = el.querySelector<HTMLElement>(".jaxwidgets-density-fit")!;
    expect(root.dataset.provisional).toBe("true");
    // 0.05 + 0.5 * [-0.3, 0, 0.3] = [-0.1, 0.4, 0.2], cut at 0; x from -1 to 1 over 62..626 px, y 0..0.75 over 308..8 px.
    const provisional = drawn.get("ink fit-provisional")!;
    expect(provisional).toContain("moveTo(62.0,308.0)");
    expect(provisional).toEqual(expect.arrayContaining(["lineTo(344.0,148.0)", "lineTo(626.0,228.0)"]));
    expect(el.querySelector<HTMLCanvasElement>("canvas.fit-curve")!.style.opacity).toBe("0.35");
    answer([0, 0.5]); // the exact reply for mu = 0.5
    expect(root.dataset.provisional).toBe("false");
    expect(drawn.get("ink fit-provisional")!.some((call) => call.startsWith("moveTo"))).toBe(false);
    expect(el.querySelector<HTMLCanvasElement>("canvas.fit-curve")!.style.opacity).toBe("");
    destroy();
    vi.useRealTimers();
    vi.restoreAllMocks();
  });
});
