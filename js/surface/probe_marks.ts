/**
 * The probe's marks on the plot's overlay: the descent direction -grad f as an arrow (solid for the shown
 * reading, dashed for the provisional one at the handle while it is ahead) and the Hessian's principal
 * directions.
 */
import { svgElement } from "../lib/dom";
import { KNOB_RADIUS } from "../lib/drag";
import type { SurfacePlot } from "../lib/surface_plot";
import type { Eigen, ProbeReading } from "./reading";

/** The arrow for a median-sized gradient spans this fraction of the plot; no arrow exceeds MAX_ARROW. */
const MEDIAN_ARROW = 0.1;
const MAX_ARROW = 0.25;
/** Shorter arrows would hide under the knob: the direction still matters where the slope is gentle. */
const MIN_ARROW_PX = KNOB_RADIUS + 14;
/** Hessian direction segments are clipped to this range (half-length in px, and fraction of the plot). */
const MIN_EIGEN_PX = KNOB_RADIUS + 10;
const MAX_EIGEN = 0.2;

/** An arrow's shaft, its halo and its head. */
type ArrowPaths = [arrow: SVGPathElement, halo: SVGPathElement, head: SVGPathElement];

export class ProbeMarks {
  private readonly plot: SurfacePlot;
  private readonly overlay: SVGGElement;
  private readonly eigenGroup: SVGGElement;
  private readonly arrow: ArrowPaths;
  /** The provisional arrow at the handle, dashed: shown while the handle is ahead of the exact reading. */
  private readonly provisionalGroup: SVGGElement;
  private readonly provisionalArrow: ArrowPaths;

  constructor(plot: SurfacePlot) {
    this.plot = plot;
    this.overlay = plot.overlay;
    this.overlay.classList.add("probe-overlay");
    this.eigenGroup = svgElement("g", { class: "eigen-directions" });
    this.arrow = arrowPaths();
    this.provisionalGroup = svgElement("g", { class: "provisional provisional-arrow" });
    this.provisionalArrow = arrowPaths();
    const [arrow, halo, head] = this.provisionalArrow;
    this.provisionalGroup.append(halo, arrow, head);
    this.overlay.append(this.eigenGroup, this.arrow[1], this.arrow[0], this.arrow[2], this.provisionalGroup);
  }

  /**
   * The arrow and Hessian directions of `shown` (provisional, drawn so, when there is no exact reading yet),
   * and the dashed arrow of `ahead`, the provisional reading at the handle, if any.
   */
  draw(shown: ProbeReading, eigen: Eigen | null, ahead: ProbeReading | null): void {
    this.overlay.classList.toggle("provisional", shown.kind === "provisional");
    const [px, py] = this.plot.toPixel(shown.x, shown.y);
    this.drawArrow(this.arrow, px, py, shown.gx, shown.gy);
    this.drawEigen(px, py, eigen);
    this.provisionalGroup.style.display = ahead ? "" : "none";
    if (ahead) this.drawArrow(this.provisionalArrow, ...this.plot.toPixel(ahead.x, ahead.y), ahead.gx, ahead.gy);
  }

  /** -grad f, scaled so a median gradient of the surface spans MEDIAN_ARROW of the plot. */
  private drawArrow([arrow, halo, arrowHead]: ArrowPaths, px: number, py: number, gx: number, gy: number): void {
    const plot = this.plot;
    const size = Math.min(plot.rect.width, plot.rect.height);
    const magnitude = Math.hypot(gx, gy);
    const median = plot.surface?.medianGrad ?? Number.NaN;
    const reference = Number.isFinite(median) && median > 0 ? median : magnitude;
    const lengthPx = Math.max(MIN_ARROW_PX, Math.min((magnitude / reference) * MEDIAN_ARROW * size, MAX_ARROW * size));
    // Direction in pixels of the data-space vector -grad (y flips on screen).
    const dx = -gx * plot.pixelsPerUnit("x");
    const dy = gy * plot.pixelsPerUnit("y");
    const norm = Math.hypot(dx, dy);
    // No arrow at a stationary point (relative to the typical slope) or without a gradient.
    if (!(Number.isFinite(lengthPx) && norm > 0 && magnitude > 1e-6 * reference)) {
      for (const part of [arrow, halo, arrowHead]) part.setAttribute("d", "");
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
    arrow.setAttribute("d", line);
    halo.setAttribute("d", line);
    const baseX = tipX - ux * head;
    const baseY = tipY - uy * head;
    const wing = head * 0.55;
    arrowHead.setAttribute(
      "d",
      `M${tipX.toFixed(1)},${tipY.toFixed(1)}L${(baseX - uy * wing).toFixed(1)},${(baseY + ux * wing).toFixed(1)}L${(baseX + uy * wing).toFixed(1)},${(baseY - ux * wing).toFixed(1)}Z`,
    );
  }

  /** Principal directions of the Hessian, half-length ~ 1/sqrt|lambda| (clipped); dashed when negative. */
  private drawEigen(px: number, py: number, eigen: Eigen | null): void {
    const segments = this.eigenGroup.children;
    if (!eigen) {
      while (segments.length) segments[0]!.remove();
      return;
    }
    const plot = this.plot;
    const maxPx = MAX_EIGEN * Math.min(plot.rect.width, plot.rect.height);
    eigen.values.forEach((lambda, k) => {
      const [vx, vy] = eigen.vectors[k]!;
      const dx = vx * plot.pixelsPerUnit("x");
      const dy = -vy * plot.pixelsPerUnit("y");
      const pxPerUnit = Math.hypot(dx, dy);
      const half = Math.min(maxPx, Math.max(MIN_EIGEN_PX, pxPerUnit / Math.sqrt(Math.abs(lambda))));
      const ux = dx / pxPerUnit;
      const uy = dy / pxPerUnit;
      const segment = (segments[k] as SVGPathElement | undefined) ?? this.eigenGroup.appendChild(svgElement("path"));
      segment.setAttribute("class", lambda < 0 ? "eigen negative" : "eigen");
      segment.setAttribute(
        "d",
        `M${(px - ux * half).toFixed(1)},${(py - uy * half).toFixed(1)}L${(px + ux * half).toFixed(1)},${(py + uy * half).toFixed(1)}`,
      );
    });
  }
}

function arrowPaths(): ArrowPaths {
  return [
    svgElement("path", { class: "arrow" }),
    svgElement("path", { class: "halo", "stroke-width": 4.5 }),
    svgElement("path", { class: "arrow-head" }),
  ];
}
