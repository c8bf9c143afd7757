/** The pair's site selects and the legend (chains, divergent, the reference, the warm-up note). */
import { clear, htmlElement } from "../lib/dom";
import { staticOk } from "../lib/static";
import { chainLabel } from "./header";

export interface LegendState {
  chains: number;
  showingWarmup: boolean;
  /** The reference's label when the pair shows a reference value, else null. */
  reference: string | null;
}

export class PairControls {
  readonly element: HTMLDivElement;
  readonly xSelect: HTMLSelectElement;
  readonly ySelect: HTMLSelectElement;
  private readonly legend: HTMLDivElement;
  private readonly doc: Document;

  constructor(doc: Document) {
    this.doc = doc;
    this.element = htmlElement("div", { class: "post-pair-controls" }, undefined, doc);
    this.xSelect = htmlElement("select", { class: "pair-x", "aria-label": "pair plot x site" }, undefined, doc);
    this.ySelect = htmlElement("select", { class: "pair-y", "aria-label": "pair plot y site" }, undefined, doc);
    const xLabel = htmlElement("label", {}, "x ", doc);
    xLabel.append(this.xSelect);
    const yLabel = htmlElement("label", {}, "y ", doc);
    yLabel.append(this.ySelect);
    this.legend = htmlElement("div", { class: "post-legend" }, undefined, doc);
    this.element.append(xLabel, yLabel, this.legend);
    // The page draws any pair from the draws it holds: the selects work in a static copy too.
    staticOk(xLabel);
    staticOk(yLabel);
  }

  /** The sites to choose from (the options are rebuilt only when they change). */
  showSites(sites: readonly string[]): void {
    for (const select of [this.xSelect, this.ySelect]) {
      const current = [...select.options].map((o) => o.value);
      if (current.length === sites.length && current.every((v, k) => v === sites[k])) continue;
      clear(select);
      for (const site of sites) select.append(htmlElement("option", { value: site }, site, this.doc));
    }
  }

  showPair([x, y]: readonly [string, string]): void {
    this.xSelect.value = x;
    this.ySelect.value = y;
  }

  get chosen(): [string, string] {
    return [this.xSelect.value, this.ySelect.value];
  }

  showLegend({ chains, showingWarmup, reference }: LegendState): void {
    const key = `${chains}|${showingWarmup}|${reference}`;
    if (this.legend.dataset.key === key) return;
    this.legend.dataset.key = key;
    clear(this.legend);
    for (let c = 0; c < chains; c++) this.legend.append(chainLabel(c, this.doc));
    const divergent = htmlElement("span", {}, undefined, this.doc);
    divergent.append(htmlElement("span", { class: "divergent-mark" }, "×", this.doc), " divergent");
    this.legend.append(divergent);
    if (reference !== null) {
      const entry = htmlElement("span", { class: "reference-label" }, undefined, this.doc);
      entry.append(htmlElement("span", { class: "reference-mark" }, "⊕", this.doc), ` ${reference || "reference"}`);
      this.legend.append(entry);
    }
    if (showingWarmup)
      this.legend.append(htmlElement("span", { class: "warmup-note" }, "faded: warm-up steps (adapting, not draws)", this.doc));
  }
}
