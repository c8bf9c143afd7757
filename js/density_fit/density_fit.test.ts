// @vitest-environment jsdom
import { describe, expect, it, vi } from "vitest";
import type { FitTraits } from "../lib/fit_view";
import { FakeModel } from "../lib/testing";
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
});
