/**
 * LossSurface front end (twin of src/jaxwidgets/surface.py): a heatmap with contours of f(x, y), a probe to
 * drag that shows f, the descent direction -grad f and the Hessian's principal directions, wheel zoom and
 * drag pan. The picture itself (heatmap, contours, axes, colorbar, zoom/pan, banner, theme, sizing) is
 * lib/surface_plot.ts, shared with Descent; this module adds the probe and implements its drag path:
 * optimistic handle, provisional readout from the grid at once, one request in flight (lib/flow.ts), exact
 * result drawn on the next animation frame.
 */
import { asFloat32, type BinaryLike, decodeMessageArray } from "./lib/arrays";
import { createHandle, type Handle, KNOB_RADIUS } from "./lib/drag";
import { htmlElement, svgElement } from "./lib/dom";
import { Requester } from "./lib/flow";
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

type Model = AnyModel<SurfaceModel>;

/** The arrow for a median-sized gradient spans this fraction of the plot; no arrow exceeds MAX_ARROW. */
const MEDIAN_ARROW = 0.1;
const MAX_ARROW = 0.25;
/** Shorter arrows would hide under the knob: the direction still matters where the slope is gentle. */
const MIN_ARROW_PX = KNOB_RADIUS + 14;
/** Hessian direction segments are clipped to this range (half-length in px, and fraction of the plot). */
const MIN_EIGEN_PX = KNOB_RADIUS + 10;
const MAX_EIGEN = 0.2;

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

/**
 * Where the views of one model on this page left the probe: the page moves it by messages and Python does
 * not echo it back, so a view rendered later would read a stale trait. Shared per model object.
 */
const probeByModel = new WeakMap<object, { probe?: Pair }>();

function sharedState(model: object): { probe?: Pair } {
  let state = probeByModel.get(model);
  if (!state) probeByModel.set(model, (state = {}));
  return state;
}

class SurfaceView {
  private readonly model: Model;
  private readonly plot: SurfacePlot;
  private readonly shared: { probe?: Pair };
  private readonly hessianBox: HTMLInputElement;
  private readonly overlay: SVGGElement;
  private readonly eigenGroup: SVGGElement;
  private readonly arrowHalo: SVGPathElement;
  private readonly arrow: SVGPathElement;
  private readonly arrowHead: SVGPathElement;
  private readonly readout: HTMLDivElement;
  private readonly handle: Handle;
  private readonly probeRequester: Requester<ProbeRequest>;

  private reading: ProbeReading | null = null;
  private pendingExact: ProbeReading | null = null;

