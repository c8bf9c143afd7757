/**
 * LossSurface front end (twin of src/jaxwidgets/surface.py): a heatmap with contours of f(x, y), a probe to
 * drag that shows f, the descent direction -grad f and the Hessian's principal directions, wheel zoom and
 * drag pan. The picture itself (heatmap, contours, axes, colorbar, zoom/pan, banner, theme, sizing) is
 * lib/surface_plot.ts, shared with Descent; this module adds the probe and implements its drag path:
 * optimistic handle, the request sent from the pointer handler itself, a provisional arrow and readout from
 * the grid (at most one redraw per animation frame), at most PROBE_IN_FLIGHT requests in flight (lib/flow.ts),
 * every non-stale exact reply drawn the moment it arrives, at the position it was computed for, solid; the
 * provisional arrow stays at the handle, dashed, while the handle is ahead of the newest exact reading.
 */
import { asFloat32, type BinaryLike, decodeMessageArray } from "./lib/arrays";
import { createHandle, type Handle, KNOB_RADIUS } from "./lib/drag";
import { htmlElement, svgElement } from "./lib/dom";
import { replyIsFor, Requester } from "./lib/flow";
import { formatNumber } from "./lib/format";
import { bilinear, symmetricEigen2 } from "./lib/math";
import {
  type AnyModel,
  FRAME_EVENT,
  type FrameDetail,
  type Pair,
  parseServerMessage,
  type ProbeReply,
  type ProbeRequest,
  type RenderProps,
  type SurfaceModel,
} from "./lib/protocol";
import { SurfacePlot } from "./lib/surface_plot";
import { sharedState } from "./lib/shared";

type Model = AnyModel<SurfaceModel>;

/** The arrow for a median-sized gradient spans this fraction of the plot; no arrow exceeds MAX_ARROW. */
const MEDIAN_ARROW = 0.1;
const MAX_ARROW = 0.25;
/** Shorter arrows would hide under the knob: the direction still matters where the slope is gentle. */
const MIN_ARROW_PX = KNOB_RADIUS + 14;
/** Hessian direction segments are clipped to this range (half-length in px, and fraction of the plot). */
const MIN_EIGEN_PX = KNOB_RADIUS + 10;
const MAX_EIGEN = 0.2;
/**
 * Probe requests in flight at once: one, as the drag path requires (the newest position waits for the reply
 * and wins). Two overlapped the JupyterLab round trip and gave more exact pictures per second in
 * benchmarks/latency.py, but let the kernel fall behind a fast pointer; lib/flow.ts supports both.
 */
export const PROBE_IN_FLIGHT = 1;

/** What the probe overlay shows: a provisional estimate or an exact reply. */
interface ProbeReading {
  kind: "provisional" | "exact";
  x: number;
  y: number;
  seq: number;
  value: number;
  gx: number;
  gy: number;
  hessian: [number, number, number] | null;
}

class SurfaceView {
  private readonly model: Model;
  private readonly plot: SurfacePlot;
  /** Where the views of this widget left the probe (Python does not echo page moves back). */
  private readonly shared: { probe?: Pair };
  private readonly hessianBox: HTMLInputElement;
  private readonly overlay: SVGGElement;
  private readonly eigenGroup: SVGGElement;
  private readonly arrowHalo: SVGPathElement;
  private readonly arrow: SVGPathElement;
  private readonly arrowHead: SVGPathElement;
  /** The provisional arrow at the handle, dashed: shown while the handle is ahead of the exact reading. */
  private readonly provisionalGroup: SVGGElement;
  private readonly provisionalHalo: SVGPathElement;
  private readonly provisionalArrow: SVGPathElement;
  private readonly provisionalHead: SVGPathElement;
  private readonly readout: HTMLDivElement;
  private readonly exactLine: HTMLDivElement;
  private readonly provisionalLine: HTMLDivElement;
  private readonly handle: Handle;
  private readonly probeRequester: Requester<ProbeRequest>;

  /** The newest exact reading drawn, and the provisional one for the handle (null when it is not ahead). */
  private exact: ProbeReading | null = null;
  private provisional: ProbeReading | null = null;
  /** A provisional redraw is due on the next animation frame. */
  private provisionalDue = false;

