/**
 * Jacobian's view (twin of src/jaxwidgets/jacobian.py): the input plane with a grid and a point to drag, the
 * output plane with the grid's image; around the point a circle, its true image and its image under J.
 *
 * The handle and its circle move at once (provisional: the input plane needs no kernel); the images come
 * from the kernel through the "point" requester (one in flight, newest wins).
 */
import type { BinaryLike } from "../lib/arrays";
import { htmlElement, observeWidth } from "../lib/dom";
import { setSpans } from "../lib/figure";
import { formatNumber } from "../lib/format";
import type { RenderProps } from "../lib/protocol";
import { WidgetShell } from "../lib/shell";
import { observeTheme } from "../lib/theme";
import { decodeGrid, decodePoint, type GridReading, isReply, type JacobianModel, type PointReading } from "./model";
import { COLORS, InputPlane, OutputPlane } from "./planes";

type Part = "grid" | "point" | "readout";
const ALL: Part[] = ["grid", "point", "readout"];

const STYLE = `
.jaxwidgets-jacobian .planes { display: flex; flex-wrap: wrap; gap: 8px 16px; }
.jaxwidgets-jacobian .plane-caption { font-weight: 600; margin: 2px 0; }
.jaxwidgets-jacobian .jacobian-legend { display: flex; flex-wrap: wrap; gap: 2px 14px; }
.jaxwidgets-jacobian .swatch-line { display: inline-block; width: 20px; height: 0; border-top: 2px solid; margin-right: 5px; vertical-align: middle; }
.jaxwidgets-jacobian .swatch-line.dashed { border-top-style: dashed; }
`;

