/**
 * LossSurface front end (twin of src/jaxwidgets/surface.py): a heatmap with contours of f(x, y), a probe to
 * drag that shows f, the descent direction -grad f and the Hessian's principal directions, wheel zoom and
 * drag pan. The picture itself (heatmap, contours, axes, colorbar, zoom/pan, banner, theme, sizing) is
 * lib/surface_plot.ts, shared with Descent; this module adds the probe (its marks in probe_marks.ts, its
 * readout in readout.ts) and implements its drag path: optimistic handle, the request sent from the pointer
 * handler itself, a provisional arrow and readout from the grid (at most one redraw per animation frame), at
 * most PROBE_IN_FLIGHT requests in flight (lib/flow.ts), every non-stale exact reply drawn the moment it
 * arrives, at the position it was computed for, solid; the provisional arrow stays at the handle, dashed,
 * while the handle is ahead of the newest exact reading.
 */
import { asFloat32, type BinaryLike, decodeMessageArray } from "../lib/arrays";
import { createHandle, type Handle } from "../lib/drag";
import { type Requester, replyIsFor } from "../lib/flow";
import {
  FRAME_EVENT,
  type FrameDetail,
  type Pair,
  type ProbeReply,
  type ProbeRequest,
  parseServerMessage,
  type RenderProps,
  type SurfaceModel,
} from "../lib/protocol";
import { sharedState } from "../lib/shared";
import { htmlElement } from "../lib/dom";
import { staticOk } from "../lib/static";
import { SurfacePlot } from "../lib/surface_plot";
import { ProbeMarks } from "./probe_marks";
import { eigenOf, exactReading, type ProbeReading, provisionalReading } from "./reading";
import { Readout } from "./readout";
import { SURFACE_STYLE } from "./style";

/**
 * Probe requests in flight at once: one, as the drag path requires (the newest position waits for the reply
 * and wins). Two overlapped the JupyterLab round trip and gave more exact pictures per second in
 * benchmarks/latency.py, but let the kernel fall behind a fast pointer; lib/flow.ts supports both.
 */
export const PROBE_IN_FLIGHT = 1;

/** The readout's note in a static copy, where no kernel computes the probe. */
export const APPROXIMATE = "approximate: value, gradient and curvature interpolated from the saved grid";

class SurfaceView {
  private readonly plot: SurfacePlot;
  /** Where the views of this widget left the probe (Python does not echo page moves back). */
  private readonly shared: { probe?: Pair };
  private readonly hessianBox: HTMLInputElement;
  private readonly marks: ProbeMarks;
  private readonly readout: Readout;
  private readonly handle: Handle;
  private readonly probeRequester: Requester<ProbeRequest>;

  /** The newest exact reading drawn, and the provisional one for the handle (null when it is not ahead). */
  private exact: ProbeReading | null = null;
  private provisional: ProbeReading | null = null;
  /** Each exact reading is announced once, when first drawn. */
  private announcedExact: ProbeReading | null = null;
  /** A provisional redraw is due on the next animation frame. */
  private provisionalDue = false;

  constructor({ model, el }: RenderProps<SurfaceModel>) {
    this.shared = sharedState<{ probe: Pair }>(model);
    const plot = new SurfacePlot({
      model,
      el,
      kind: "surface",
      label: "loss surface",
      style: SURFACE_STYLE,
      onClick: (x, y) => {
        this.handle.setPosition(...plot.clampToView(x, y));
        this.probeMoved(...this.handle.position());
      },
      onScales: () => this.handle?.relayout(),
      paintOverlay: () => this.drawProbeFrame(),
      onMessage: (content, buffers) => this.message(content, buffers),
    });
    this.plot = plot;
    const shell = plot.shell;
    this.hessianBox = plot.checkbox("Hessian", "show_hessian");
    this.marks = new ProbeMarks(plot);
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
    plot.handles.append(this.handle.layer);
    this.readout = new Readout(shell.doc);
    plot.root.append(this.readout.element, plot.status);
    if (shell.saved) {
      // A static copy: the local responder interpolates the saved grids (lib/static_responder.ts).
      staticOk(plot.handles);
      this.readout.element.append(htmlElement("div", { class: "readout-line approximate" }, APPROXIMATE, shell.doc));
    }

    this.probeRequester = shell.requester<ProbeRequest>("probe", { maxInFlight: PROBE_IN_FLIGHT });
    shell.onModel("show_hessian", () => this.showHessianChanged());
    shell.onModel("probe", () => this.modelProbeChanged());

    this.hessianBox.checked = Boolean(model.get("show_hessian"));
    this.handle.setPosition(...(this.shared.probe ?? model.get("probe")));
    plot.start();
    this.provisional = this.provisionalReading();
    this.drawProbe(true);
    // Ask for the exact reading; Python may have moved the probe since this view's state was sent.
    this.probeRequester.request({ ...this.handlePayload(), fetch: true });
  }

  destroy(): void {
    this.handle.destroy();
    this.plot.destroy();
  }

  private showHessian(): boolean {
    return Boolean(this.plot.model.get("show_hessian"));
  }

  // ---- model changes -----------------------------------------------------------------------------------

  private showHessianChanged(): void {
    const on = this.showHessian();
    this.hessianBox.checked = on;
    // Exact readings taken with the Hessian off carry NaNs there: ask again.
    if (on) this.probeRequester.request({ ...this.handlePayload(), fetch: true });
    this.plot.shell.invalidate("overlay");
  }

  private modelProbeChanged(): void {
    if (this.handle.dragging() || this.probeRequester.busy) return;
    const [x, y] = this.plot.model.get("probe");
    const [hx, hy] = this.handle.position();
    if (this.plot.samePosition(x, y, hx, hy)) return;
    this.handle.setPosition(x, y);
    this.scheduleProvisional();
  }

  // ---- messages (the shell has routed probe errors to the requester already) ---------------------------

  private message(content: unknown, buffers: readonly BinaryLike[]): void {
    const message = parseServerMessage(content);
    if (message?.type === "probe") this.probeReply(message, buffers);
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
    this.plot.shell.invalidate("overlay");
  }

  private provisionalReading(): ProbeReading {
    const [x, y] = this.handle.position();
    return provisionalReading(this.plot.surface, x, y, this.probeRequester.lastSentSeq);
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
    this.shared.probe = [hx, hy];
    // Solid arrow and Hessian directions: the exact reading; before the first one, the provisional estimate.
    const shown = exact ?? provisional!;
    this.marks.draw(shown, eigenOf(shown, this.showHessian()), exact && provisional ? provisional : null);
    this.readout.show(exact, provisional, this.showHessian());
    if (exact) this.writeDataAttributes(exact);
    if (announce && provisional) this.announce(provisional);
    if (exact && exact !== this.announcedExact) {
      this.announcedExact = exact;
      this.announce(exact);
    }
  }

  private announce(reading: ProbeReading): void {
    const detail: FrameDetail = { kind: reading.kind, x: reading.x, y: reading.y, seq: reading.seq, time: performance.now() };
    this.plot.root.dispatchEvent(new CustomEvent(FRAME_EVENT, { detail, bubbles: true }));
  }

  private writeDataAttributes(reading: ProbeReading): void {
    const data = this.plot.root.dataset;
    data.exactX = String(reading.x);
    data.exactY = String(reading.y);
    data.exactSeq = String(reading.seq);
    data.value = String(reading.value);
  }
}

function render(props: RenderProps<SurfaceModel>): () => void {
  const view = new SurfaceView(props);
  return () => view.destroy();
}

export default { render };