  constructor(model: Model, el: HTMLElement) {
    this.model = model;
    this.shared = sharedState<{ probe: Pair }>(model);
    this.plot = new SurfacePlot({
      model,
      el,
      kind: "surface",
      label: "loss surface",
      onClick: (x, y) => {
        this.handle.setPosition(...this.plot.clampToView(x, y));
        this.probeMoved(...this.handle.position());
      },
      onScales: () => this.handle?.relayout(),
      paintOverlay: () => this.drawProbeFrame(),
      onMessage: (content, buffers) => this.message(content, buffers),
      onDisconnect: () => this.probeRequester.dispose(),
    });
    const plot = this.plot;
    this.hessianBox = plot.checkbox("Hessian", "show_hessian");
    this.overlay = plot.overlay;
    this.overlay.classList.add("probe-overlay");
    this.eigenGroup = svgElement("g", { class: "eigen-directions" });
    this.arrowHalo = svgElement("path", { class: "halo", "stroke-width": 4.5 });
    this.arrow = svgElement("path", { class: "arrow" });
    this.arrowHead = svgElement("path", { class: "arrow-head" });
    this.handle = createHandle({
      label: "probe",
      eventToPixel: (event) => plot.localPoint(event),
      toData: (px, py) => plot.toData(px, py),
      toPixel: (x, y) => plot.toPixel(x, y),
      keyStep: () => plot.keyStep(),
      clamp: (x, y) => plot.clampToView(x, y),
      inPlot: (px, py) => plot.showsHandleAt(px, py),
      onMove: (x, y) => this.probeMoved(x, y),
    });
    this.provisionalGroup = svgElement("g", { class: "provisional provisional-arrow" });
    this.provisionalHalo = svgElement("path", { class: "halo", "stroke-width": 4.5 });
    this.provisionalArrow = svgElement("path", { class: "arrow" });
    this.provisionalHead = svgElement("path", { class: "arrow-head" });
    this.provisionalGroup.append(this.provisionalHalo, this.provisionalArrow, this.provisionalHead);
    this.overlay.append(this.eigenGroup, this.arrowHalo, this.arrow, this.arrowHead, this.provisionalGroup);
    plot.handles.append(this.handle.layer);
    this.readout = htmlElement("div", { class: "readout" });
    this.exactLine = htmlElement("div", { class: "readout-line exact" });
    this.provisionalLine = htmlElement("div", { class: "readout-line provisional" });
    this.readout.append(this.exactLine, this.provisionalLine);
    plot.root.append(this.readout, plot.status);

    this.probeRequester = new Requester<ProbeRequest>({
      type: "probe",
      send: (m) => plot.connection.send(m),
      maxInFlight: PROBE_IN_FLIGHT,
      client: plot.clientId,
    });
    plot.onModel("show_hessian", () => this.showHessianChanged());
    plot.onModel("probe", () => this.modelProbeChanged());

    this.hessianBox.checked = Boolean(this.model.get("show_hessian"));
    this.handle.setPosition(...(this.shared.probe ?? this.model.get("probe")));
    plot.start();
    this.provisional = this.provisionalReading();
    this.drawProbe(true);
    // Ask for the exact reading; Python may have moved the probe since this view's state was sent.
    this.probeRequester.request({ ...this.handlePayload(), fetch: true });
  }

  destroy(): void {
    this.probeRequester.dispose();
    this.handle.destroy();
    this.plot.destroy();
  }

  // ---- model changes -----------------------------------------------------------------------------------

  private showHessianChanged(): void {
    const on = Boolean(this.model.get("show_hessian"));
    this.hessianBox.checked = on;
    // Exact readings taken with the Hessian off carry NaNs there: ask again.
    if (on) this.probeRequester.request({ ...this.handlePayload(), fetch: true });
    this.plot.invalidate("overlay");
  }

  private modelProbeChanged(): void {
    if (this.handle.dragging() || this.probeRequester.busy) return;
    const [x, y] = this.model.get("probe");
    const [hx, hy] = this.handle.position();
    if (this.plot.samePosition(x, y, hx, hy)) return;
    this.handle.setPosition(x, y);
    this.scheduleProvisional();
  }

  // ---- messages ----------------------------------------------------------------------------------------

