import { describe, expect, it } from "vitest";
import { type DrawBlock, DrawStore, histogram, MAX_DATA_DOTS, padded, predictiveStyle, union } from "./draws";

/** chains x count x sites draws with value 1000 * chain + 10 * (offset + i) + site. */
function block(run: number, offset: number, count: number, chains = 2, sites = 3, divergentAt: number[] = []): DrawBlock {
  const draws = new Float32Array(chains * count * sites);
  const diverging = new Int32Array(chains * count);
  for (let c = 0; c < chains; c++) {
    for (let i = 0; i < count; i++) {
      for (let s = 0; s < sites; s++) draws[(c * count + i) * sites + s] = 1000 * c + 10 * (offset + i) + s;
      if (divergentAt.includes(offset + i)) diverging[c * count + i] = 1;
    }
  }
  return { run, offset, draws, diverging, chains, count, sites };
}

describe("DrawStore", () => {
  it("appends blocks per chain and reads values back", () => {
    const store = new DrawStore();
    expect(store.append(block(1, 0, 3))).toBe(true);
    expect(store.append(block(1, 3, 2, 2, 3, [4]))).toBe(true);
    expect(store.total).toBe(5);
    expect(store.chains).toBe(2);
    expect(store.at(1, 4, 2)).toBe(1000 + 40 + 2);
    expect(store.at(0, 2, 0)).toBe(20);
    expect(store.isDivergent(0, 4)).toBe(true);
    expect(store.isDivergent(0, 3)).toBe(false);
    expect(store.extent(1)).toEqual([1, 1041]);
  });

  it("grows its buffers past the initial capacity without losing rows", () => {
    const store = new DrawStore();
    for (let k = 0; k < 30; k++) store.append(block(0, k * 50, 50));
    expect(store.total).toBe(1500);
    expect(store.at(1, 1499, 1)).toBe(1000 + 14990 + 1);
    expect(store.at(0, 0, 0)).toBe(0);
  });

  it("drops draws of runs older than the newest reset and clears on reset", () => {
    const store = new DrawStore();
    store.append(block(1, 0, 4));
    expect(store.reset(2)).toBe(true);
    expect(store.total).toBe(0);
    expect(store.append(block(1, 4, 4))).toBe(false);
    expect(store.total).toBe(0);
    expect(store.reset(1)).toBe(false);
    expect(store.append(block(2, 0, 2))).toBe(true);
    expect(store.total).toBe(2);
    // A repeated reset of the current run keeps its draws.
    store.reset(2);
    expect(store.total).toBe(2);
  });

  it("starts a newer run when its draws come before its reset", () => {
    const store = new DrawStore();
    store.append(block(1, 0, 4));
    store.append(block(3, 0, 1));
    expect(store.run).toBe(3);
    expect(store.total).toBe(1);
  });

  it("keeps blocks past a gap aside until a replay fills it", () => {
    const store = new DrawStore();
    // A view rendered late: draws 10.. arrive before the replay of draws 0..9.
    expect(store.append(block(4, 10, 5))).toBe(false);
    expect(store.total).toBe(0);
    store.replace(block(4, 0, 10));
    expect(store.total).toBe(15);
    expect(store.at(1, 12, 0)).toBe(1000 + 120);
  });

  it("a replay of an older run is ignored; one of the current run keeps newer rows", () => {
    const store = new DrawStore();
    store.append(block(5, 0, 8));
    expect(store.replace(block(4, 0, 20))).toBe(false);
    expect(store.total).toBe(8);
    store.replace(block(5, 0, 6));
    expect(store.total).toBe(8);
    expect(store.at(0, 7, 0)).toBe(70);
  });
});

describe("helpers", () => {
  it("histogram counts strided columns and ignores values outside", () => {
    const rows = new Float32Array([0.1, 9, 0.6, 9, 0.7, 9, 5, 9]);
    expect([...histogram(rows, 0, 1, 2, 2, 0, 4)]).toEqual([1, 2]);
    expect([...histogram([0, 1, 1], 0, 1, 4)]).toEqual([1, 0, 0, 2]);
  });
  it("padded and union", () => {
    expect(padded([0, 10], 0.1)).toEqual([-1, 11]);
    expect(padded([2, 2])).toEqual([1.5, 2.5]);
    expect(union(null, [1, 2])).toEqual([1, 2]);
    expect(union([0, 1], [0.5, 3])).toEqual([0, 3]);
  });

  it("predictiveStyle thins many data points to faint dots and keeps every curve visible", () => {
    const many = predictiveStyle(20_000, 30);
    expect(many.stride).toBe(10);
    expect(Math.ceil(20_000 / many.stride)).toBeLessThanOrEqual(MAX_DATA_DOTS);
    expect(many.dotAlpha).toBeLessThan(many.curveAlpha);
    expect(many.curveAlpha).toBeGreaterThanOrEqual(0.3);
    const few = predictiveStyle(40, 300);
    expect(few.stride).toBe(1);
    expect(few.dotRadius).toBeGreaterThan(many.dotRadius);
    expect(few.curveAlpha).toBe(0.35);
    expect(predictiveStyle(0, 1).curveAlpha).toBe(0.8);
  });
});
