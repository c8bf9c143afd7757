/**
 * Descent front end (twin of src/jaxwidgets/descent.py): the LossSurface picture (lib/surface_plot.ts) with
 * one gradient-descent path per optimizer from each draggable start (starts.ts), a legend with divergence
 * labels, learning-rate / steps / step controls with a play button (controls.ts, player.ts), the update and
 * velocity vectors at the current step, and a loss-versus-step chart (loss_chart.ts).
 *
 * The paths and arrows are drawn on a canvas (lib/ink.ts, paint.ts) in their own layer: a reply costs a few
 * ms of drawing, not a re-layout and repaint of SVG over the heatmap.
 *
 * Drag path: a pointer event moves the start handle at once and sends the `runs` request from the handler
 * itself, through the same flow control as the probe (lib/flow.ts: one in flight, newest wins);
 * every non-stale reply is drawn the moment it arrives, solid: its paths are exact for the starts they begin
 * at (the handle may already be a little ahead). The paths fade (provisional) only while they answer other
 * inputs than the page shows: a learning rate or step count not computed yet, or no answer for a while.
 */
import type { BinaryLike } from "../lib/arrays";
import { type Requester, replyIsFor } from "../lib/flow";
import type { Ink } from "../lib/ink";
import {
  type AnyModel,
  type DescentModel,
  type Pair,
  parseServerMessage,
  type RenderProps,
  type RunsReply,
  type RunsRequest,
} from "../lib/protocol";
import { staticOk } from "../lib/static";
import { SurfacePlot } from "../lib/surface_plot";
import { DescentColumn } from "./column";
import { rateFromSlider } from "./controls";
import { StaleFade } from "./fade";
import { announceExact, dispatchFrame, paintRuns } from "./paint";
import { Player } from "./player";
import { answersRequest, decodeRuns, matchesPage, optimizerColor, type Runs, type RunsInputs, sameSettings } from "./runs";
import { StartHandles } from "./starts";
import { DESCENT_STYLE } from "./style";
import { type PathShape, tracePaths, traceStep } from "./trace";

/** Runs requests in flight at once: one, like the probe (see PROBE_IN_FLIGHT in surface/index.ts). */
export const RUNS_IN_FLIGHT = 1;

class DescentView {
  private readonly model: AnyModel<DescentModel>;
  private readonly plot: SurfacePlot<DescentModel>;
  private readonly ink: Ink;
  /** Legend, controls and loss chart, beside the plot or below it. */
  private readonly column: DescentColumn;
  private readonly starts: StartHandles;
  private readonly player: Player;
  private readonly runsRequester: Requester<RunsRequest>;
  /** Fades paths that lag behind a moved start when no newer answer comes. */
  private readonly fade = new StaleFade(() => {
    if (this.runs && !this.matchesPage(this.runs)) this.setProvisional(true);
  });

  /** What the page shows as inputs (the handles hold the starts). */
  private rates: Record<string, number>;
  private steps: number;
  /** Inputs the user changed and Python has not confirmed yet: sent in full with every request. */
  private desired: RunsRequest = {};
  /** Runs drawn (each exact for the inputs it carries; `provisional` says whether those are the page's). */
  private runs: Runs | null = null;
  /** The paths of `runs` in pixels (traced again when the runs or the scales change). */
  private shapes: PathShape[] = [];
  /** Someone else's runs that came during a drag here: drawn faded at the next frame. */
  private pending: Runs | null = null;
  private provisional = false;
  private arrowScale = 1;