  private message(content: unknown, buffers: readonly BinaryLike[]): void {
    const message = parseServerMessage(content);
    if (message === null) return;
    if (message.type === "probe") this.probeReply(message, buffers);
    else if (message.type === "error" && message.request === "probe") this.probeRequester.acceptOwn(message);
  }

  private probeReply(reply: ProbeReply, buffers: readonly BinaryLike[]): void {
    const asked = this.probeRequester.sentPayload(reply.seq);
    // Python echoes our client id; without one (older Python) the seq and the position must agree.
    const mine = replyIsFor(reply, this.probeRequester.clientId);
    const ours = mine ?? (asked !== undefined && this.plot.samePosition(asked.x, asked.y, reply.x, reply.y));
    if (ours && !this.probeRequester.accept(reply.seq)) return; // stale: a newer reply is drawn already
    let result: Float32Array;
    try {
      result = asFloat32(decodeMessageArray(reply.result, buffers)).data;
    } catch (error) {
      console.error("jaxwidgets: bad probe reply", error);
      return;
    }
    const [hx, hy] = this.handle.position();
    if ((!ours || asked?.fetch) && !this.plot.samePosition(reply.x, reply.y, hx, hy)) {
      // Python's probe (moved by user code, another view, or found by a fetch) is followed when the user is
      // not moving the probe here; otherwise another's reply is ignored, and our own is drawn where it was.
      const idle = !this.handle.dragging() && !this.probeRequester.busy;
      if (idle) {
        this.handle.setPosition(reply.x, reply.y);
        this.provisional = null;
      } else if (!ours) return;
    }
    // Every reply of ours is exact for where it was computed: draw it now, solid, even if the handle has
    // moved on (the provisional arrow stays at the handle). This frame then shows it.
    this.exact = exactReading(reply, result);
    this.drawProbe(false);
  }

  // ---- user actions ------------------------------------------------------------------------------------

  private handlePayload(): ProbeRequest {
    const [x, y] = this.handle.position();
    return { x, y };
  }

  /** A pointer, key or click moved the handle: send the request now, redraw the provisional part on a frame. */
  private probeMoved(x: number, y: number): void {
    this.probeRequester.request({ x, y });
    this.shared.probe = [x, y];
    this.scheduleProvisional();
  }

  // ---- drawing -----------------------------------------------------------------------------------------

  /** The provisional arrow and readout at the handle, on the next animation frame (one per frame). */
  private scheduleProvisional(): void {
    this.provisionalDue = true;
    this.plot.invalidate("overlay");
  }

  private provisionalReading(): ProbeReading {
    const [x, y] = this.handle.position();
    const surface = this.plot.surface;
    const grad = surface ? { ...surface.grid, values: surface.grad } : null;
    const cells = surface ? surface.grid.nx * surface.grid.ny : 0;
    return {
      kind: "provisional",
      x,
      y,
      seq: this.probeRequester.lastSentSeq,
      value: surface ? bilinear(surface.grid, x, y) : Number.NaN,
      gx: grad ? bilinear(grad, x, y) : Number.NaN,
      gy: grad ? bilinear(grad, x, y, cells) : Number.NaN,
      hessian: null,
    };
  }

  /**
   * On an animation frame: the provisional reading at the handle if one is due (announced as a frame), and
   * re-place everything after a view or surface change.
   */
  private drawProbeFrame(): void {
    this.handle.relayout();
    const due = this.provisionalDue;
    this.provisionalDue = false;
    if (due || this.provisional) this.provisional = this.provisionalReading();
    this.drawProbe(due);
  }

