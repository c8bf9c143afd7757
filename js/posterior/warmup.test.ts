import { describe, expect, it } from "vitest";

import { WARMUP_KEEP, WarmupTrail } from "./warmup";

/** [chains, length, sites] steps where chain c, step i, site s holds c * 1e6 + (first + i) * 10 + s. */
function steps(chains: number, first: number, length: number, sites: number): Float32Array {
  const out = new Float32Array(chains * length * sites);
  for (let c = 0; c < chains; c++)
    for (let i = 0; i < length; i++) for (let s = 0; s < sites; s++) out[(c * length + i) * sites + s] = c * 1e6 + (first + i) * 10 + s;
  return out;
}

describe("WarmupTrail", () => {
  it("keeps each chain's steps in order and their extent", () => {
    const trail = new WarmupTrail();
    expect(trail.append(0, 0, steps(2, 0, 3, 2), [2, 3, 2])).toBe(true);
    expect(trail.append(0, 3, steps(2, 3, 2, 2), [2, 2, 2])).toBe(true);
    expect(trail.count).toBe(5);
    expect(trail.lastIteration).toBe(4);
    expect(Array.from(trail.values[1]!.filter((_, k) => k % 2 === 0))).toEqual([1e6, 1e6 + 10, 1e6 + 20, 1e6 + 30, 1e6 + 40]);
    expect(trail.extent(1)).toEqual([1, 1e6 + 41]);
  });

  it("keeps only the newest WARMUP_KEEP steps per chain", () => {
    const trail = new WarmupTrail();
    trail.append(0, 0, steps(1, 0, 700, 1), [1, 700, 1]);
    trail.append(0, 700, steps(1, 700, 700, 1), [1, 700, 1]);
    expect(trail.count).toBe(WARMUP_KEEP);
    expect(trail.values[0]![0]).toBe((1400 - WARMUP_KEEP) * 10);
    expect(trail.values[0]![WARMUP_KEEP - 1]).toBe(1399 * 10);
  });

  it("starts afresh on a newer run and drops older runs' steps", () => {
    const trail = new WarmupTrail();
    trail.append(1, 0, steps(1, 0, 4, 1), [1, 4, 1]);
    expect(trail.append(0, 0, steps(1, 0, 4, 1), [1, 4, 1])).toBe(false);
    expect(trail.append(2, 0, steps(1, 0, 2, 1), [1, 2, 1])).toBe(true);
    expect([trail.run, trail.count]).toEqual([2, 2]);
    trail.reset(3);
    expect([trail.count, trail.extent(0)]).toEqual([0, null]);
  });

  it("refuses blocks that do not match their shape or the trail's", () => {
    const trail = new WarmupTrail();
    expect(trail.append(0, 0, new Float32Array(3), [1, 2, 2])).toBe(false);
    expect(trail.append(0, 0, steps(1, 0, 2, 2), [1, 2])).toBe(false);
    trail.append(0, 0, steps(2, 0, 2, 2), [2, 2, 2]);
    expect(trail.append(0, 2, steps(3, 2, 2, 2), [3, 2, 2])).toBe(false);
  });
});
