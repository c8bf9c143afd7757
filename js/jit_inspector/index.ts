/**
 * JitInspector's view: a control per argument of f; every change calls jit(f) in Python once, and the view
 * shows what JAX reported for that call (cache hit, retrace, compile; the times; the counts; why, from
 * JAX's cache-miss explanation), the jaxpr, the recent calls, and a timing panel (jit against op by op).
 */
import { type BinaryLike, type BufferRecord, decodeMessageArray } from "../lib/arrays";
import { button } from "../lib/controls";
import { htmlElement, observeWidth } from "../lib/dom";
import { formatNumber } from "../lib/format";
import type { RenderProps } from "../lib/protocol";
import { WidgetShell } from "../lib/shell";
import { ArgumentControls } from "./argument_controls";
import {
  type CallRecord,
  type CallReply,
  type ControlValue,
  type JitInspectorModel,
  explanationBody,
  formatMs,
  parseCallReply,
  whyWords,
} from "./model";
import { EAGER_COLOR, JIT_COLOR, TimingChart, type Timings } from "./timing";

type Part = "report" | "timing";

const STYLE = `
.jaxwidgets-jit-inspector .jit-outcome { display: inline-block; font-weight: 700; padding: 1px 8px; border-radius: 3px; color: #fff; background: #6c757d; }
.jaxwidgets-jit-inspector .jit-outcome[data-outcome="cache hit"] { background: #2a9d8f; }
.jaxwidgets-jit-inspector .jit-outcome[data-outcome="retrace"] { background: #e76f51; }
.jaxwidgets-jit-inspector .jit-outcome[data-outcome="first call"] { background: #457b9d; }
.jaxwidgets-jit-inspector .jit-why { margin: 4px 0; user-select: text; -webkit-user-select: text; }
.jaxwidgets-jit-inspector pre { font-family: var(--jp-code-font-family, monospace); font-size: 11px; max-height: 220px; overflow: auto; margin: 4px 0;
  padding: 6px; border: 1px solid var(--jp-border-color2, rgba(128,128,128,0.4)); border-radius: 3px; background: var(--jp-layout-color1, transparent); user-select: text; -webkit-user-select: text; }
.jaxwidgets-jit-inspector pre:empty { display: none; }
.jaxwidgets-jit-inspector details { margin: 4px 0; }
.jaxwidgets-jit-inspector table { border-collapse: collapse; font-size: 0.9em; margin: 4px 0; }
.jaxwidgets-jit-inspector td, .jaxwidgets-jit-inspector th { padding: 1px 8px; text-align: left; border-bottom: 1px solid var(--jp-border-color2, rgba(128,128,128,0.3)); white-space: nowrap; }
.jaxwidgets-jit-inspector td.mono { font-family: var(--jp-code-font-family, monospace); }
.jaxwidgets-jit-inspector .jit-key { display: inline-block; width: 14px; height: 3px; vertical-align: middle; margin: 0 4px 0 10px; }
.jaxwidgets-jit-inspector .jit-timing { margin-top: 4px; }
`;

