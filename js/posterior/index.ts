/**
 * Posterior front end (twin of src/jaxwidgets/posterior.py): NUTS draws streaming in per chain, drawn live: a
 * pair plot over the exact log density when there is one, marginal histograms, trace plots, the arviz summary
 * table, a posterior predictive panel, per-chain progress and sliders that restart the chains (the drag path:
 * one control request in flight, newest wins).
 *
 * The view composes the shared shell (lib/shell.ts) and its parts in this folder; the plots are redrawn at
 * most once per animation frame, however many messages came in between.
 */
import type { BinaryLike } from "../lib/arrays";
import { observeWidth } from "../lib/dom";
import type { Requester } from "../lib/flow";
import type { RenderProps } from "../lib/protocol";
import { FRAME_EVENT } from "../lib/protocol";
import { WidgetShell } from "../lib/shell";
import { readCanvasTheme } from "../lib/theme";
import { type Density, decodeDensity, densityForPair } from "./density";
import { type Frame, PairDomain } from "./frame";
import { Header } from "./header";
import { layoutFor } from "./layout";
import { plotBackground } from "./marks";
import { PairControls } from "./pair_controls";
import { PairPlot } from "./pair_plot";
import { PredictivePanel } from "./predictive";
import { type DrawsFrameDetail, type PosteriorModel, parsePosteriorMessage } from "./protocol";
import { Sliders } from "./sliders";
import { DrawStream } from "./stream";
import { STYLE } from "./style";
import { createSummaryTable, updateSummaryTable } from "./summary";
import { TracePlots } from "./traces";

/** The parts redrawn on a frame (the legend and the frame event go with the pair plot). */
type Part = "pair" | "traces" | "predictive";
const PLOTS: Part[] = ["pair", "traces", "predictive"];

class PosteriorView {
  readonly shell: WidgetShell<PosteriorModel, Part>;
  readonly stream = new DrawStream();
  private readonly header: Header;
  private readonly sliders: Sliders;
  private readonly pairControls: PairControls;
  private readonly pairPlot: PairPlot;
  private readonly traces: TracePlots;
  private readonly predictive: PredictivePanel;
  private readonly table: HTMLTableElement;
  private readonly replay: Requester<Record<string, never>>;
  private readonly domain = new PairDomain();
  private density: Density | null = null;
  private announced = { version: -1, warmup: -1 };

  constructor({ model, el }: RenderProps<PosteriorModel>) {
    this.shell = new WidgetShell<PosteriorModel, Part>({
      model,
      el,
      kind: "posterior",
      style: STYLE,
      paint: (parts) => this.paint(parts),
      onMessage: (content, buffers) => this.message(content, buffers),
    });
    const shell = this.shell;
    const doc = shell.doc;
    this.header = new Header(doc);
    this.sliders = new Sliders({
      doc,
      makeRequester: (onIdle) => shell.requester("control", { acks: true, onIdle }),
      listen: (target, type, handler) => shell.listen(target, type, handler),
    });
    shell.addCleanup(() => this.sliders.dispose());
    this.pairControls = new PairControls(doc);
    this.pairPlot = new PairPlot(doc);
    this.traces = new TracePlots(doc);
    const plots = doc.createElement("div");
    plots.className = "post-plots";
    plots.append(this.pairPlot.figure.element, this.traces.figure.element);
    this.predictive = new PredictivePanel(doc);
    this.table = createSummaryTable(doc);
    shell.root.append(
      this.header.element,
      this.header.progress,
      this.sliders.element,
      this.pairControls.element,
      plots,
      this.predictive.element,
      this.table,
    );

    this.replay = shell.requester<Record<string, never>>("replay");
    const run = shell.requester<Record<string, never>>("run", { acks: true });
    const stop = shell.requester<Record<string, never>>("stop", { acks: true });
    shell.listen(this.header.runButton, "click", () => run.request({}));
    shell.listen(this.header.stopButton, "click", () => stop.request({}));
    for (const select of [this.pairControls.xSelect, this.pairControls.ySelect]) shell.listen(select, "change", () => this.pairChosen());
    this.watchModel();
    shell.addCleanup(observeWidth(el, () => this.layout()));
    this.layout();
    // Last: a view rendered after a kernel restart is disconnected at once, with every control built.
    shell.start();
    this.replay.request({});
  }

  destroy(): void {
    this.shell.destroy();
  }

  private get model() {
    return this.shell.model;
  }

  private watchModel(): void {
    const { shell, model } = this;
    const traits: [keyof PosteriorModel & string, () => void][] = [
      ["status", () => this.header.showStatus(String(model.get("status") ?? ""), shell.root)],
      ["progress", () => this.showProgress()],
      ["num_chains", () => this.showProgress()],
      ["summary", () => updateSummaryTable(this.table, model.get("summary"))],
      ["controls", () => this.sliders.show(model.get("controls") ?? {})],
      ["sites", () => this.sitesChanged()],
      ["pair", () => this.pairChanged()],
      ["_density", () => this.densityChanged()],
      ["_data", () => this.dataChanged()],
    ];
    for (const [trait, show] of traits) {
      shell.onModel(trait, show);
      show();
    }
    for (const trait of ["num_samples", "reference", "reference_label"] as const) shell.onModel(trait, () => shell.invalidate(...PLOTS));
  }

  // ---- messages ------------------------------------------------------------------------------------------

