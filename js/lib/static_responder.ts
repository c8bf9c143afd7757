/**
 * The local responder of a static copy (lib/static_model.ts): it answers a view's requests from the saved
 * state, as far as the state allows, and refuses the rest with an error reply saying why.
 *
 * - `probe` (LossSurface): value and gradient interpolated bilinearly from the saved grids, the Hessian from
 *   differences of the gradient grid: approximate (the view says so).
 * - `runs` (Descent): each start snaps to the nearest start of the saved pool (the widget's own starts and,
 *   with `save_html(path, starts_grid=n)`, an n x n grid of starts computed in one call); fewer steps slice.
 * - any kind with a saved reply (a view's question on render): that reply.
 */
import { type ArrayRecord, type BinaryLike, decodeArray } from "./arrays";
import { NEEDS_KERNEL, type StaticState } from "./static";
import type { LocalReply, SavedTraits } from "./static_model";

type Request = Record<string, unknown>;

export function respond(request: Request, model: SavedTraits): LocalReply | null {
  const kind = request.type;
  if (typeof kind !== "string") return null;
  const saved = (model.trait("_static") ?? {}) as Partial<StaticState>;
  try {
    if (kind === "probe" && isSurface(model.trait("_surface"))) return probeReply(request, model.trait("_surface") as SavedSurface);
    if (kind === "runs" && saved.runs) return runsReply(request, saved.runs as unknown as RunsPool, model);
    const canned = saved.replies?.[kind];
    if (canned && answersAsSaved(request)) return reply(request, canned.content, canned.buffers);
  } catch (error) {
    return errorReply(request, kind, error instanceof Error ? error.message : String(error));
  }
  return errorReply(request, kind, `${NEEDS_KERNEL}.`);
}

function reply(request: Request, content: Record<string, unknown>, buffers: BinaryLike[]): LocalReply {
  return { content: { ...content, type: request.type, seq: request.seq, client: request.client ?? "" }, buffers };
}

function errorReply(request: Request, kind: string, message: string): LocalReply {
  return { content: { type: "error", seq: request.seq, client: request.client ?? "", request: kind, message }, buffers: [] };
}

/** A question (fetch, or an empty request) is answered by the saved reply; a move is not. */
function answersAsSaved(request: Request): boolean {
  const asked = Object.keys(request).filter((key) => !["type", "seq", "client", "quiet", "fetch"].includes(key));
  return request.fetch === true || asked.length === 0;
}

// ---- LossSurface's probe -----------------------------------------------------------------------------------

interface SavedSurface {
  values: ArrayRecord;
  grad: ArrayRecord;
  x_range: [number, number];
  y_range: [number, number];
}

function isSurface(value: unknown): value is SavedSurface {
  return typeof value === "object" && value !== null && "values" in value && "grad" in value;
}

/** Bilinear interpolation of an (n_y, n_x) grid of cell centres, row 0 at y low; clamped to the grid. */
export function interpolate(grid: Float32Array, nx: number, ny: number, fx: number, fy: number): number {
  const cx = Math.min(Math.max(fx, 0), nx - 1);
  const cy = Math.min(Math.max(fy, 0), ny - 1);
  const i0 = Math.min(Math.floor(cx), Math.max(nx - 2, 0));
  const j0 = Math.min(Math.floor(cy), Math.max(ny - 2, 0));
  const i1 = Math.min(i0 + 1, nx - 1);
  const j1 = Math.min(j0 + 1, ny - 1);
  const tx = cx - i0;
  const ty = cy - j0;
  const at = (i: number, j: number): number => grid[j * nx + i]!;
  return (1 - ty) * ((1 - tx) * at(i0, j0) + tx * at(i1, j0)) + ty * ((1 - tx) * at(i0, j1) + tx * at(i1, j1));
}

/** [value, df/dx, df/dy, hxx, hxy, hyy] at (x, y) from the saved grids (the probe kernel's layout). */
export function surfaceReading(surface: SavedSurface, x: number, y: number): Float32Array {
  const values = decodeArray(surface.values);
  const grad = decodeArray(surface.grad);
  const [ny, nx] = values.shape as [number, number];
  const [x0, x1] = surface.x_range;
  const [y0, y1] = surface.y_range;
  const dx = (x1 - x0) / nx;
  const dy = (y1 - y0) / ny;
  const fx = (u: number): number => (u - x0) / dx - 0.5;
  const fy = (v: number): number => (v - y0) / dy - 0.5;
  const gx = grad.data.subarray(0, nx * ny) as Float32Array;
  const gy = grad.data.subarray(nx * ny, 2 * nx * ny) as Float32Array;
  const sample = (g: Float32Array, u: number, v: number): number => interpolate(g, nx, ny, fx(u), fy(v));
  const value = sample(values.data as Float32Array, x, y);
  const hxx = (sample(gx, x + dx, y) - sample(gx, x - dx, y)) / (2 * dx);
  const hyy = (sample(gy, x, y + dy) - sample(gy, x, y - dy)) / (2 * dy);
  const hxy = ((sample(gx, x, y + dy) - sample(gx, x, y - dy)) / (2 * dy) + (sample(gy, x + dx, y) - sample(gy, x - dx, y)) / (2 * dx)) / 2;
  return Float32Array.from([value, sample(gx, x, y), sample(gy, x, y), hxx, hxy, hyy]);
}

