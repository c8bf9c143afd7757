/**
 * RandomKeys' view: the drawn points in the unit square, the running estimate of pi against n, the key
 * tree, a log slider for the sample count, the seed, and a Split button. Every change asks Python for a
 * draw (newest wins, one in flight); Python's draw comes back as float32 buffers and is drawn at once.
 */
import type { BinaryLike } from "../lib/arrays";
import { button, slider } from "../lib/controls";
import { htmlElement, observeWidth } from "../lib/dom";
import { formatNumber } from "../lib/format";
import { FRAME_EVENT, type FrameDetail, type RenderProps } from "../lib/protocol";
import { WidgetShell } from "../lib/shell";
import { observeTheme, readCanvasTheme, resolveColor } from "../lib/theme";
import { ConvergenceChart } from "./convergence";
import { KeyTree } from "./key_tree";
import { type Draw, MAX_SAMPLES, type RandomKeysModel, parseDraw, pathLabel, positionOf, samplesAt, standardError } from "./model";
import { PointsPlot } from "./scatter";

type Part = "figures" | "tree";

const STYLE = `
.jaxwidgets-random-keys .rk-figures { display: flex; flex-wrap: wrap; gap: 8px 16px; }
.jaxwidgets-random-keys .jaxwidgets-figure { background: var(--jp-layout-color0, transparent); }
.jaxwidgets-random-keys .rk-arc { fill: none; stroke: currentColor; stroke-width: 1.2; }
.jaxwidgets-random-keys .rk-tree { position: relative; margin-top: 4px; }
.jaxwidgets-random-keys .rk-edge { stroke: var(--jp-border-color1, #999); stroke-width: 1.2; }
.jaxwidgets-random-keys .rk-key { cursor: pointer; outline: none; }
.jaxwidgets-random-keys .rk-key circle { fill: var(--jp-layout-color1, #fff); stroke: var(--jp-ui-font-color2, #777); stroke-width: 1.5; }
.jaxwidgets-random-keys .rk-key.used circle { stroke: #e76f51; stroke-width: 2.5; }
.jaxwidgets-random-keys .rk-key.selected circle { fill: var(--jp-brand-color1, #1976d2); }
.jaxwidgets-random-keys .rk-key:focus-visible circle { stroke: var(--jp-brand-color1, #1976d2); stroke-width: 3; }
.jaxwidgets-random-keys .rk-key text { font-family: var(--jp-code-font-family, monospace); font-size: 10px; }
.jaxwidgets-random-keys input.rk-seed { width: 7em; font: inherit; color: inherit; background: var(--jp-layout-color1, transparent); border: 1px solid var(--jp-border-color1, #999); border-radius: 3px; padding: 1px 4px; }
.jaxwidgets-random-keys .rk-note { color: var(--jp-warn-color0, #b26a00); }
.jaxwidgets-random-keys .rk-note[hidden] { display: none; }
`;

interface Wanted {
  seed: number;
  samples: number;
  path: number[];
}

