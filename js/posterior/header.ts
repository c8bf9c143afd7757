/** The Posterior header: the status with Run and Stop, and a progress bar per chain (warm-up, then draws). */
import { button } from "../lib/controls";
import { clear, htmlElement } from "../lib/dom";
import type { ChainProgress } from "./protocol";
import { chainColor } from "./style";

const RUNNING = new Set(["compiling", "warmup", "sampling"]);
const STATUS_TEXT: Record<string, string> = {
  compiling: "compiling…",
  warmup: "warming up",
  sampling: "sampling",
  done: "done",
  stopped: "stopped",
  error: "error",
};

export class Header {
  readonly element: HTMLDivElement;
  readonly progress: HTMLDivElement;
  readonly runButton: HTMLButtonElement;
  readonly stopButton: HTMLButtonElement;
  private readonly statusText: HTMLSpanElement;
  private readonly doc: Document;

  constructor(doc: Document) {
    this.doc = doc;
    this.element = htmlElement("div", { class: "post-header" }, undefined, doc);
    this.statusText = htmlElement("span", { class: "post-status", role: "status", "aria-live": "polite" }, undefined, doc);
    this.runButton = button("Run", { className: "run", title: "Start a new run (fresh warm-up from where the chains are)" }, doc);
    this.stopButton = button("Stop", { className: "stop", title: "Stop sampling after the current chunk" }, doc);
    this.element.append(this.statusText, this.runButton, this.stopButton);
    this.progress = htmlElement("div", { class: "post-progress", role: "group", "aria-label": "progress per chain" }, undefined, doc);
  }

  /** Show the status (also as `data-status` on `root`); Stop is enabled only while sampling runs. */
  showStatus(status: string, root: HTMLElement): void {
    this.statusText.textContent = STATUS_TEXT[status] ?? status;
    this.statusText.dataset.status = status;
    root.dataset.status = status;
    this.stopButton.disabled = !RUNNING.has(status);
  }

  /** Three cells per chain: label, bar, counts (rebuilt only when the number of chains changes). */
  showProgress(progress: readonly ChainProgress[], chainCount: number, warmupTotal: number, samplesTotal: number): void {
    const all = Math.max(1, warmupTotal + samplesTotal);
    const chains = Math.max(progress.length, chainCount);
    if (this.progress.childElementCount !== chains * 3) this.buildProgress(chains, all);
    const cells = this.progress.children;
    for (let c = 0; c < chains; c++) {
      const p = progress[c] ?? { chain: c, warmup: 0, draws: 0, divergences: 0 };
      const warm = Math.min(p.warmup, warmupTotal);
      const draws = Math.min(p.draws, samplesTotal || p.draws);
      const track = cells[c * 3 + 1] as HTMLDivElement;
      const [warmBar, drawBar] = [track.children[0] as HTMLDivElement, track.children[1] as HTMLDivElement];
      warmBar.style.width = `${(100 * warm) / all}%`;
      drawBar.style.left = `${(100 * warmupTotal) / all}%`;
      drawBar.style.width = `${(100 * draws) / all}%`;
      track.setAttribute("aria-valuenow", String(warm + draws));
      track.setAttribute(
        "aria-valuetext",
        `warm-up ${warm} of ${warmupTotal}, draws ${draws} of ${samplesTotal}, ${p.divergences} divergent`,
      );
      const count = cells[c * 3 + 2] as HTMLSpanElement;
      const parts: (string | Node)[] = [warm < warmupTotal ? `warm-up ${warm}/${warmupTotal}` : `${draws}/${samplesTotal}`];
      if (p.divergences > 0) parts.push(" · ", htmlElement("span", { class: "divergent" }, `${p.divergences} divergent`, this.doc));
      count.replaceChildren(...parts);
    }
  }

  private buildProgress(chains: number, all: number): void {
    clear(this.progress);
    for (let c = 0; c < chains; c++) {
      const track = htmlElement(
        "div",
        { class: "track", role: "progressbar", "aria-label": `chain ${c + 1}`, "aria-valuemin": 0, "aria-valuemax": all },
        undefined,
        this.doc,
      );
      track.append(
        htmlElement("div", { class: "warm" }, undefined, this.doc),
        htmlElement("div", { class: "draws", style: `background:${chainColor(c)}` }, undefined, this.doc),
      );
      this.progress.append(chainLabel(c, this.doc), track, htmlElement("span", { class: "chain-count" }, undefined, this.doc));
    }
  }
}

/** "● chain c+1" in the chain's colour (progress rows and the legend). */
export function chainLabel(chain: number, doc: Document): HTMLSpanElement {
  const label = htmlElement("span", { class: "chain-label" }, undefined, doc);
  label.append(
    htmlElement("span", { class: "chain-swatch", style: `background:${chainColor(chain)}` }, undefined, doc),
    `chain ${chain + 1}`,
  );
  return label;
}