function probeReply(request: Request, surface: SavedSurface): LocalReply {
  const x = Number(request.x);
  const y = Number(request.y);
  if (!Number.isFinite(x) || !Number.isFinite(y)) throw new Error("probe needs a finite x and y");
  const result = surfaceReading(surface, x, y);
  return reply(request, { x, y, approximate: true, result: { buffer: 0, dtype: "float32", shape: [6] } }, [result]);
}

// ---- Descent's runs ----------------------------------------------------------------------------------------

/** `_static.runs`: arrays over P pool starts, O optimizers and T steps. */
interface RunsPool {
  starts: [number, number][];
  names: string[];
  learning_rates: Record<string, number>;
  steps: number;
  diverged: (number | null)[][];
  positions: ArrayRecord;
  losses: ArrayRecord;
  updates: ArrayRecord;
  velocities: ArrayRecord;
}

/** The index of the pool start nearest to (x, y). */
export function nearestStart(pool: readonly [number, number][], x: number, y: number): number {
  let best = 0;
  let bestDistance = Number.POSITIVE_INFINITY;
  pool.forEach(([px, py], k) => {
    const distance = (px - x) ** 2 + (py - y) ** 2;
    if (distance < bestDistance) [best, bestDistance] = [k, distance];
  });
  return best;
}

/** Rows `picks` of an array shaped (P, O, T, ...rest), keeping the first `keep` of T. */
function gather(record: ArrayRecord, picks: readonly number[], keep: number): { data: Float32Array; shape: number[] } {
  const { data, shape } = decodeArray(record);
  const [, optimizers, steps, ...rest] = shape as [number, number, number, ...number[]];
  const inner = rest.reduce((n, d) => n * d, 1);
  const out = new Float32Array(picks.length * optimizers * keep * inner);
  let offset = 0;
  for (const p of picks) {
    for (let o = 0; o < optimizers; o++) {
      const from = (p * optimizers + o) * steps * inner;
      out.set(data.subarray(from, from + keep * inner), offset);
      offset += keep * inner;
    }
  }
  return { data: out, shape: [picks.length, optimizers, keep, ...rest] };
}

function runsReply(request: Request, pool: RunsPool, model: SavedTraits): LocalReply {
  const rates = request.learning_rates as Record<string, number> | undefined;
  if (
    rates &&
    Object.entries(rates).some(([name, rate]) => Math.abs(rate - (pool.learning_rates[name] ?? Number.NaN)) > 1e-9 * Math.abs(rate))
  ) {
    throw new Error(`Other learning rates: ${NEEDS_KERNEL}.`);
  }
  const steps = typeof request.steps === "number" ? request.steps : Number(model.trait("steps") ?? pool.steps);
  if (!(steps >= 1 && steps <= pool.steps)) throw new Error(`More than ${pool.steps} steps: ${NEEDS_KERNEL}.`);
  const asked = (Array.isArray(request.starts) ? request.starts : model.trait("starts")) as [number, number][];
  const picks = asked.map(([x, y]) => nearestStart(pool.starts, x, y));
  const arrays = [
    gather(pool.positions, picks, steps + 1),
    gather(pool.losses, picks, steps + 1),
    gather(pool.updates, picks, steps),
    gather(pool.velocities, picks, steps),
  ];
  const records = ["positions", "losses", "updates", "velocities"].map((name, k) => [
    name,
    { buffer: k, dtype: "float32", shape: arrays[k]!.shape },
  ]);
  const content = {
    starts: picks.map((p) => pool.starts[p]),
    learning_rates: pool.learning_rates,
    steps,
    names: pool.names,
    // A divergence after the steps shown is not one.
    diverged: pool.diverged.map((perStart) => picks.map((p) => (perStart[p] !== null && perStart[p]! <= steps ? perStart[p]! : null))),
    ...Object.fromEntries(records),
  };
  return reply(
    request,
    content,
    arrays.map((a) => a.data),
  );
}