function render({ model, el }: RenderProps<JacobianModel>): () => void {
  let exact: PointReading | null = null;
  let grid: GridReading | null = null;
  let exactCount = 0; // exact readings drawn so far (data-exact-seq: tests and benchmarks wait for one)
  let freshExact = false; // a reading arrived since the last frame: that frame shows it, exact
  const shell: WidgetShell<JacobianModel, Part> = new WidgetShell<JacobianModel, Part>({
    model,
    el,
    kind: "jacobian",
    style: STYLE,
    paint: (parts) => paint(parts),
    onMessage: (content, buffers) => message(content, buffers),
  });
  const doc = shell.doc;
  const points = shell.requester<{ x?: number; y?: number; fetch?: boolean }>("point");
  const grids = shell.requester<{ fetch: true }>("grid");
  const input = new InputPlane(doc, (x, y) => {
    points.request({ x, y });
    shell.invalidate("point", "readout");
  });
  const output = new OutputPlane(doc);
  const planes = htmlElement("div", { class: "planes" }, undefined, doc);
  const captioned = (caption: string, element: HTMLElement): HTMLDivElement => {
    const box = htmlElement("div", { class: "plane" }, undefined, doc);
    box.append(htmlElement("div", { class: "plane-caption" }, caption, doc), element);
    return box;
  };
  const inputBox = captioned("", input.figure.element);
  const outputBox = captioned("", output.figure.element);
  planes.append(inputBox, outputBox);
  const readout = htmlElement("div", { class: "readout jacobian-readout" }, undefined, doc);
  shell.root.append(planes, legend(), readout);

  input.xRange = [...model.get("x_range")];
  input.yRange = [...model.get("y_range")];
  input.handle.setPosition(...model.get("at"));
  shell.onModel("at", () => {
    if (input.handle.dragging() || points.busy) return; // the pushed reply follows; slide there until then
    input.handle.setPosition(...model.get("at"));
    shell.invalidate("point");
  });
  shell.onModel("radius", () => shell.invalidate("point"));
  for (const trait of ["x_label", "y_label"] as const) shell.onModel(trait, () => relayout());
  shell.addCleanup(observeWidth(el, () => relayout()));
  shell.addCleanup(observeTheme(doc, () => shell.invalidate(...ALL)));
  shell.addCleanup(() => input.handle.destroy());
  shell.start();
  relayout();
  grids.request({ fetch: true });
  points.request({ fetch: true });

  function relayout(): void {
    const width = Math.max(280, Math.min(shell.root.clientWidth || el.clientWidth || 600, 760));
    const size = width >= 600 ? Math.floor((width - 16) / 2) : width;
    const [xLabel, yLabel] = [model.get("x_label"), model.get("y_label")];
    inputBox.firstElementChild!.textContent = `input plane: (${xLabel}, ${yLabel})`;
    outputBox.firstElementChild!.textContent = `output plane: f(${xLabel}, ${yLabel}) = (u, v)`;
    input.layout(size, { x: xLabel, y: yLabel });
    output.layout(size);
    shell.invalidate(...ALL);
  }

  function message(content: unknown, buffers: readonly BinaryLike[]): void {
    if (!isReply(content)) return;
    const mine = content.client === shell.clientId;
    if (content.type === "point") {
      if (mine && !points.accept(content.seq)) return; // stale
      if (!mine && (input.handle.dragging() || points.busy)) return; // the user is moving it here
      const reading = decodePoint(content, buffers);
      if (!reading) return;
      exact = reading;
      exactCount += 1;
      freshExact = true;
      if (!input.handle.dragging() && !points.busy) input.handle.setPosition(reading.x, reading.y);
      shell.invalidate("point", "readout");
    } else if (content.type === "grid") {
      if (mine) grids.accept(content.seq);
      const reading = decodeGrid(content, buffers);
      if (!reading) return;
      grid = reading;
      input.xRange = reading.xRange;
      input.yRange = reading.yRange;
      output.fit(reading);
      relayout();
    }
  }

  function isExact(): boolean {
    const [hx, hy] = input.handle.position();
    return exact !== null && exact.x === hx && exact.y === hy;
  }

  function paint(parts: ReadonlySet<Part>): void {
    if (parts.has("grid")) {
      input.drawGrid(grid);
      output.drawGrid(grid);
    }
    if (parts.has("point")) {
      input.drawCircle(model.get("radius"));
      output.drawImages(exact);
    }
    if (parts.has("readout")) showReadout();
    // A new exact reading is announced where it was computed, even if the handle has moved on.
    const [hx, hy] = input.handle.position();
    let detail = { kind: isExact() ? "exact" : "provisional", x: hx, y: hy };
    if (freshExact && exact) detail = { kind: "exact", x: exact.x, y: exact.y };
    freshExact = false;
    if (detail.kind === "exact") {
      shell.root.dataset.exactX = String(detail.x);
      shell.root.dataset.exactY = String(detail.y);
      shell.root.dataset.exactSeq = String(exactCount);
    }
    shell.root.dispatchEvent(new CustomEvent("jaxwidgets:frame", { bubbles: true, detail }));
  }

  function showReadout(): void {
    const [hx, hy] = input.handle.position();
    const n = (v: number): string => (Number.isFinite(v) ? formatNumber(v) : "undefined");
    const lines = [`(${model.get("x_label")}, ${model.get("y_label")}) = (${n(hx)}, ${n(hy)})`];
    if (exact && isExact()) {
      const [a, b, c, d] = exact.jacobian;
      lines.push(
        `f = (${n(exact.value[0])}, ${n(exact.value[1])})`,
        `J = [[${n(a)}, ${n(b)}], [${n(c)}, ${n(d)}]]`,
        `det J = ${n(exact.determinant)}${exact.determinant < 0 ? " (flips orientation)" : ""}`,
        `σ = ${n(exact.singular[0])}, ${n(exact.singular[1])}`,
      );
    } else lines.push("J = …");
    setSpans(readout, lines);
    readout.classList.toggle("provisional", !isExact());
  }

  function legend(): HTMLDivElement {
    const element = htmlElement("div", { class: "legend jacobian-legend" }, undefined, doc);
    const entries: [string, string, boolean][] = [
      ["grid: x fixed", COLORS.vertical, false],
      ["grid: y fixed", COLORS.horizontal, false],
      ["circle and its true image", COLORS.truth, false],
      ["its image under J (linearisation)", COLORS.linear, true],
    ];
    for (const [label, color, dashed] of entries) {
      const entry = htmlElement("span", {}, undefined, doc);
      const swatch = htmlElement("span", { class: `swatch-line${dashed ? " dashed" : ""}` }, undefined, doc);
      swatch.style.borderTopColor = color;
      entry.append(swatch, doc.createTextNode(label));
      element.append(entry);
    }
    return element;
  }

  return () => shell.destroy();
}

export default { render };
