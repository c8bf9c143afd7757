// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { drawLogAxes, powerOfTen } from "../lib/axes";
import { svgElement } from "../lib/dom";
import { linearScale } from "../lib/scale";
import { FakeModel } from "../lib/testing";
import { layoutTree, keyHex } from "./key_tree";
import { type RandomKeysModel, samplesAt, positionOf, standardError } from "./model";
import widget from "./index";

const nextFrame = () => new Promise<void>((resolve) => requestAnimationFrame(() => resolve()));

function makeModel(overrides: Partial<RandomKeysModel> = {}): FakeModel<RandomKeysModel> {
  return new FakeModel<RandomKeysModel>({
    error: "",
    title: "",
    seed: 0,
    samples: 1000,
    key_path: [],
    key_tree: [[0, 0], []],
    used: [[]],
    ...overrides,
  });
}

/** Python's draw reply: `n` shown points on the diagonal, half inside. */
function reply(
  model: FakeModel<RandomKeysModel>,
  seq: number,
  fields: { samples: number; path?: number[]; client?: string; type?: string; seed?: number; reused?: boolean },
): void {
  const shown = Math.min(fields.samples, 4);
  const points = new Float32Array(2 * shown).map((_, k) => (k >> 1) / 4 + 0.1);
  const inside = new Int32Array(shown).map((_, k) => (k < 2 ? 1 : 0));
  const checkpoints = new Int32Array([1, 10, fields.samples]);
  const running = new Float32Array([4, 3.2, 3.14]);
  const record = (buffer: number, dtype: string, shape: number[]) => ({ buffer, dtype, shape });
  const content = {
    type: fields.type ?? "draw",
    seq,
    client: fields.client ?? "",
    seed: fields.seed ?? 0,
    samples: fields.samples,
    path: fields.path ?? [],
    inside: Math.round((fields.samples * Math.PI) / 4),
    estimate: 3.14,
    reused: fields.reused ?? false,
    points: record(0, "float32", [shown, 2]),
    shown_inside: record(1, "int32", [shown]),
    checkpoints: record(2, "int32", [3]),
    running: record(3, "float32", [3]),
  };
  model.emit("msg:custom", content, [
    new DataView(points.buffer),
    new DataView(inside.buffer),
    new DataView(checkpoints.buffer),
    new DataView(running.buffer),
  ]);
}

function mount(model = makeModel()) {
  const el = document.createElement("div");
  document.body.append(el);
  const cleanup = widget.render({ model, el });
  mounted.push(cleanup);
  const root = el.querySelector<HTMLElement>(".jaxwidgets-random-keys")!;
  const slider = root.querySelector<HTMLInputElement>('input[aria-label="samples"]')!;
  return { el, root, slider, model, cleanup };
}

beforeEach(() => {
  vi.spyOn(HTMLCanvasElement.prototype, "getContext").mockReturnValue(null); // jsdom has no canvas
});

const mounted: (() => void)[] = [];

afterEach(() => {
  for (const cleanup of mounted.splice(0)) cleanup(); // no frame is painted after the test
  vi.restoreAllMocks();
  document.body.innerHTML = "";
});

