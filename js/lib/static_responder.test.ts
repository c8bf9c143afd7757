// @vitest-environment jsdom
import { describe, expect, it, vi } from "vitest";
import { interpolate, nearestStart, respond, surfaceReading } from "./static_responder";
import { decodeState, StaticModel } from "./static_model";
import { disableKernelControls, NEEDS_KERNEL, staticOk } from "./static";

/** A saved grid of f(x, y) = x + 2y (exact under bilinear interpolation) with its gradient. */
function planeSurface(n = 8): Record<string, unknown> {
  const cell = (i: number): number => -1 + (i + 0.5) * (2 / n);
  const values = new Float32Array(n * n);
  const grad = new Float32Array(2 * n * n);
  for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) values[j * n + i] = cell(i) + 2 * cell(j);
  grad.fill(1, 0, n * n);
  grad.fill(2, n * n);
  return {
    values: { view: new DataView(values.buffer), dtype: "float32", shape: [n, n] },
    grad: { view: new DataView(grad.buffer), dtype: "float32", shape: [2, n, n] },
    x_range: [-1, 1],
    y_range: [-1, 1],
  };
}

function record(data: Float32Array, shape: number[]): { view: DataView; dtype: string; shape: number[] } {
  return { view: new DataView(data.buffer), dtype: "float32", shape };
}

/** A pool of 3 starts, 1 optimizer, 4 steps: positions encode (start index, step) so gathers can be checked. */
function runsPool(): Record<string, unknown> {
  const [p, o, t] = [3, 1, 4];
  const positions = new Float32Array(p * o * (t + 1) * 2).map(
    (_, k) => Math.floor(k / (2 * (t + 1))) * 100 + (Math.floor(k / 2) % (t + 1)),
  );
  return {
    starts: [
      [0, 0],
      [1, 1],
      [-1, 1],
    ],
    names: ["sgd"],
    learning_rates: { sgd: 0.1 },
    steps: t,
    diverged: [[null, 3, null]],
    positions: record(positions, [p, o, t + 1, 2]),
    losses: record(new Float32Array(p * o * (t + 1)), [p, o, t + 1]),
    updates: record(new Float32Array(p * o * t * 2), [p, o, t, 2]),
    velocities: record(new Float32Array(p * o * t * 2), [p, o, t, 2]),
  };
}

function model(state: Record<string, unknown>): StaticModel {
  return new StaticModel(state, respond);
}