function render({ model, el }: RenderProps<RandomKeysModel>): () => void {
  const doc = el.ownerDocument;
  let draw: Draw | null = null;
  const wanted: Wanted = { seed: model.get("seed"), samples: model.get("samples"), path: [...model.get("key_path")] };

  const points = new PointsPlot(doc);
  const chart = new ConvergenceChart(doc);
  const tree = new KeyTree(doc, (path) => ask({ ...wanted, path }));
  const shell = new WidgetShell<RandomKeysModel, Part>({ model, el, kind: "random-keys", style: STYLE, paint, onMessage });
  const draws = shell.requester<Partial<Wanted> & { fetch?: boolean }>("draw");
  const splits = shell.requester<{ path: number[] }>("split");

  const samples = slider("samples", { min: 0, max: positionOf(MAX_SAMPLES), step: 0.01 }, doc);
  const seedLabel = htmlElement("label", { class: "control" }, "seed", doc);
  const seed = htmlElement("input", { type: "number", min: 0, step: 1, class: "rk-seed", "aria-label": "seed" }, undefined, doc);
  seedLabel.append(seed);
  const split = button(
    "Split key",
    { className: "rk-split", title: "jax.random.split the selected key into two; draw with the first" },
    doc,
  );
  const controls = htmlElement("div", { class: "controls" }, undefined, doc);
  controls.append(samples.element, seedLabel, split);
  const figures = htmlElement("div", { class: "rk-figures" }, undefined, doc);
  figures.append(points.element, chart.element);
  const readout = htmlElement("div", { class: "readout rk-readout", "aria-live": "polite" }, undefined, doc);
  const note = htmlElement("div", { class: "rk-note", hidden: "" }, "", doc);
  shell.root.append(controls, figures, readout, note, tree.element);

  function ask(next: Wanted): void {
    Object.assign(wanted, next);
    showControls();
    draws.request({ seed: wanted.seed, samples: wanted.samples, path: wanted.path });
  }

  function showControls(): void {
    samples.input.value = String(positionOf(wanted.samples));
    samples.show(wanted.samples.toLocaleString("en-US"));
    if (doc.activeElement !== seed) seed.value = String(wanted.seed);
  }

  shell.listen(samples.input, "input", () => ask({ ...wanted, samples: samplesAt(Number(samples.input.value)) }));
  shell.listen(seed, "change", () => {
    const value = Math.floor(Number(seed.value));
    if (Number.isFinite(value) && value >= 0) ask({ seed: value, samples: wanted.samples, path: [] });
  });
  shell.listen(split, "click", () => splits.request({ path: wanted.path }));
  shell.onModel("key_tree", () => shell.invalidate("tree"));
  shell.onModel("used", () => shell.invalidate("tree"));

  function onMessage(content: unknown, buffers: readonly BinaryLike[]): void {
    const reply = parseDraw(content, buffers);
    if (!reply) return;
    const requester = (content as { type: string }).type === "split" ? splits : draws;
    const mine = reply.client === shell.clientId;
    if (mine && !requester.accept(reply.seq)) return; // stale: a newer reply is drawn already
    if (!mine && draws.busy) return; // the user is moving: their newest request decides what is shown
    const samePath = draw !== null && draw.path.join(",") === reply.path.join(",");
    draw = reply;
    if (!draws.busy) {
      Object.assign(wanted, { seed: reply.seed, samples: reply.samples, path: reply.path });
      showControls();
    }
    showReadout(reply);
    shell.root.dataset.seq = String(reply.seq);
    shell.invalidate("figures");
    if (!samePath) shell.invalidate("tree"); // a slider drag keeps the key: the tree stays as it is
  }

  function showReadout(d: Draw): void {
    const error = standardError(d.samples);
    readout.textContent = "";
    const parts = [
      `π ≈ ${formatNumber(d.estimate, 6)}`,
      `${d.inside.toLocaleString("en-US")} of ${d.samples.toLocaleString("en-US")} inside`,
      `standard error ±${formatNumber(error, 2)}`,
      `key ${pathLabel(d.path)}`,
    ];
    for (const text of parts) readout.append(htmlElement("span", {}, text, doc));
    note.hidden = !d.reused;
    note.textContent = d.reused
      ? `Key ${pathLabel(d.path)} was used before: the same numbers again. Split a key and use each child once.`
      : "";
    Object.assign(shell.root.dataset, {
      samples: String(d.samples),
      estimate: String(d.estimate),
      path: d.path.join(","),
      reused: String(d.reused),
      seed: String(d.seed),
    });
  }

  function paint(parts: ReadonlySet<Part>): void {
    const width = Math.max(260, el.clientWidth || 640);
    if (parts.has("figures") && draw) {
      const side = Math.min(320, Math.max(220, Math.floor((width - 16) / 2.2)));
      const theme = readCanvasTheme(shell.root);
      points.draw(side, draw.points, draw.shownInside);
      chart.draw(Math.max(240, Math.min(width - side - 16, 420)), side, draw.checkpoints, draw.running, {
        line: resolveColor(shell.root, "--jp-brand-color1", "#1976d2"),
        pi: theme.text,
      });
      // For latency benchmarks (benchmarks/latency.py): this draw is on screen, keyed by its sample count.
      const detail: FrameDetail = { kind: "exact", x: draw.samples, y: 0, seq: draw.seq, time: performance.now() };
      shell.root.dispatchEvent(new CustomEvent(FRAME_EVENT, { detail, bubbles: true }));
    }
    if (parts.has("tree"))
      tree.draw(Math.min(width, 760), model.get("key_tree"), draw?.path ?? wanted.path, model.get("used") ?? [], draw?.reused ?? false);
  }

  shell.addCleanup(observeWidth(el, () => shell.invalidate("figures", "tree")));
  shell.addCleanup(observeTheme(doc, () => shell.invalidate("figures", "tree")));
  showControls();
  shell.start();
  draws.request({ fetch: true });
  return () => shell.destroy();
}

export default { render };
