/**
 * What the probe shows at one position: f, the gradient and the Hessian, either exact (a probe reply) or
 * provisional (interpolated from the surface grid while the handle is ahead of the newest reply), and the
 * readout text for it.
 */
import { formatNumber } from "../lib/format";
import { bilinear, symmetricEigen2 } from "../lib/math";
import type { ProbeReply } from "../lib/protocol";
import type { Surface } from "../lib/surface_plot";

/** What the probe overlay shows: a provisional estimate or an exact reply. */
export interface ProbeReading {
  kind: "provisional" | "exact";
  x: number;
  y: number;
  seq: number;
  value: number;
  gx: number;
  gy: number;
  hessian: [number, number, number] | null;
}

export type Eigen = ReturnType<typeof symmetricEigen2>;

/** A probe reply's float32 result [value, dfdx, dfdy, hxx, hxy, hyy] at the position it was computed for. */
export function exactReading(reply: ProbeReply, result: Float32Array): ProbeReading {
  const at = (k: number): number => result[k] ?? Number.NaN;
  return {
    kind: "exact",
    x: reply.x,
    y: reply.y,
    seq: reply.seq,
    value: at(0),
    gx: at(1),
    gy: at(2),
    hessian: [at(3), at(4), at(5)],
  };
}

/** The estimate at (x, y) from the surface grid (NaN before the first surface); no Hessian. */
export function provisionalReading(surface: Surface | null, x: number, y: number, seq: number): ProbeReading {
  const grad = surface ? { ...surface.grid, values: surface.grad } : null;
  const cells = surface ? surface.grid.nx * surface.grid.ny : 0;
  return {
    kind: "provisional",
    x,
    y,
    seq,
    value: surface ? bilinear(surface.grid, x, y) : Number.NaN,
    gx: grad ? bilinear(grad, x, y) : Number.NaN,
    gy: grad ? bilinear(grad, x, y, cells) : Number.NaN,
    hessian: null,
  };
}

/** The Hessian's eigenvalues and directions, when the reading has one and it is shown. */
export function eigenOf(reading: ProbeReading, showHessian: boolean): Eigen | null {
  if (!reading.hessian || !showHessian) return null;
  const [hxx, hxy, hyy] = reading.hessian;
  if (![hxx, hxy, hyy].every(Number.isFinite)) return null;
  return symmetricEigen2(hxx, hxy, hyy);
}

/** One string per quantity: "f(x, y) = v", the gradient and its norm, the Hessian's eigenvalues. */
export function readoutParts(reading: ProbeReading, showHessian: boolean): string[] {
  const approx = reading.kind === "provisional";
  const eq = approx ? "≈" : "=";
  const parts = [`f(${formatNumber(reading.x)}, ${formatNumber(reading.y)}) ${eq} ${valueOrGap(reading.value, approx)}`];
  if (Number.isFinite(reading.gx) && Number.isFinite(reading.gy)) {
    parts.push(`∇f ${eq} (${formatNumber(reading.gx)}, ${formatNumber(reading.gy)})`);
    parts.push(`|∇f| ${eq} ${formatNumber(Math.hypot(reading.gx, reading.gy))}`);
  }
  const eigen = eigenOf(reading, showHessian);
  if (eigen) parts.push(`λ = ${formatNumber(eigen.values[0])}, ${formatNumber(eigen.values[1])}`);
  return parts;
}

function valueOrGap(value: number, approx: boolean): string {
  if (Number.isFinite(value)) return formatNumber(value);
  return approx ? "…" : formatNumber(value);
}