  constructor({ model, el }: RenderProps<DescentModel>) {
    this.model = model;
    this.rates = { ...(model.get("learning_rates") ?? {}) };
    this.steps = model.get("steps") ?? 1;
    const plot = new SurfacePlot<DescentModel>({
      model,
      el,
      kind: "descent",
      label: "descent paths",
      style: DESCENT_STYLE,
      onClick: (x, y, event) => this.starts.click(x, y, event),
      onScales: () => this.starts?.relayout(),
      plotSide: (available, chrome) => this.column.plotSide(available, chrome),
      onLayout: (width, available) => {
        this.column.place(width, available);
        this.drawChart();
      },
      paintOverlay: () => this.paintOverlay(),
      onMessage: (content, buffers) => this.message(content, buffers),
      // The shell has disposed the requesters: no animation or fade; the last picture stays.
      onDisconnect: () => {
        this.player.pause(false);
        this.fade.clear();
      },
    });
    this.plot = plot;
    const shell = plot.shell;
    this.ink = plot.addInk("descent-paths");
    this.starts = new StartHandles(plot, { moved: () => this.startsMoved(), dragEnded: () => this.dragEnded() });
    this.column = new DescentColumn(plot, this.steps, model.get("max_steps") ?? 500);
    this.player = new Player(model, {
      steps: () => this.steps,
      stepChanged: () => this.stepMoved(),
      playingChanged: () => this.syncStepControl(),
    });

    this.runsRequester = shell.requester<RunsRequest>("runs", { onIdle: () => (this.desired = {}), maxInFlight: RUNS_IN_FLIGHT });
    const { rate, steps, step, play } = this.column.controls;
    shell.listen(rate.input, "input", () => this.rateInput());
    shell.listen(steps.input, "input", () => this.stepsInput());
    shell.listen(step.input, "input", () => this.player.set(Math.round(Number(step.input.value))));
    shell.listen(step.input, "change", () => this.player.settle());
    shell.listen(play, "click", () => (this.player.playing ? this.player.pause() : this.player.play()));
    shell.onModel("step", () => this.player.modelChanged());
    shell.onModel("max_steps", () => this.column.controls.setMaxSteps(this.model.get("max_steps")));
    shell.addCleanup(() => this.player.stop());
    shell.addCleanup(() => this.fade.clear());
    // A static copy replays its runs and answers a moved start from its saved pool (lib/static_responder.ts).
    for (const part of [plot.handles, step.element, play]) staticOk(part);

    this.starts.set(model.get("starts") ?? []);
    this.syncControls();
    plot.start();
    // Python's first runs were sent before this view existed: ask for the current ones.
    this.runsRequester.request({});
  }

  destroy(): void {
    this.starts.destroy();
    this.plot.destroy();
  }

  // ---- controls ----------------------------------------------------------------------------------------

  private syncControls(): void {
    this.column.controls.showSettings(this.rates, this.steps);
    this.syncStepControl();
  }

  private syncStepControl(): void {
    this.column.controls.showStep(this.player.step, this.steps, this.arrowScale, this.player.playing);
  }

  private rateInput(): void {
    const rate = rateFromSlider(Number(this.column.controls.rate.input.value));
    for (const name of Object.keys(this.rates)) this.rates[name] = rate;
    this.syncControls();
    this.changed({ learning_rates: { ...this.rates } });
  }

  private stepsInput(): void {
    this.steps = Math.max(1, Math.round(Number(this.column.controls.steps.input.value)));
    this.player.clamp(this.steps);
    this.syncControls();
    this.changed({ steps: this.steps });
  }

  /** The step changed (slider, play, Python): its arrows, the chart's marker, the slider. */
  private stepMoved(): void {
    this.paintInk();
    this.column.chart.placeMarker(this.player.step);
    this.syncStepControl();
    this.plot.root.dataset.step = String(this.player.step);
  }

  // ---- requests ----------------------------------------------------------------------------------------

  /** A start moved (pointer, keyboard, click): provisional picture now, request through flow control. */
  private startsMoved(): void {
    this.changed({ starts: this.starts.positions() });
  }

  private changed(change: RunsRequest): void {
    Object.assign(this.desired, change);
    const request: RunsRequest = {};
    if (this.desired.starts) request.starts = this.desired.starts.map(([x, y]) => [x, y] as Pair);
    if (this.desired.learning_rates) request.learning_rates = { ...this.desired.learning_rates };
    if (this.desired.steps !== undefined) request.steps = this.desired.steps;
    this.runsRequester.request(request);
    this.showProvisional();
  }

  // ---- messages (the shell has routed runs errors to the requester already) ----------------------------

  private message(content: unknown, buffers: readonly BinaryLike[]): void {
    const message = parseServerMessage(content);
    if (message?.type === "runs") this.runsMessage(message, buffers);
  }

  private runsMessage(reply: RunsReply, buffers: readonly BinaryLike[]): void {
    const asked = this.runsRequester.sentPayload(reply.seq);
    // Python echoes our client id; without one (older Python) the seq and the inputs must agree.
    const ours = replyIsFor(reply, this.runsRequester.clientId) ?? (asked !== undefined && answersRequest(asked, reply, this.samePosition));
    if (ours && !this.runsRequester.accept(reply.seq)) return; // older than runs already shown
    let runs: Runs;
    try {
      runs = decodeRuns(reply, buffers);
    } catch (error) {
      console.error("jaxwidgets: bad runs message", error);
      return;
    }
    const moving = this.runsRequester.busy || this.starts.dragging();
    if (this.matchesPage(runs) || (ours && moving)) {
      // Exact for the inputs it carries: drawn now, solid, so this frame shows it.
      this.showRuns(runs);
      return;
    }
    if (!ours && moving) {
      // Someone else's result while the user is moving things here: newer than what is drawn, not ours.
      this.pending = runs;
      this.plot.shell.invalidate("overlay");
      return;
    }
    // Python changed the inputs (user code, or another view of this model, or it answered our empty
    // request with its current inputs): follow it.
    this.desired = {};
    this.starts.set(runs.starts);
    this.starts.relabel();
    this.rates = { ...runs.rates };
    this.steps = runs.steps;
    this.player.clamp(this.steps);
    this.syncControls();
    this.showRuns(runs);
  }