describe("the local responder", () => {
  it("interpolates a probe from the saved grids, with the Hessian from the gradient grid", () => {
    const reading = surfaceReading(planeSurface() as never, 0.3, -0.2);
    expect(reading[0]).toBeCloseTo(0.3 - 0.4, 5);
    expect([reading[1], reading[2]]).toEqual([1, 2]);
    expect([reading[3], reading[4], reading[5]]).toEqual([0, 0, 0]);
    expect(interpolate(Float32Array.from([0, 1, 2, 3]), 2, 2, 0.5, 0.5)).toBeCloseTo(1.5);
    expect(interpolate(Float32Array.from([0, 1, 2, 3]), 2, 2, -4, 9)).toBe(2); // clamped to the grid
  });

  it("answers a probe request with the seq and client, marked approximate", () => {
    const reply = respond(
      { type: "probe", seq: 7, client: "v1", x: 0.5, y: 0.5 },
      model({ _surface: planeSurface(), _static: { note: "n" } }),
    );
    expect(reply?.content).toMatchObject({ type: "probe", seq: 7, client: "v1", x: 0.5, y: 0.5, approximate: true });
    expect((reply!.buffers[0] as Float32Array)[0]).toBeCloseTo(1.5, 5);
  });

  it("snaps Descent starts to the nearest saved start and slices the steps", () => {
    expect(nearestStart(runsPool().starts as [number, number][], -0.8, 0.7)).toBe(2);
    const m = model({ steps: 4, starts: [[0, 0]], _static: { note: "n", runs: runsPool() } });
    const reply = respond(
      {
        type: "runs",
        seq: 3,
        client: "c",
        starts: [
          [0.9, 1.2],
          [-0.1, 0.1],
        ],
        steps: 2,
      },
      m,
    );
    expect(reply?.content).toMatchObject({
      type: "runs",
      seq: 3,
      steps: 2,
      starts: [
        [1, 1],
        [0, 0],
      ],
      diverged: [[null, null]],
    });
    const positions = reply!.buffers[0] as Float32Array;
    expect(Array.from(positions.slice(0, 6))).toEqual([100, 100, 101, 101, 102, 102]); // start 1, steps 0..2
    expect(Array.from(positions.slice(6, 8))).toEqual([0, 0]); // then start 0
    expect((reply!.content.positions as { shape: number[] }).shape).toEqual([2, 1, 3, 2]);
    const all = respond({ type: "runs", seq: 4, starts: [[1, 1]] }, m);
    expect(all?.content.diverged).toEqual([[3]]);
  });

  it("refuses what needs the kernel with an error reply saying why", () => {
    const m = model({ steps: 4, starts: [[0, 0]], _static: { note: "n", runs: runsPool() } });
    const rates = respond({ type: "runs", seq: 5, client: "c", learning_rates: { sgd: 0.5 } }, m);
    expect(rates?.content).toMatchObject({ type: "error", seq: 5, request: "runs" });
    expect(String(rates?.content.message)).toContain(NEEDS_KERNEL);
    expect(respond({ type: "runs", seq: 6, steps: 9 }, m)?.content.type).toBe("error");
    expect(respond({ type: "control", seq: 1, name: "a", value: 2 }, m)?.content).toMatchObject({ type: "error", request: "control" });
  });

  it("replays a saved reply for a question, not for a move", () => {
    const saved = {
      note: "n",
      replies: { point: { content: { x: 2, result: { buffer: 0 } }, buffers: [new DataView(new ArrayBuffer(4))] } },
    };
    const m = model({ _static: saved });
    expect(respond({ type: "point", seq: 2, client: "c", fetch: true }, m)?.content).toMatchObject({
      type: "point",
      seq: 2,
      client: "c",
      x: 2,
    });
    expect(respond({ type: "point", seq: 3, x: 5 }, m)?.content.type).toBe("error");
  });
});

describe("the static model", () => {
  it("decodes saved base64 arrays into DataViews", () => {
    const state = decodeState({
      a: { view: { $b64: btoa(String.fromCharCode(0, 0, 128, 63)) }, shape: [1] },
      b: [1, { $b64: "" }],
    }) as never;
    const view = (state as { a: { view: DataView } }).a.view;
    expect(view).toBeInstanceOf(DataView);
    expect(view.getFloat32(0, true)).toBe(1);
  });

  it("answers requests asynchronously as msg:custom, and emits trait changes", async () => {
    vi.useFakeTimers();
    const m = model({ _surface: planeSurface(), _static: { note: "n" }, log_scale: false });
    const replies: unknown[] = [];
    const changes: unknown[] = [];
    m.on("msg:custom", ((content: unknown) => replies.push(content)) as never);
    m.on("change:log_scale", (() => changes.push(m.get("log_scale" as never))) as never);
    m.send({ type: "probe", seq: 1, x: 0, y: 0 });
    expect(replies).toHaveLength(0);
    await vi.runAllTimersAsync();
    expect(replies).toHaveLength(1);
    m.set("log_scale" as never, true as never);
    expect(changes).toEqual([true]);
    vi.useRealTimers();
  });
});

describe("kernel controls in a static copy", () => {
  it("disables what is not marked static-ok, with the reason as its title", () => {
    const root = document.createElement("div");
    const kept = staticOk(document.createElement("label"));
    kept.append(document.createElement("input"));
    const run = document.createElement("button");
    root.append(kept, run);
    disableKernelControls(root);
    expect(run.disabled).toBe(true);
    expect(run.title).toBe(NEEDS_KERNEL);
    expect(kept.querySelector("input")!.disabled).toBe(false);
  });
});