describe("RandomKeys view", () => {
  it("asks Python for its draw first, then shows the reply", async () => {
    const { root, model } = mount(makeModel({ samples: 5000 }));
    expect(model.sent).toHaveLength(1);
    expect(model.sent[0]).toMatchObject({ type: "draw", fetch: true, seq: 1 });
    reply(model, 1, { samples: 5000, client: model.sent[0]!.client as string });
    await nextFrame();
    expect(root.dataset.samples).toBe("5000");
    expect(root.querySelector(".rk-readout")!.textContent).toContain("π ≈ 3.14");
    expect(root.querySelector(".rk-points")!.getAttribute("data-points")).toBe("4");
    expect(root.querySelector(".rk-points")!.getAttribute("data-inside")).toBe("2");
  });

  it("the log slider sends the newest sample count, one request in flight", () => {
    const { slider, model } = mount();
    const client = model.sent[0]!.client as string;
    reply(model, 1, { samples: 1000, client });
    slider.value = "4";
    slider.dispatchEvent(new Event("input"));
    slider.value = "5";
    slider.dispatchEvent(new Event("input"));
    slider.value = "7";
    slider.dispatchEvent(new Event("input"));
    expect(model.sent).toHaveLength(2);
    expect(model.sent[1]).toMatchObject({ type: "draw", samples: 10_000, seed: 0, path: [] });
    reply(model, 2, { samples: 10_000, client });
    expect(model.sent).toHaveLength(3);
    expect(model.sent[2]).toMatchObject({ type: "draw", samples: 10_000_000 });
  });

  it("Split sends the selected key's path; a click on a key draws with it", async () => {
    const { root, model } = mount(
      makeModel({
        key_path: [0],
        key_tree: [
          [0, 0],
          [
            [[1, 2], []],
            [[3, 4], []],
          ],
        ],
      }),
    );
    const client = model.sent[0]!.client as string;
    reply(model, 1, { samples: 1000, client, path: [0] });
    root.querySelector<HTMLButtonElement>("button.rk-split")!.click();
    expect(model.sent.at(-1)).toMatchObject({ type: "split", path: [0] });
    await nextFrame();
    const keys = root.querySelectorAll<SVGGElement>(".rk-key");
    expect(keys).toHaveLength(3);
    expect(root.querySelector(".rk-key.selected")!.getAttribute("aria-label")).toBe("key [0]");
    keys[2]!.dispatchEvent(new MouseEvent("click", { bubbles: true }));
    expect(model.sent.at(-1)).toMatchObject({ type: "draw", path: [1] });
  });

  it("keys answer Enter; a new seed asks for the root key of that seed", async () => {
    const { root, model } = mount(
      makeModel({
        key_tree: [
          [0, 0],
          [
            [[1, 2], []],
            [[3, 4], []],
          ],
        ],
      }),
    );
    const client = model.sent[0]!.client as string;
    reply(model, 1, { samples: 1000, client });
    await nextFrame();
    const second = root.querySelector<SVGGElement>('.rk-key[aria-label="key [1]"]')!;
    second.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
    expect(model.sent.at(-1)).toMatchObject({ type: "draw", path: [1], seed: 0 });
    reply(model, 2, { samples: 1000, client, path: [1] });
    const seed = root.querySelector<HTMLInputElement>('input[aria-label="seed"]')!;
    seed.value = "7";
    seed.dispatchEvent(new Event("change"));
    expect(model.sent.at(-1)).toMatchObject({ type: "draw", seed: 7, path: [], samples: 1000 });
  });

  it("a reused key is called out; Python's own pushes update the controls", () => {
    const { root, slider, model } = mount();
    reply(model, 1, { samples: 1000, client: model.sent[0]!.client as string });
    reply(model, 1, { samples: 250, reused: true, path: [] }); // pushed: client ""
    expect(Number(slider.value)).toBeCloseTo(positionOf(250), 1);
    expect(slider.getAttribute("aria-valuetext")).toBe("250");
    const note = root.querySelector<HTMLElement>(".rk-note")!;
    expect(note.hidden).toBe(false);
    expect(note.textContent).toContain("used before");
  });

  it("ignores a stale reply of its own", () => {
    const { root, slider, model } = mount();
    const client = model.sent[0]!.client as string;
    reply(model, 1, { samples: 1000, client });
    slider.value = "3";
    slider.dispatchEvent(new Event("input"));
    reply(model, 2, { samples: 1000, client });
    reply(model, 1, { samples: 77, client });
    expect(root.dataset.samples).toBe("1000");
  });

  it("shows Python's error in the banner and removes everything on cleanup", () => {
    const { el, model, cleanup } = mount();
    model.set("error", "samples must be an integer from 1 to 10,000,000, got 0");
    expect(el.querySelector(".jaxwidgets-error")!.textContent).toContain("samples must be");
    cleanup();
    expect(el.querySelector(".jaxwidgets")).toBeNull();
    expect(model.listenerCount()).toBe(0);
  });
});

describe("RandomKeys parts", () => {
  it("maps the log slider to sample counts from 1 to 10 million", () => {
    expect(samplesAt(0)).toBe(1);
    expect(samplesAt(3)).toBe(1000);
    expect(samplesAt(7)).toBe(10_000_000);
    expect(samplesAt(9)).toBe(10_000_000);
  });

  it("the standard error is 4 sqrt(p (1 - p) / n)", () => {
    expect(standardError(1)).toBeCloseTo(1.642, 3);
    expect(standardError(10_000) * 100).toBeCloseTo(standardError(1), 6);
  });

  it("lays a parent out above its children and prints key data in hex", () => {
    const placed = layoutTree([
      [0, 1],
      [
        [[2, 3], []],
        [
          [4, 5],
          [
            [[6, 7], []],
            [[8, 9], []],
          ],
        ],
      ],
    ]);
    const at = (path: string) => placed.find((p) => p.path.join(",") === path)!;
    expect(at("").x).toBeCloseTo((at("0").x + at("1").x) / 2);
    expect(at("1,1").depth).toBe(2);
    expect(keyHex([42, 0xffffffff])).toBe("0000002a:ffffffff");
  });

  it("labels a log axis at the powers of ten only (lib/axes.ts drawLogAxes)", () => {
    expect([0, 1, 2, 7, -3].map(powerOfTen)).toEqual(["1", "10", "10²", "10⁷", "10⁻³"]);
    const group = svgElement("g");
    const log10 = (v: number) => 10 + 30 * Math.log10(v);
    const x = Object.assign(log10, {
      invert: (p: number) => 10 ** ((p - 10) / 30),
      ticks: () => [2, 3],
      domain: () => [1, 1e7],
      range: () => [10, 220],
    });
    drawLogAxes(
      group,
      { x, y: linearScale([0, 1], [100, 0]) },
      { left: 10, top: 0, width: 210, height: 100 },
      { x: "n", y: "v" },
      { x: true },
    );
    const labels = [...group.querySelectorAll("text")].map((t) => t.textContent);
    expect(labels.slice(0, 2)).toEqual(expect.arrayContaining([]));
    for (const power of ["1", "10", "10²", "10⁷"]) expect(labels).toContain(power);
    expect(labels).not.toContain("2");
  });
});