  /** What the page shows as inputs. */
  private page(): RunsInputs {
    return { starts: this.starts.positions(), rates: this.rates, steps: this.steps };
  }

  private readonly samePosition = (ax: number, ay: number, bx: number, by: number): boolean => this.plot.samePosition(ax, ay, bx, by);

  private matchesPage(runs: Runs): boolean {
    return matchesPage(runs, this.page(), this.samePosition);
  }

  // ---- drawing -----------------------------------------------------------------------------------------

  /**
   * In the pointer event's handler: the handle has moved and the request is on its way. Paths for other
   * settings (rate, steps) fade at once; paths that only lag behind a moving start stay solid, and fade if no
   * newer answer comes within STALE_FADE_MS.
   */
  private showProvisional(): void {
    if (!this.runs || !sameSettings(this.runs, this.page())) this.setProvisional(true);
    else this.fade.arm();
    const [x, y] = this.starts.first() ?? [Number.NaN, Number.NaN];
    dispatchFrame(this.plot.root, { kind: "provisional", x, y, seq: this.runsRequester.lastSentSeq, time: performance.now() });
  }

  /** Fade (or show solid) the paths; repainted at once when that changes. */
  private setProvisional(on: boolean): void {
    if (on === this.provisional) return;
    this.provisional = on;
    this.paintInk();
  }

  /** Draw runs now (a reply's paths, exact for its own inputs), and announce the exact picture. */
  private showRuns(runs: Runs): void {
    this.pending = null;
    this.runs = runs;
    const fresh = this.matchesPage(runs) || sameSettings(runs, this.page());
    if (this.matchesPage(runs)) this.fade.clear();
    this.provisional = !fresh;
    this.drawRunsParts();
    announceExact(this.plot.root, runs);
  }

  private drawRunsParts(): void {
    this.shapes = this.runs
      ? tracePaths(
          this.runs,
          (x, y) => this.plot.toPixel(x, y),
          (name) => this.colorOf(name),
        )
      : [];
    this.paintInk();
    this.column.legend.show(this.runs, (name) => this.colorOf(name));
    this.drawChart();
    this.syncStepControl();
  }

  /** On an animation frame: re-place everything after a view change, or draw runs that are not ours. */
  private paintOverlay(): void {
    this.starts.relayout();
    const pending = this.pending;
    this.pending = null;
    if (pending) {
      this.runs = pending;
      this.provisional = true;
    }
    this.drawRunsParts();
  }

  /** Paths, the current step's arrows and markers on the ink canvas (paint.ts). */
  private paintInk(): void {
    const { runs, plot } = this;
    const perUnit: Pair = [plot.pixelsPerUnit("x"), plot.pixelsPerUnit("y")];
    const step = runs
      ? traceStep(
          runs,
          this.player.step,
          (x, y) => plot.toPixel(x, y),
          perUnit,
          (name) => this.colorOf(name),
        )
      : null;
    this.arrowScale = step?.scale ?? 1;
    paintRuns(this.ink, plot.rect, this.shapes, step, this.provisional);
  }

  private colorOf(name: string): string {
    return optimizerColor(this.model.get("optimizer_colors"), name);
  }

  private drawChart(): void {
    this.column.drawChart(this.runs, this.steps, this.player.step, this.holdingChart(), (name) => this.colorOf(name));
  }

  /** While a start is dragged (or its answer is on the way) the chart's y range only grows: steady axes. */
  private holdingChart(): boolean {
    return this.starts.dragging() || this.runsRequester.busy;
  }

  /** A drag ended: the chart may fit its y range to the lines again (once the last answer is drawn). */
  private dragEnded(): void {
    // A static copy answers with the nearest saved start: ask once more, so that the handle snaps to it.
    if (this.plot.shell.saved) this.changed({ starts: this.starts.positions() });
    if (!this.holdingChart()) this.drawChart();
  }
}

function render(props: RenderProps<DescentModel>): () => void {
  const view = new DescentView(props);
  return () => view.destroy();
}

export default { render };