function render({ model, el }: RenderProps<JitInspectorModel>): () => void {
  const doc = el.ownerDocument;
  let last: CallReply | null = null;
  let timings: Timings | null = null;
  const shell = new WidgetShell<JitInspectorModel, Part>({ model, el, kind: "jit-inspector", style: STYLE, paint, onMessage });
  const calls = shell.requester<{ values?: Record<string, ControlValue>; fetch?: boolean }>("call");
  const timing = shell.requester<Record<string, never>>("timing");
  const controls = new ArgumentControls(doc, () => calls.request({ values: controls.values() }));

  const summary = htmlElement("div", { class: "readout jit-summary", "aria-live": "polite" }, undefined, doc);
  const why = htmlElement("div", { class: "jit-why" }, undefined, doc);
  const explanation = htmlElement("pre", { class: "jit-explanation", "aria-label": "JAX's cache-miss explanation" }, undefined, doc);
  const jaxprDetails = htmlElement("details", { open: "" }, undefined, doc);
  const jaxpr = htmlElement("pre", { class: "jit-jaxpr", "aria-label": "jaxpr" }, undefined, doc);
  jaxprDetails.append(htmlElement("summary", {}, "jaxpr of the current trace", doc), jaxpr);
  const historyDetails = htmlElement("details", {}, undefined, doc);
  const history = htmlElement("table", { class: "jit-history" }, undefined, doc);
  historyDetails.append(htmlElement("summary", {}, "recent calls", doc), history);
  const timeButton = button(
    "Time jit against op by op",
    { className: "jit-time", title: "Time jit(f) and f over the array's length (a second or more)" },
    doc,
  );
  const timingLegend = htmlElement("span", { class: "legend jit-timing-legend" }, undefined, doc);
  const timingRow = htmlElement("div", { class: "controls" }, undefined, doc);
  timingRow.append(timeButton, timingLegend);
  const chart = new TimingChart(doc);
  chart.element.hidden = true;
  shell.root.append(controls.element, summary, why, explanation, jaxprDetails, historyDetails, timingRow, chart.element);

  shell.listen(timeButton, "click", () => {
    timeButton.disabled = true;
    timeButton.textContent = "Timing…";
    timing.request({});
  });
  const showSpecs = (): void => {
    controls.setSpecs(model.get("_controls"));
    timingRow.hidden = !model.get("_controls").some((spec) => spec.kind === "array"); // it grows an array
  };
  shell.onModel("_controls", showSpecs);
  showSpecs();

  function onMessage(content: unknown, buffers: readonly BinaryLike[]): void {
    const m = content as { type?: string; seq?: number; client?: string; request?: string };
    if (m?.type === "timing" || (m?.type === "error" && m.request === "timing")) {
      if (m.type === "timing") {
        timing.accept(m.seq ?? 0);
        const decode = (name: string) => decodeMessageArray((content as Record<string, BufferRecord>)[name]!, buffers).data as Float32Array;
        timings = { sizes: decode("sizes"), jit: decode("jit_s"), eager: decode("eager_s") };
        shell.invalidate("timing");
      }
      timeButton.disabled = false;
      timeButton.textContent = "Time jit against op by op";
      return;
    }
    const reply = parseCallReply(content);
    if (!reply) return;
    const mine = reply.client === shell.clientId;
    if (mine && !calls.accept(reply.seq)) return;
    if (!mine && calls.busy) return; // the user is changing arguments: their newest request decides
    last = reply;
    if (!calls.busy) controls.show(reply.state);
    shell.invalidate("report");
  }

  function paint(parts: ReadonlySet<Part>): void {
    if (parts.has("report") && last) showReport(last);
    if (parts.has("timing") && timings) {
      chart.element.hidden = false;
      chart.draw(Math.min(Math.max(280, el.clientWidth || 560), 560), 220, timings);
      const at = timings.sizes.length - 1;
      const speedup = timings.eager[at]! / timings.jit[at]!;
      timingLegend.replaceChildren(
        htmlElement("span", { class: "jit-key", style: `background:${JIT_COLOR}` }, undefined, doc),
        doc.createTextNode("jit(f)"),
        htmlElement("span", { class: "jit-key", style: `background:${EAGER_COLOR}` }, undefined, doc),
        doc.createTextNode(`f op by op; at ${timings.sizes[at]!.toLocaleString("en-US")}: jit is ${formatNumber(speedup, 2)}× faster`),
      );
    }
  }

  function showReport(reply: CallReply): void {
    const r = reply.record;
    const badge = htmlElement(
      "span",
      { class: "jit-outcome", "data-outcome": r.outcome },
      r.compiled ? `${r.outcome} + compile` : r.outcome,
      doc,
    );
    const times =
      r.outcome === "cache hit" ? `ran in ${formatMs(r.total_ms)}` : `trace ${formatMs(r.trace_ms)} · compile ${formatMs(r.compile_ms)}`;
    summary.replaceChildren(
      badge,
      htmlElement("span", {}, `call ${r.call}`, doc),
      htmlElement("span", {}, times, doc),
      htmlElement("span", { class: "jit-counts" }, `traces ${reply.traces} · compiles ${reply.compiles}`, doc),
    );
    const previous = reply.history.find((h) => h.call === r.call - 1);
    why.textContent = whyWords(r, previous);
    explanation.textContent = r.outcome === "retrace" ? explanationBody(r.explanation) : "";
    jaxpr.textContent = reply.jaxpr;
    showHistory(reply.history);
    Object.assign(shell.root.dataset, {
      outcome: r.outcome,
      call: String(r.call),
      cause: r.cause,
      traces: String(reply.traces),
      compiles: String(reply.compiles),
    });
  }

  function showHistory(records: readonly CallRecord[]): void {
    const head = htmlElement("tr", {}, undefined, doc);
    for (const title of ["call", "arguments", "what happened", "trace", "compile"]) head.append(htmlElement("th", {}, title, doc));
    const rows = [...records].reverse().map((h) => {
      const row = htmlElement("tr", {}, undefined, doc);
      const args = Object.entries(h.args)
        .map(([name, text]) => `${name}=${text}`)
        .join(", ");
      const cells = [String(h.call), args, h.compiled ? `${h.outcome} + compile` : h.outcome, formatMs(h.trace_ms), formatMs(h.compile_ms)];
      for (const [i, text] of cells.entries()) row.append(htmlElement("td", i === 1 ? { class: "mono" } : {}, text, doc));
      return row;
    });
    history.replaceChildren(head, ...rows);
  }

  shell.addCleanup(observeWidth(el, () => shell.invalidate("timing")));
  shell.start();
  calls.request({ fetch: true });
  return () => shell.destroy();
}

export default { render };
