/**
 * Derivative's view (twin of src/jaxwidgets/derivative.py): f with a point dragged along it, the tangent from
 * grad and the osculating parabola, the readout f, f', f''; the finite-difference panel; the jaxprs.
 *
 * The handle moves at once along the curve the page already has (provisional); the exact reading at x comes
 * from the kernel through the "point" requester (one in flight, newest wins). Zoom and pan move the axes at
 * once and ask for f over the new view ("view" requester).
 */
import type { BinaryLike } from "../lib/arrays";
import { htmlElement, observeWidth } from "../lib/dom";
import { setSpans } from "../lib/figure";
import { formatNumber } from "../lib/format";
import type { Pair, RenderProps } from "../lib/protocol";
import { WidgetShell } from "../lib/shell";
import { observeTheme } from "../lib/theme";
import { CurvePlot } from "./curve_plot";
import { FdChart } from "./fd_chart";
import { JaxprPanel } from "./jaxpr";
import { curveAt, decodeCurve, decodePoint, type DerivativeModel, isReply, type PointReading } from "./model";
import { DERIVATIVE_STYLE } from "./style";

type Part = "curve" | "lines" | "fd" | "readout" | "jaxpr";
const ALL: Part[] = ["curve", "lines", "fd", "readout", "jaxpr"];

function render({ model, el }: RenderProps<DerivativeModel>): () => void {
  let exact: PointReading | null = null;
  let exactCount = 0; // exact readings drawn so far (data-exact-seq: tests and benchmarks wait for one)
  let freshExact = false; // a reading arrived since the last frame: that frame shows it, exact
  let width = 600;
  const shell: WidgetShell<DerivativeModel, Part> = new WidgetShell<DerivativeModel, Part>({
    model,
    el,
    kind: "derivative",
    style: DERIVATIVE_STYLE,
    paint: (parts) => paint(parts),
    onMessage: (content, buffers) => message(content, buffers),
  });
  const doc = shell.doc;
  const points = shell.requester<{ x?: number; fetch?: boolean }>("point");
  const views = shell.requester<{ x_range?: Pair; fetch?: boolean; reset?: boolean }>("view");
  const plot = new CurvePlot(doc, {
    onMove: (x) => {
      points.request({ x });
      shell.invalidate("readout");
    },
    onDragEnd: () => shell.invalidate("fd"), // the chart's decades fit the last reading again
    onView: (range) => {
      views.request(range ? { x_range: range } : { reset: true });
      shell.invalidate("curve", "lines");
    },
    listen: (target, type, handler, options) => shell.listen(target, type, handler, options),
  });
  const readout = htmlElement("div", { class: "readout derivative-readout" }, undefined, doc);
  const fd = new FdChart(doc);
  const jaxprs = new JaxprPanel(doc);
  const lower = htmlElement("div", { class: "derivative-lower" }, undefined, doc);
  lower.append(fd.element, jaxprs.element);
  shell.root.append(plot.figure.element, readout, lower);

  plot.xRange = [...model.get("x_range")];
  plot.handle.setPosition(model.get("at"), Number.NaN);
  shell.onModel("order", () => shell.invalidate("lines"));
  shell.onModel("jaxpr", () => shell.invalidate("jaxpr"));
  shell.onModel("grad_jaxpr", () => shell.invalidate("jaxpr"));
  shell.onModel("at", () => {
    // Python moved the point: its pushed reply follows; until then slide the handle there.
    if (plot.handle.dragging() || points.busy) return;
    const x = model.get("at");
    plot.handle.setPosition(x, plot.handle.position()[1]);
  });
  shell.addCleanup(observeWidth(el, () => relayout()));
  shell.addCleanup(observeTheme(doc, () => shell.invalidate(...ALL)));
  shell.addCleanup(() => plot.handle.destroy());
  shell.start();
  relayout();
  // Questions, not moves: Python's point and view win over this view's state (a later cell may have set them).
  views.request({ fetch: true });
  points.request({ fetch: true });

  function relayout(): void {
    width = Math.max(280, Math.min(shell.root.clientWidth || el.clientWidth || 600, 760));
    plot.layout(width);
    shell.invalidate(...ALL);
  }

  function message(content: unknown, buffers: readonly BinaryLike[]): void {
    if (!isReply(content)) return;
    const mine = content.client === shell.clientId;
    if (content.type === "point") {
      if (mine && !points.accept(content.seq)) return; // stale: a newer reply is drawn already
      if (!mine && (plot.handle.dragging() || points.busy)) return; // the user is moving it here
      const reading = decodePoint(content, buffers);
      if (!reading) return;
      exact = reading;
      exactCount += 1;
      freshExact = true;
      const [hx] = plot.handle.position();
      // The handle sits on the curve as drawn (interpolated between samples); the exact point is marked beside.
      if (!plot.handle.dragging() && (hx === reading.x || !mine || !points.busy))
        plot.handle.setPosition(reading.x, curveAt(plot.curve, reading.x));
      shell.invalidate("lines", "fd", "readout");
    } else if (content.type === "view") {
      if (mine && !views.accept(content.seq)) return;
      if (!mine && views.busy) return;
      const curve = decodeCurve(content, buffers);
      if (!curve) return;
      plot.setCurve(curve);
      const [hx] = plot.handle.position();
      plot.handle.setPosition(hx, curveAt(curve, hx));
      shell.invalidate("curve", "lines");
    }
  }

  function paint(parts: ReadonlySet<Part>): void {
    if (parts.has("curve")) plot.drawCurve();
    if (parts.has("lines")) plot.drawLines(exact, model.get("order"));
    // Half the width beside the jaxprs where both fit (the flex row wraps below 640 px); from the width
    // relayout() measured, not the DOM: reading layout here would force it on every frame of a drag.
    if (parts.has("fd")) fd.draw(width >= 640 ? Math.floor(width / 2) - 8 : width, exact, plot.handle.dragging());
    if (parts.has("readout")) showReadout();
    if (parts.has("jaxpr")) jaxprs.show(model.get("jaxpr"), model.get("grad_jaxpr"));
    announceFrame();
  }

  function showReadout(): void {
    const [hx] = plot.handle.position();
    const current = exact !== null && exact.x === hx;
    const shown = (v: number | undefined): string => (v === undefined ? "…" : Number.isFinite(v) ? formatNumber(v) : "undefined");
    const text = [
      `x = ${formatNumber(hx)}`,
      `f(x) = ${shown(current ? exact!.value : undefined)}`,
      `f′(x) = ${shown(current ? exact!.slope : undefined)}`,
      `f″(x) = ${shown(current ? exact!.curvature : undefined)}`,
    ];
    setSpans(readout, text);
    readout.classList.toggle("provisional", !current);
  }

  /**
   * Tell tests and benchmarks what this frame shows: a new exact reading (keyed by where it was computed,
   * even if the handle has moved on), else the handle's position, exact there or provisional.
   */
  function announceFrame(): void {
    const [hx, hy] = plot.handle.position();
    let detail = { kind: exact !== null && exact.x === hx ? "exact" : "provisional", x: hx, y: hy };
    if (freshExact && exact) detail = { kind: "exact", x: exact.x, y: curveAt(plot.curve, exact.x) };
    freshExact = false;
    if (detail.kind === "exact" && exact) {
      shell.root.dataset.exactX = String(exact.x);
      shell.root.dataset.exactY = String(exact.value);
      shell.root.dataset.exactSeq = String(exactCount);
    }
    shell.root.dispatchEvent(new CustomEvent("jaxwidgets:frame", { bubbles: true, detail }));
  }

  return () => shell.destroy();
}

export default { render };
