/**
 * The key tree drawn in SVG: the seed's key at the top, each split's two children below it. Every key is a
 * button (click, Enter or Space draws with it); the key drawn with is filled, keys used before are ringed
 * (the one drawn with too when it was used before: a reuse).
 */
import { clear, htmlElement, svgElement } from "../lib/dom";
import { type KeyNode, pathLabel } from "./model";

const ROW = 44;
const RADIUS = 9;

interface Placed {
  path: number[];
  data: number[];
  x: number;
  depth: number;
  parent: Placed | null;
}

/** Lay the tree out: leaves evenly spaced in [0, 1], a parent above the middle of its children. */
export function layoutTree(root: KeyNode): Placed[] {
  const placed: Placed[] = [];
  const leaves: Placed[] = [];
  const visit = (node: KeyNode, path: number[], depth: number, parent: Placed | null): Placed => {
    const here: Placed = { path, data: node[0], x: 0, depth, parent };
    placed.push(here);
    const children = node[1].map((child, i) => visit(child, [...path, i], depth + 1, here));
    if (children.length === 0) leaves.push(here);
    else here.x = NaN; // set once the leaves are placed
    return here;
  };
  visit(root, [], 0, null);
  leaves.forEach((leaf, i) => {
    leaf.x = (i + 0.5) / leaves.length;
  });
  for (const node of [...placed].reverse()) {
    if (!Number.isNaN(node.x)) continue;
    const children = placed.filter((p) => p.parent === node);
    node.x = children.reduce((sum, c) => sum + c.x, 0) / children.length;
  }
  return placed;
}

/** A key's data as short hex words, e.g. "0000002a:9e3779b9". */
export function keyHex(data: readonly number[]): string {
  return data.map((word) => (word >>> 0).toString(16).padStart(8, "0")).join(":");
}

export class KeyTree {
  readonly element: HTMLDivElement;
  private readonly svg: SVGSVGElement;
  private readonly doc: Document;

  constructor(
    doc: Document,
    private readonly onPick: (path: number[]) => void,
  ) {
    this.doc = doc;
    this.element = htmlElement("div", { class: "rk-tree" }, undefined, doc);
    this.svg = svgElement("svg", { role: "group", "aria-label": "key tree" }, doc);
    const legend =
      "Keys split from the seed's key. Filled: the key drawn with. Ringed: used before (drawn with or split); drawing with it again repeats its numbers.";
    this.element.append(htmlElement("div", { class: "legend rk-tree-legend" }, legend, doc), this.svg);
  }

  draw(width: number, root: KeyNode, selected: readonly number[], used: readonly (readonly number[])[], reused: boolean): void {
    const placed = layoutTree(root);
    const depth = Math.max(...placed.map((p) => p.depth));
    const height = (depth + 1) * ROW;
    this.svg.setAttribute("width", String(width));
    this.svg.setAttribute("height", String(height));
    clear(this.svg);
    const px = (p: Placed): [number, number] => [16 + p.x * (width - 32), ROW / 2 + p.depth * ROW - 6];
    const usedSet = new Set(used.map((path) => path.join(",")));
    for (const node of placed) {
      if (!node.parent) continue;
      const [x1, y1] = px(node.parent);
      const [x2, y2] = px(node);
      this.svg.append(svgElement("line", { class: "rk-edge", x1, y1, x2, y2 }, this.doc));
    }
    const chosen = selected.join(",");
    if (!reused) usedSet.delete(chosen); // drawing with a key uses it; only a second use is marked
    for (const node of placed)
      this.svg.append(this.nodeElement(node, px(node), node.path.join(",") === chosen, usedSet.has(node.path.join(","))));
  }

  private nodeElement(node: Placed, [x, y]: [number, number], selected: boolean, used: boolean): SVGGElement {
    const classes = ["rk-key", selected ? "selected" : "", used ? "used" : ""].filter(Boolean).join(" ");
    const label = `key ${pathLabel(node.path)}`;
    const g = svgElement(
      "g",
      {
        class: classes,
        role: "button",
        tabindex: 0,
        "aria-label": label,
        "aria-pressed": String(selected),
        "data-path": node.path.join(","),
      },
      this.doc,
    );
    const title = svgElement("title", {}, this.doc);
    title.textContent = `${label}: key data ${keyHex(node.data)}${used ? " (used before)" : ""}`;
    g.append(title, svgElement("circle", { cx: x, cy: y, r: RADIUS }, this.doc));
    const text = svgElement("text", { x, y: y + RADIUS + 12, "text-anchor": "middle" }, this.doc);
    text.textContent = keyHex(node.data.slice(-1)).slice(0, 4);
    g.append(text);
    const pick = (): void => this.onPick(node.path);
    g.addEventListener("click", pick);
    g.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        pick();
      }
    });
    return g;
  }
}
