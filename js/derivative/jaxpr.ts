/** The jaxprs of f and grad f as text, each equation's primitive highlighted. */
import { clear, htmlElement } from "../lib/dom";

/** An equation's primitive: the name after " = " (parameters such as `y=2` have no spaces around "="). */
const PRIMITIVE = / = ([a-z_][a-z0-9_]*)/g;

/** Terminal colour codes: JAX colours `str(jaxpr)` where it thinks a terminal shows it (IPython kernels). */
const ANSI_COLOR = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g");

/** Split a jaxpr into plain text and primitive names, in order (terminal colour codes dropped). */
export function jaxprParts(coloured: string): { text: string; primitive: boolean }[] {
  const text = coloured.replace(ANSI_COLOR, "");
  const parts: { text: string; primitive: boolean }[] = [];
  let last = 0;
  for (const match of text.matchAll(PRIMITIVE)) {
    const start = match.index! + 3;
    parts.push({ text: text.slice(last, start), primitive: false }, { text: match[1]!, primitive: true });
    last = start + match[1]!.length;
  }
  parts.push({ text: text.slice(last), primitive: false });
  return parts.filter((part) => part.text.length > 0);
}

export class JaxprPanel {
  readonly element: HTMLDivElement;
  private readonly blocks: HTMLPreElement[];
  private readonly shown = ["", ""];

  constructor(doc: Document) {
    this.element = htmlElement("div", { class: "jaxpr-panel" }, undefined, doc);
    this.blocks = ["jaxpr of f", "jaxpr of grad f"].map((title) => {
      const block = htmlElement("pre", { class: "jaxpr", "aria-label": title }, undefined, doc);
      const figure = htmlElement("div", { class: "jaxpr-block" }, undefined, doc);
      figure.append(htmlElement("div", { class: "panel-caption" }, title, doc), block);
      this.element.append(figure);
      return block;
    });
  }

  show(jaxpr: string, gradJaxpr: string): void {
    [jaxpr, gradJaxpr].forEach((text, i) => {
      if (this.shown[i] === text) return;
      this.shown[i] = text;
      const block = this.blocks[i]!;
      clear(block);
      for (const part of jaxprParts(text)) {
        if (!part.primitive) block.append(block.ownerDocument.createTextNode(part.text));
        else block.append(htmlElement("span", { class: "primitive" }, part.text, block.ownerDocument));
      }
    });
  }
}
