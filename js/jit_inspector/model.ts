/** JitInspector's traits (src/jaxwidgets/jit_inspector.py) and replies. */

export interface ScalarControl {
  name: string;
  kind: "scalar";
  min: number;
  max: number;
}
export interface ArrayControl {
  name: string;
  kind: "array";
  dtypes: string[];
  max_length: number;
}
export interface StaticControl {
  name: string;
  kind: "static";
  options: string[];
}
/** An argument with no control (a PRNG key): shown by its type; Python may change it. */
export interface FixedControl {
  name: string;
  kind: "fixed";
  text: string;
}
export type ControlSpec = ScalarControl | ArrayControl | StaticControl | FixedControl;

/** A control's value on the wire: a number, an array's length and dtype, or a static option's index. */
export type ArrayValue = { length: number; dtype: string };
export type ControlValue = number | ArrayValue | string;

export interface JitInspectorModel {
  error: string;
  title: string;
  _instance?: string;
  traces: number;
  compiles: number;
  _controls: ControlSpec[];
}

/** One call of the jitted function, as Python recorded it. */
export interface CallRecord {
  call: number;
  args: Record<string, string>;
  outcome: "first call" | "cache hit" | "retrace";
  compiled: boolean;
  trace_ms: number;
  lower_ms: number;
  compile_ms: number;
  total_ms: number;
  cause: string;
  changed: string[];
  explanation: string;
}

export interface CallReply {
  type: "call";
  seq: number;
  client: string;
  record: CallRecord;
  history: CallRecord[];
  state: Record<string, ControlValue>;
  jaxpr: string;
  traces: number;
  compiles: number;
}

export function parseCallReply(content: unknown): CallReply | null {
  if (typeof content !== "object" || content === null) return null;
  const m = content as Partial<CallReply>;
  if (m.type !== "call" || typeof m.seq !== "number" || typeof m.record !== "object" || m.record === null) return null;
  return { ...m, client: typeof m.client === "string" ? m.client : "", history: m.history ?? [], state: m.state ?? {} } as CallReply;
}

/** What happened, in words: "retrace: n (static) changed 3 → 4", from the record and the one before. */
export function whyWords(record: CallRecord, previous: CallRecord | undefined): string {
  if (record.outcome === "first call") return "First call: f is traced to a jaxpr and compiled by XLA.";
  const before = previous?.args ?? {};
  if (record.outcome === "cache hit") {
    const retyped = record.changed.filter((name) => before[name] !== undefined && before[name] !== record.args[name]);
    if (retyped.length > 0) {
      const changes = retyped.map((name) => `${name} ${before[name]} → ${record.args[name]}`).join("; ");
      return `Cache hit: ${changes}, but jit compiled f for these shapes, dtypes and static values on an earlier call.`;
    }
    return record.changed.length > 0
      ? `Cache hit: ${record.changed.join(", ")} changed value only; shapes, dtypes and static values are as before.`
      : "Cache hit: the same shapes, dtypes and static values as a call before.";
  }
  const changes = record.changed.map((name) =>
    before[name] === record.args[name] ? `${name} (value only)` : `${name} ${before[name] ?? "?"} → ${record.args[name]}`,
  );
  const named = record.cause ? `JAX's cache-miss explanation names ${record.cause}. ` : "";
  const compiled = record.compiled ? "traced and compiled again" : "traced again, and XLA's compiled code was reused";
  return `Retrace: ${named}Since the last call: ${changes.join("; ") || "nothing shown changed"}. f was ${compiled}.`;
}

/** The explanation JAX logged, without its first line (which names this widget's call site). */
export function explanationBody(text: string): string {
  return text.split("\n").slice(1).join("\n").trim();
}

/** Milliseconds for a readout: "0.042 ms", "8.8 ms", "4510 ms". */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return "–";
  return `${ms >= 100 ? ms.toFixed(0) : ms >= 1 ? ms.toFixed(1) : ms.toPrecision(2)} ms`;
}