  /**
   * Draw the exact reading (solid, where it was computed) and, while the handle is elsewhere, the provisional
   * one at the handle (dashed, "≈"). `announce`: dispatch a provisional frame event (an exact one is
   * dispatched whenever a new exact reading is drawn).
   */
  private drawProbe(announce: boolean): void {
    const exact = this.exact;
    const [hx, hy] = this.handle.position();
    const ahead = !exact || !this.plot.samePosition(exact.x, exact.y, hx, hy);
    if (!ahead) this.provisional = null;
    else if (!this.provisional) this.provisional = this.provisionalReading();
    const provisional = this.provisional;
    const shown = exact ?? provisional!;
    this.shared.probe = [hx, hy];
    // Solid arrow and Hessian directions: the exact reading; before the first one, the provisional estimate.
    this.overlay.classList.toggle("provisional", !exact);
    const [px, py] = this.plot.toPixel(shown.x, shown.y);
    this.drawArrow([this.arrow, this.arrowHalo, this.arrowHead], px, py, shown.gx, shown.gy);
    this.drawEigen(px, py, this.eigenOf(shown));
    const second = exact && provisional ? provisional : null;
    this.provisionalGroup.style.display = second ? "" : "none";
    if (second) this.drawArrow([this.provisionalArrow, this.provisionalHalo, this.provisionalHead], ...this.plot.toPixel(second.x, second.y), second.gx, second.gy);
    this.drawReadout(exact, provisional);
    if (exact) this.writeDataAttributes();
    if (announce && provisional) this.announce(provisional);
    if (exact && exact !== this.announcedExact) {
      this.announcedExact = exact;
      this.announce(exact);
    }
  }

  /** Each exact reading is announced once, when first drawn. */
  private announcedExact: ProbeReading | null = null;

  private announce(reading: ProbeReading): void {
    const detail: FrameDetail = { kind: reading.kind, x: reading.x, y: reading.y, seq: reading.seq, time: performance.now() };
    this.plot.root.dispatchEvent(new CustomEvent(FRAME_EVENT, { detail, bubbles: true }));
  }

  private writeDataAttributes(): void {
    const reading = this.exact;
    if (reading === null) return;
    const data = this.plot.root.dataset;
    data.exactX = String(reading.x);
    data.exactY = String(reading.y);
    data.exactSeq = String(reading.seq);
    data.value = String(reading.value);
  }

  /** The exact line ("=", at the reading's position) and the provisional line ("≈", at the handle). */
  private drawReadout(exact: ProbeReading | null, provisional: ProbeReading | null): void {
    setText(this.exactLine, exact ? this.readoutParts(exact) : []);
    this.exactLine.hidden = !exact;
    setText(this.provisionalLine, provisional ? this.readoutParts(provisional) : []);
    this.provisionalLine.hidden = !provisional;
    this.readout.classList.toggle("provisional", !exact);
  }

  private readoutParts(reading: ProbeReading): string[] {
    const approx = reading.kind === "provisional";
    const eq = approx ? "≈" : "=";
    const parts = [`f(${formatNumber(reading.x)}, ${formatNumber(reading.y)}) ${eq} ${valueOrGap(reading.value, approx)}`];
    if (Number.isFinite(reading.gx) && Number.isFinite(reading.gy)) {
      parts.push(`∇f ${eq} (${formatNumber(reading.gx)}, ${formatNumber(reading.gy)})`);
      parts.push(`|∇f| ${eq} ${formatNumber(Math.hypot(reading.gx, reading.gy))}`);
    }
    const eigen = this.eigenOf(reading);
    if (eigen) parts.push(`λ = ${formatNumber(eigen.values[0])}, ${formatNumber(eigen.values[1])}`);
    return parts;
  }

  private eigenOf(reading: ProbeReading): ReturnType<typeof symmetricEigen2> | null {
    if (!reading.hessian || !this.model.get("show_hessian")) return null;
    const [hxx, hxy, hyy] = reading.hessian;
    if (![hxx, hxy, hyy].every(Number.isFinite)) return null;
    return symmetricEigen2(hxx, hxy, hyy);
  }

