// @vitest-environment jsdom
import { describe, expect, it } from "vitest";
import { button, checkbox, slider } from "./controls";

describe("controls", () => {
  it("a slider is labelled, takes its range, and shows its value to the eye and to screen readers", () => {
    const rate = slider("learning rate", { min: -4, max: 0, step: 0.01 });
    expect(rate.input.getAttribute("aria-label")).toBe("learning rate");
    expect([rate.input.min, rate.input.max, rate.input.step]).toEqual(["-4", "0", "0.01"]);
    rate.show("0.01");
    expect(rate.readout.textContent).toBe("0.01");
    expect(rate.input.getAttribute("aria-valuetext")).toBe("0.01");
    rate.setRange({ min: 0, max: 1, step: 0 });
    expect(rate.input.step).toBe("any");
    expect(rate.element.textContent).toContain("learning rate");
  });

  it("a checkbox and a button carry their text and the shared classes", () => {
    const hessian = checkbox("Hessian");
    expect(hessian.input.type).toBe("checkbox");
    expect(hessian.element.textContent).toBe("Hessian");
    const run = button("Run", { className: "run", title: "Start a new run" });
    expect(run.className).toBe("control-button run");
    expect(run.title).toBe("Start a new run");
    expect(run.type).toBe("button");
  });
});
