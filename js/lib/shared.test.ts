import { describe, expect, it } from "vitest";

import { sharedState } from "./shared";

const proxy = (id?: string) => ({ get: (_key: "_instance") => id });

describe("sharedState", () => {
  it("is one object for every view (proxy) of the same widget, another for another widget", () => {
    const first = sharedState<{ probe: [number, number] }>(proxy("w1"));
    first.probe = [1, 2];
    expect(sharedState<{ probe: [number, number] }>(proxy("w1")).probe).toEqual([1, 2]);
    expect(sharedState<{ probe: [number, number] }>(proxy("w2")).probe).toBeUndefined();
  });

  it("falls back to the model object when the widget has no id", () => {
    const model = proxy(undefined);
    sharedState<{ x: number }>(model).x = 3;
    expect(sharedState<{ x: number }>(model).x).toBe(3);
    expect(sharedState<{ x: number }>(proxy(undefined)).x).toBeUndefined();
  });
});