  /** -grad f, scaled so a median gradient of the surface spans MEDIAN_ARROW of the plot. */
  private drawArrow([arrow, halo, arrowHead]: SVGPathElement[], px: number, py: number, gx: number, gy: number): void {
    const size = Math.min(this.plot.rect.width, this.plot.rect.height);
    const magnitude = Math.hypot(gx, gy);
    const median = this.plot.surface?.medianGrad ?? Number.NaN;
    const reference = Number.isFinite(median) && median > 0 ? median : magnitude;
    const lengthPx = Math.max(MIN_ARROW_PX, Math.min((magnitude / reference) * MEDIAN_ARROW * size, MAX_ARROW * size));
    // Direction in pixels of the data-space vector -grad (y flips on screen).
    const dx = -gx * this.plot.pixelsPerUnit("x");
    const dy = gy * this.plot.pixelsPerUnit("y");
    const norm = Math.hypot(dx, dy);
    // No arrow at a stationary point (relative to the typical slope) or without a gradient.
    if (!(Number.isFinite(lengthPx) && norm > 0 && magnitude > 1e-6 * reference)) {
      for (const part of [arrow!, halo!, arrowHead!]) part.setAttribute("d", "");
      return;
    }
    const ux = dx / norm;
    const uy = dy / norm;
    const start = KNOB_RADIUS + 1;
    const head = Math.min(9, lengthPx * 0.4);
    const tipX = px + ux * lengthPx;
    const tipY = py + uy * lengthPx;
    const shaftEnd = lengthPx - head * 0.8;
    const line = `M${(px + ux * start).toFixed(1)},${(py + uy * start).toFixed(1)}L${(px + ux * shaftEnd).toFixed(1)},${(py + uy * shaftEnd).toFixed(1)}`;
    arrow!.setAttribute("d", line);
    halo!.setAttribute("d", line);
    const baseX = tipX - ux * head;
    const baseY = tipY - uy * head;
    const wing = head * 0.55;
    arrowHead!.setAttribute(
      "d",
      `M${tipX.toFixed(1)},${tipY.toFixed(1)}L${(baseX - uy * wing).toFixed(1)},${(baseY + ux * wing).toFixed(1)}L${(baseX + uy * wing).toFixed(1)},${(baseY - ux * wing).toFixed(1)}Z`,
    );
  }

  /** Principal directions of the Hessian, half-length ~ 1/sqrt|lambda| (clipped); dashed when negative. */
  private drawEigen(px: number, py: number, eigen: ReturnType<typeof symmetricEigen2> | null): void {
    const segments = this.eigenGroup.children;
    if (!eigen) {
      while (segments.length) segments[0]!.remove();
      return;
    }
    const maxPx = MAX_EIGEN * Math.min(this.plot.rect.width, this.plot.rect.height);
    eigen.values.forEach((lambda, k) => {
      const [vx, vy] = eigen.vectors[k]!;
      const dx = vx * this.plot.pixelsPerUnit("x");
      const dy = -vy * this.plot.pixelsPerUnit("y");
      const pxPerUnit = Math.hypot(dx, dy);
      const half = Math.min(maxPx, Math.max(MIN_EIGEN_PX, pxPerUnit / Math.sqrt(Math.abs(lambda))));
      const ux = dx / pxPerUnit;
      const uy = dy / pxPerUnit;
      const segment = (segments[k] as SVGPathElement | undefined) ?? this.eigenGroup.appendChild(svgElement("path"));
      segment.setAttribute("class", lambda < 0 ? "eigen negative" : "eigen");
      segment.setAttribute("d", `M${(px - ux * half).toFixed(1)},${(py - uy * half).toFixed(1)}L${(px + ux * half).toFixed(1)},${(py + uy * half).toFixed(1)}`);
    });
  }
}

/** One span per quantity (so narrow layouts wrap between quantities), reused: no DOM churn per frame. */
function setText(line: HTMLElement, parts: readonly string[]): void {
  const spans = line.children;
  parts.forEach((text, k) => {
    const span = (spans[k] as HTMLElement | undefined) ?? line.appendChild(htmlElement("span"));
    if (span.textContent !== text) span.textContent = text;
  });
  while (spans.length > parts.length) spans[spans.length - 1]!.remove();
}

function valueOrGap(value: number, approx: boolean): string {
  if (Number.isFinite(value)) return formatNumber(value);
  return approx ? "…" : formatNumber(value);
}

function exactReading(reply: ProbeReply, result: Float32Array): ProbeReading {
  const at = (k: number): number => result[k] ?? Number.NaN;
  return {
    kind: "exact",
    x: reply.x,
    y: reply.y,
    seq: reply.seq,
    value: at(0),
    gx: at(1),
    gy: at(2),
    hessian: [at(3), at(4), at(5)],
  };
}

function render({ model, el }: RenderProps<SurfaceModel>): () => void {
  const view = new SurfaceView(model, el);
  return () => view.destroy();
}

export default { render };
