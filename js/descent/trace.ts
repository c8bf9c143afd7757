/**
 * Runs traced into pixels for drawing: each path thinned, with step dots and where a divergence cut it, and
 * the update and velocity arrows at one step, all scaled alike.
 */
import { thinPolyline } from "../lib/ink";
import type { Pair } from "../lib/protocol";
import { divergedAt, positionAt, type Runs, vectorAt } from "./runs";

/** Step markers drawn per path at most (every k-th step beyond that). */
const MAX_MARKERS = 60;
/** The longest update arrow at the current step is drawn at least this long (all scaled alike). */
const MIN_ARROW_PX = 26;

/** A trajectory as drawn, in pixels: the line (thinned), the step dots, and where a divergence cut it. */
export interface PathShape {
  optimizer: string;
  start: number;
  color: string;
  /** Positions drawn: steps 0..steps-1 (fewer than steps + 1 where a divergence cut the path). */
  steps: number;
  line: number[];
  dots: number[];
  cut: number | null;
  /** Where the "✕" of a cut path goes: its last finite point (or its start). */
  end: Pair | null;
}

export function tracePaths(runs: Runs, toPixel: (x: number, y: number) => Pair, colorOf: (name: string) => string): PathShape[] {
  const stride = Math.max(1, Math.ceil(runs.steps / MAX_MARKERS));
  return runs.starts.flatMap(([sx, sy], s) =>
    runs.names.map((optimizer, o) => {
      const cut = divergedAt(runs, s, o);
      const last = cut === null ? runs.steps : cut - 1;
      const points: number[] = [];
      const dots: number[] = [];
      for (let t = 0; t <= last; t++) {
        const [x, y] = positionAt(runs, s, o, t);
        if (!Number.isFinite(x) || !Number.isFinite(y)) break;
        const [px, py] = toPixel(x, y);
        points.push(px, py);
        if (t > 0 && t % stride === 0) dots.push(px, py);
      }
      const n = points.length;
      const end: Pair | null = n > 0 ? [points[n - 2]!, points[n - 1]!] : cut !== null ? toPixel(sx, sy) : null;
      return { optimizer, start: s, color: colorOf(optimizer), steps: n / 2, line: thinPolyline(points), dots, cut, end };
    }),
  );
}

/** The arrows and markers at one step of every path, in pixels, all scaled alike (`scale`). */
export interface StepShape {
  arrows: { kind: "update" | "velocity"; color: string; from: Pair; d: Pair }[];
  markers: { color: string; at: Pair }[];
  scale: number;
}

/**
 * Update (solid) and velocity (dashed) arrows at step `t`. Velocities are the optimizer's running gradient
 * (momentum trace, Adam's first moment), in other units than the step: drawn as the direction -velocity, as
 * long as the step itself. Arrows shorter than MIN_ARROW_PX are all scaled up by the same (nice) factor.
 */
export function traceStep(
  runs: Runs,
  step: number,
  toPixel: (x: number, y: number) => Pair,
  perUnit: Pair,
  colorOf: (name: string) => string,
): StepShape {
  const t = Math.min(step, runs.steps);
  const toPx = (d: Pair): Pair => [d[0] * perUnit[0], -d[1] * perUnit[1]];
  const arrows: StepShape["arrows"] = [];
  const markers: StepShape["markers"] = [];
  let longest = 0;
  runs.starts.forEach((_, s) => {
    runs.names.forEach((name, o) => {
      const cut = divergedAt(runs, s, o);
      if (cut !== null && t >= cut) return;
      const [x, y] = positionAt(runs, s, o, t);
      if (!Number.isFinite(x) || !Number.isFinite(y)) return;
      const color = colorOf(name);
      const at = toPixel(x, y);
      markers.push({ color, at });
      if (t >= runs.steps) return;
      const u = toPx(vectorAt(runs.updates, runs, s, o, t));
      const uLength = Math.hypot(...u);
      if (!Number.isFinite(uLength) || uLength === 0) return;
      const [vx, vy] = toPx(vectorAt(runs.velocities, runs, s, o, t));
      const vLength = Math.hypot(vx, vy);
      if (Number.isFinite(vLength) && vLength > 0)
        arrows.push({ kind: "velocity", color, from: at, d: [(-vx / vLength) * uLength, (-vy / vLength) * uLength] });
      arrows.push({ kind: "update", color, from: at, d: u });
      longest = Math.max(longest, uLength);
    });
  });
  const scale = longest > 0 && longest < MIN_ARROW_PX ? niceFactor(Math.min(MIN_ARROW_PX / longest, 1e4)) : 1;
  return { arrows, markers, scale };
}

/**
 * The smallest of 1, 2, 5, 10, 20, 50, ... that is at least `factor`: arrows scaled ×5 read better than
 * ×4.73, and the label ("arrows ×5") stays put while a drag changes the steps a little.
 */
export function niceFactor(factor: number): number {
  if (!(factor > 1)) return 1;
  const power = 10 ** Math.floor(Math.log10(factor));
  return [1, 2, 5, 10].map((m) => m * power).find((f) => f >= factor * (1 - 1e-12))!;
}