  constructor(model: Model, el: HTMLElement) {
    this.model = model;
    this.shared = sharedState(model);
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
      onMove: (x, y) => this.probeMoved(x, y),
    });
    this.overlay.append(this.eigenGroup, this.arrowHalo, this.arrow, this.arrowHead, this.handle.element);
    this.readout = htmlElement("div", { class: "readout" });
    plot.root.append(this.readout, plot.status);

    this.probeRequester = new Requester<ProbeRequest>({ type: "probe", send: (m) => this.model.send(m) });
    plot.onModel("show_hessian", () => this.showHessianChanged());
    plot.onModel("probe", () => this.modelProbeChanged());

    this.hessianBox.checked = Boolean(this.model.get("show_hessian"));
    this.handle.setPosition(...(this.shared.probe ?? this.model.get("probe")));
    plot.start();
    this.drawProvisional();
    // Ask for the exact reading at the initial position.
    this.probeRequester.request({ x: this.handle.position()[0], y: this.handle.position()[1] });
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
    if (on) this.probeRequester.request(this.handlePayload());
    this.plot.invalidate("overlay");
  }

  private modelProbeChanged(): void {
    if (this.handle.dragging() || this.probeRequester.busy) return;
    const [x, y] = this.model.get("probe");
    const [hx, hy] = this.handle.position();
    if (this.plot.samePosition(x, y, hx, hy)) return;
    this.handle.setPosition(x, y);
    this.drawProvisional();
  }

  // ---- messages ----------------------------------------------------------------------------------------

  private message(content: unknown, buffers: readonly BinaryLike[]): void {
    const message = parseServerMessage(content);
    if (message === null) return;
    if (message.type === "probe") this.probeReply(message, buffers);
    else if (message.type === "error" && message.request === "probe") this.probeRequester.accept(message.seq);
  }

  private probeReply(reply: ProbeReply, buffers: readonly BinaryLike[]): void {
    const asked = this.probeRequester.sentPayload(reply.seq);
    const ours = asked !== undefined && this.plot.samePosition(asked.x, asked.y, reply.x, reply.y);
    if (ours && !this.probeRequester.accept(reply.seq)) return;
    const [hx, hy] = this.handle.position();
    if (!this.plot.samePosition(reply.x, reply.y, hx, hy)) {
      // Not where the handle is. A move made by Python (or another view of this model) is followed when
      // the user is not moving the probe here; otherwise it is an intermediate result to skip.
      if (ours || this.handle.dragging() || this.probeRequester.busy) return;
      this.handle.setPosition(reply.x, reply.y);
    }
    let result: Float32Array;
    try {
      result = asFloat32(decodeMessageArray(reply.result, buffers)).data;
    } catch (error) {
      console.error("jaxwidgets: bad probe reply", error);
      return;
    }
    this.pendingExact = exactReading(reply, result);
    this.plot.invalidate("overlay");
  }

  // ---- user actions ------------------------------------------------------------------------------------

  private handlePayload(): ProbeRequest {
    const [x, y] = this.handle.position();
    return { x, y };
  }

  private probeMoved(x: number, y: number): void {
    this.pendingExact = null;
    this.probeRequester.request({ x, y });
    this.drawProvisional();
  }

  // ---- drawing -----------------------------------------------------------------------------------------

  /** Estimate from the grid at the handle, drawn at once (same frame as the pointer event). */
  private drawProvisional(): void {
    this.showReading(this.provisionalReading());
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
   * On an animation frame: show the exact reply if one is waiting (and still matches the handle), else
   * re-place the current reading after a view or surface change, without announcing a new frame.
   */
  private drawProbeFrame(): void {
    this.handle.relayout();
    const exact = this.pendingExact;
    this.pendingExact = null;
    const [hx, hy] = this.handle.position();
    if (exact && this.plot.samePosition(exact.x, exact.y, hx, hy)) {
      this.showReading(exact);
      return;
    }
    const current = this.reading?.kind === "provisional" ? this.provisionalReading() : this.reading;
    if (!current) return;
    this.reading = current;
    this.drawOverlay(current);
    this.drawReadout(current);
  }

  private showReading(reading: ProbeReading): void {
    this.reading = reading;
    this.shared.probe = [reading.x, reading.y];
    this.drawOverlay(reading);
    this.drawReadout(reading);
    if (reading.kind === "exact") this.writeDataAttributes();
    const detail: FrameDetail = { kind: reading.kind, x: reading.x, y: reading.y, seq: reading.seq, time: performance.now() };
    this.plot.root.dispatchEvent(new CustomEvent(FRAME_EVENT, { detail, bubbles: true }));
  }

  private writeDataAttributes(): void {
    const reading = this.reading;
    if (reading?.kind !== "exact") return;
    const data = this.plot.root.dataset;
    data.exactX = String(reading.x);
    data.exactY = String(reading.y);
    data.exactSeq = String(reading.seq);
    data.value = String(reading.value);
  }

  private drawReadout(reading: ProbeReading): void {
    const approx = reading.kind === "provisional";
    const eq = approx ? "≈" : "=";
    const parts = [`f(${formatNumber(reading.x)}, ${formatNumber(reading.y)}) ${eq} ${valueOrGap(reading.value, approx)}`];
    if (Number.isFinite(reading.gx) && Number.isFinite(reading.gy)) {
      parts.push(`∇f ${eq} (${formatNumber(reading.gx)}, ${formatNumber(reading.gy)})`);
      parts.push(`|∇f| ${eq} ${formatNumber(Math.hypot(reading.gx, reading.gy))}`);
    }
    const eigen = this.eigenOf(reading);
    if (eigen) parts.push(`λ = ${formatNumber(eigen.values[0])}, ${formatNumber(eigen.values[1])}`);
    // One span per quantity so narrow layouts wrap between quantities, never inside one.
    this.readout.replaceChildren(...parts.map((text) => htmlElement("span", {}, text)));
    this.readout.classList.toggle("provisional", approx);
  }

  private eigenOf(reading: ProbeReading): ReturnType<typeof symmetricEigen2> | null {
    if (!reading.hessian || !this.model.get("show_hessian")) return null;
    const [hxx, hxy, hyy] = reading.hessian;
    if (![hxx, hxy, hyy].every(Number.isFinite)) return null;
    return symmetricEigen2(hxx, hxy, hyy);
  }

  private drawOverlay(reading: ProbeReading): void {
    this.overlay.classList.toggle("provisional", reading.kind === "provisional");
    const [px, py] = this.plot.toPixel(reading.x, reading.y);
    this.drawArrow(px, py, reading.gx, reading.gy);
    this.drawEigen(px, py, this.eigenOf(reading));
  }

  /** -grad f, scaled so a median gradient of the surface spans MEDIAN_ARROW of the plot. */
  private drawArrow(px: number, py: number, gx: number, gy: number): void {
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
      for (const part of [this.arrow, this.arrowHalo, this.arrowHead]) part.setAttribute("d", "");
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
    this.arrow.setAttribute("d", line);
    this.arrowHalo.setAttribute("d", line);
    const baseX = tipX - ux * head;
    const baseY = tipY - uy * head;
    const wing = head * 0.55;
    this.arrowHead.setAttribute(
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

export function render({ model, el }: RenderProps<SurfaceModel>): () => void {
  const view = new SurfaceView(model, el);
  return () => view.destroy();
}

export default { render };