  /** The sampler's pushes reach every view; a replay reply only the view that asked (acceptOwn). */
  private message(content: unknown, buffers: readonly BinaryLike[]): void {
    const message = parsePosteriorMessage(content);
    if (message?.type === "replay") {
      if (this.replay.acceptOwn(message) && this.stream.replay(message, buffers)) this.shell.invalidate(...PLOTS);
    } else if (message) {
      if (this.stream.push(message, buffers)) this.shell.invalidate(...PLOTS);
    } else if (isControlReply(content)) {
      this.sliders.settled();
    }
  }

  // ---- traits ----------------------------------------------------------------------------------------------

  private showProgress(): void {
    const model = this.model;
    this.header.showProgress(
      model.get("progress") ?? [],
      model.get("num_chains") ?? 0,
      Math.max(0, model.get("num_warmup") ?? 0),
      Math.max(0, model.get("num_samples") ?? 0),
    );
  }

  private sitesChanged(): void {
    this.pairControls.showSites(this.model.get("sites") ?? []);
    this.pairChanged();
  }

  private pairChanged(): void {
    this.pairControls.showPair(this.pair());
    this.shell.invalidate("pair", "traces");
  }

  private pairChosen(): void {
    this.model.set("pair", this.pairControls.chosen);
    this.model.save_changes();
    this.shell.invalidate("pair", "traces");
  }

  private densityChanged(): void {
    this.density = decodeDensity(this.model.get("_density"), this.shell.doc);
    this.domain.forget(); // the density's range becomes part of the domain
    this.shell.invalidate("pair", "traces");
  }

  private dataChanged(): void {
    this.predictive.setData(this.model.get("_data"));
    this.shell.invalidate("predictive");
  }

  private pair(): [string, string] {
    const [x = "", y = ""] = this.model.get("pair") ?? ["", ""];
    return [x, y];
  }

  /** The reference value (model trait `reference`) of the site at this index, or null. */
  private referenceAt(index: number): number | null {
    const sites = this.model.get("sites") ?? [];
    const value = index >= 0 ? this.model.get("reference")?.[sites[index] ?? ""] : undefined;
    return typeof value === "number" && Number.isFinite(value) ? value : null;
  }

  // ---- drawing ---------------------------------------------------------------------------------------------

  private layout(): void {
    const root = this.shell.root;
    const layout = layoutFor(root.clientWidth || this.shell.el.clientWidth || 640);
    this.pairPlot.resize(layout.pair);
    this.traces.resize(layout.traces);
    this.predictive.resize(layout.predictive);
    this.shell.invalidate(...PLOTS);
  }

  private paint(parts: ReadonlySet<Part>): void {
    const frame = this.frame();
    this.pairControls.showLegend({
      chains: this.stream.store.chains || this.model.get("num_chains") || 0,
      showingWarmup: this.stream.showingWarmup,
      reference:
        frame.reference(frame.ix) !== null || frame.reference(frame.iy) !== null ? (this.model.get("reference_label") ?? "") : null,
    });
    if (parts.has("pair")) this.pairPlot.draw(frame);
    if (parts.has("traces")) this.traces.draw(frame);
    if (parts.has("predictive")) this.predictive.draw(frame, this.shell.root);
    this.announce();
  }

  /** What this frame draws, with the pair domain grown to hold the draws. */
  private frame(): Frame {
    const sites = this.model.get("sites") ?? [];
    const pair = this.pair();
    const [ix, iy] = [sites.indexOf(pair[0]), sites.indexOf(pair[1])];
    const dense = densityForPair(this.density, pair);
    const reference = (index: number): number | null => this.referenceAt(index);
    this.domain.update(this.stream, ix, iy, dense, [reference(ix), reference(iy)]);
    const root = this.shell.root;
    const samples = this.model.get("num_samples") ?? 0;
    return {
      sites,
      ix,
      iy,
      stream: this.stream,
      domain: this.domain,
      reference,
      dense,
      samples,
      theme: readCanvasTheme(root),
      background: plotBackground(root),
    };
  }

  /** After new draws (or warm-up steps) were drawn: the root's data attributes and a `jaxwidgets:frame` event. */
  private announce(): void {
    const { store, warmup } = this.stream;
    const shown = this.stream.showingWarmup ? warmup.lastIteration : -1;
    if (store.version === this.announced.version && shown === this.announced.warmup) return;
    this.announced = { version: store.version, warmup: shown };
    const data = this.shell.root.dataset;
    const warmupShown = shown >= 0 ? warmup.count : 0;
    data.totalDraws = String(store.total);
    data.warmupShown = String(warmupShown);
    data.run = String(store.run);
    const detail: DrawsFrameDetail = { kind: "draws", run: store.run, total: store.total, warmup: warmupShown, time: performance.now() };
    this.shell.root.dispatchEvent(new CustomEvent(FRAME_EVENT, { detail, bubbles: true }));
  }
}

/** An ack or error reply of a `control` request (the shell has freed the requester's slot already). */
function isControlReply(content: unknown): boolean {
  if (typeof content !== "object" || content === null) return false;
  const reply = content as { type?: unknown; request?: unknown };
  return reply.type === "control" || (reply.type === "error" && reply.request === "control");
}

function render(props: RenderProps<PosteriorModel>): () => void {
  const view = new PosteriorView(props);
  return () => view.destroy();
}

export default { render };
