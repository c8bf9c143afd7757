/**
 * The probe's readout below the plot: the exact line ("=", at the newest reply's position) and, while the
 * handle is ahead of it, the provisional line ("≈", at the handle).
 */
import { htmlElement } from "../lib/dom";
import { type ProbeReading, readoutParts } from "./reading";

export class Readout {
  readonly element: HTMLDivElement;
  private readonly exactLine: HTMLDivElement;
  private readonly provisionalLine: HTMLDivElement;

  constructor(doc: Document) {
    this.element = htmlElement("div", { class: "readout" }, undefined, doc);
    this.exactLine = htmlElement("div", { class: "readout-line exact" }, undefined, doc);
    this.provisionalLine = htmlElement("div", { class: "readout-line provisional" }, undefined, doc);
    this.element.append(this.exactLine, this.provisionalLine);
  }

  show(exact: ProbeReading | null, provisional: ProbeReading | null, showHessian: boolean): void {
    setText(this.exactLine, exact ? readoutParts(exact, showHessian) : []);
    this.exactLine.hidden = !exact;
    setText(this.provisionalLine, provisional ? readoutParts(provisional, showHessian) : []);
    this.provisionalLine.hidden = !provisional;
    this.element.classList.toggle("provisional", !exact);
  }
}

/** One span per quantity (so narrow layouts wrap between quantities), reused: no DOM churn per frame. */
function setText(line: HTMLElement, parts: readonly string[]): void {
  const spans = line.children;
  parts.forEach((text, k) => {
    const span = (spans[k] as HTMLElement | undefined) ?? line.appendChild(htmlElement("span", {}, undefined, line.ownerDocument));
    if (span.textContent !== text) span.textContent = text;
  });
  while (spans.length > parts.length) spans[spans.length - 1]!.remove();
}
