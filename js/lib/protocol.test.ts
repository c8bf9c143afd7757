import { describe, expect, it } from "vitest";
import { hasSurface, parseServerMessage } from "./protocol";

describe("parseServerMessage", () => {
  it("accepts the three reply types of the protocol", () => {
    const probe = { type: "probe", seq: 3, x: 1, y: 2, result: { buffer: 0, dtype: "float32", shape: [6] } };
    expect(parseServerMessage(probe)).toBe(probe);
    expect(parseServerMessage({ type: "view", seq: 1 })).toEqual({ type: "view", seq: 1 });
    const error = { type: "error", seq: 2, request: "probe", message: "x out of range" };
    expect(parseServerMessage(error)).toBe(error);
  });

  it("ignores unknown or malformed messages", () => {
    for (const bad of [
      null,
      3,
      "probe",
      {},
      { type: "probe", seq: 1 },
      { type: "view" },
      { type: "nope", seq: 1 },
      { type: "error", seq: 1 },
    ]) {
      expect(parseServerMessage(bad)).toBeNull();
    }
  });
});

describe("hasSurface", () => {
  it("is false before the first surface ({}) and true once values are there", () => {
    expect(hasSurface({})).toBe(false);
    expect(hasSurface(null)).toBe(false);
    const record = { view: new DataView(new ArrayBuffer(4)), dtype: "float32", shape: [1, 1] };
    expect(
      hasSurface({ values: record, grad: record, x_range: [0, 1], y_range: [0, 1], stage: "coarse", generation: 1, vmin: 0, vmax: 0 }),
    ).toBe(true);
  });
});
