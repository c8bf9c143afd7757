// @vitest-environment jsdom
import { describe, expect, it } from "vitest";
import { linearisedCurve, ProvisionalCurve, sameValues } from "./fit_provisional";
import type { FitPlotBase, Shown } from "./fit_view";

/** Two parameters, a 3-point curve followed by 2 model values at data points (CurveFit's layout). */
function exactPicture(sensitivities: number[] | null = [0, 0.5, 1, 1, 1, 1]): Shown {
  return {
    values: Float32Array.from([2, 1]),
    loss: 3,
    gradient: Float32Array.from([0, 0]),
    curve: Float32Array.from([1, 2, 3, 9, 9]),
    sensitivities: sensitivities && Float32Array.from(sensitivities),
  };
}

const PLOT: FitPlotBase = { x_range: [0, 1], y_range: [0, 4], curve_points: 3 };

describe("linearisedCurve", () => {
  it("adds each parameter's change times its sensitivities to the curve, and keeps what follows it", () => {
    // Δa = 0.5 along [0, 0.5, 1], Δb = -0.25 along [1, 1, 1]: by hand [-0.25, 0, 0.25].
    const curve = linearisedCurve(exactPicture(), [2, 1], [2.5, 0.75], { curvePoints: 3 });
    expect(Array.from(curve!)).toEqual([0.75, 2, 3.25, 9, 9]);
  });

  it("is the exact curve where nothing moved, and cut at the floor", () => {
    expect(Array.from(linearisedCurve(exactPicture(), [2, 1], [2, 1], { curvePoints: 3 })!)).toEqual([1, 2, 3, 9, 9]);
    const lowered = linearisedCurve(exactPicture(), [2, 1], [2, -0.5], { curvePoints: 3, floor: 0 }); // Δb = -1.5
    expect(Array.from(lowered!)).toEqual([0, 0.5, 1.5, 9, 9]);
  });

  it("gives no guess without sensitivities (a Fit's frame) or past the limit (a jump)", () => {
    expect(linearisedCurve(exactPicture(null), [2, 1], [3, 1], { curvePoints: 3 })).toBeNull();
    expect(linearisedCurve(exactPicture(), [2, 1], [2, 6], { curvePoints: 3, limit: 4 })).toBeNull(); // Δb = 5
    expect(linearisedCurve(exactPicture(), [2, 1], [2, 4.5], { curvePoints: 3, limit: 4 })).not.toBeNull();
  });
});

describe("ProvisionalCurve", () => {
  it("is ahead, with a curve and data-provisional, from a move until the picture for its values", () => {
    const root = document.createElement("div");
    const provisional = new ProvisionalCurve();
    const exact = { shown: exactPicture(), at: [2, 1] };
    provisional.update(root, exact, [2, 1], PLOT);
    expect([provisional.ahead, provisional.curve, root.dataset.provisional]).toEqual([false, null, "false"]);
    provisional.update(root, exact, [2, 1.5], PLOT);
    expect(provisional.ahead).toBe(true);
    expect(Array.from(provisional.curve!)).toEqual([1.5, 2.5, 3.5, 9, 9]);
    expect(root.dataset.provisional).toBe("true");
    provisional.update(root, { shown: exactPicture(), at: [2, 1.5] }, [2, 1.5], PLOT); // the exact reply
    expect([provisional.ahead, provisional.curve, root.dataset.provisional]).toEqual([false, null, "false"]);
  });

  it("shows no guess for a jump of more than a quarter of the plot's height, but is still ahead", () => {
    const root = document.createElement("div");
    const provisional = new ProvisionalCurve();
    provisional.update(root, { shown: exactPicture(), at: [2, 1] }, [2, 2.5], PLOT); // Δb = 1.5 > 4 / 4
    expect([provisional.ahead, provisional.curve, root.dataset.provisional]).toEqual([true, null, "true"]);
  });

  it("fades the exact layer while ahead and restores it after", () => {
    const [root, layer] = [document.createElement("div"), document.createElement("canvas")];
    const ink = { begin: () => null } as never; // jsdom has no canvas: only the layer's opacity is drawn
    const scales = { x: { range: () => [0, 100] }, y: { range: () => [100, 0] } } as never;
    const provisional = new ProvisionalCurve();
    provisional.update(root, { shown: exactPicture(), at: [2, 1] }, [2.5, 1], PLOT);
    provisional.paint(ink, scales, PLOT, layer, "#00f");
    expect(layer.style.opacity).toBe("0.35");
    provisional.update(root, { shown: exactPicture(), at: [2.5, 1] }, [2.5, 1], PLOT);
    provisional.paint(ink, scales, PLOT, layer, "#00f");
    expect(layer.style.opacity).toBe("");
  });

  it("compares values exactly", () => {
    expect(sameValues([1, 2], Float32Array.from([1, 2]))).toBe(true);
    expect(sameValues([1, 2.1], Float32Array.from([1, 2.1]))).toBe(false); // float32 2.1 is not 2.1
    expect(sameValues([1], [1, 2])).toBe(false);
  });
});
