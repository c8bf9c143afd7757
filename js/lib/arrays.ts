/**
 * The one codec for arrays on the wire (see the protocol's "Arrays" section).
 *
 * Traits carry `{view, dtype, shape}` where ipywidgets has turned the binary buffer into a DataView; custom
 * messages carry `{buffer: i, dtype, shape}` naming `buffers[i]`. Both decode to a typed array that shares
 * memory with the buffer when the offset allows it: the buffers are often views into one larger
 * ArrayBuffer, so byteOffset and byteLength must be respected.
 */

/** What a binary buffer may arrive as, depending on the front end. */
export type BinaryLike = DataView | ArrayBuffer | ArrayBufferView;

export type WireDtype = "float32" | "int32";

/** An array inside widget state: the buffer itself sits in `view` (base64 text where buffers are dropped). */
export interface ArrayRecord {
  view: BinaryLike | string;
  dtype: string;
  shape: number[];
}

/** An array inside a custom message: `buffer` is an index into the message's buffers. */
export interface BufferRecord {
  buffer: number;
  dtype: string;
  shape: number[];
}

export interface DecodedArray<T extends Float32Array | Int32Array = Float32Array | Int32Array> {
  data: T;
  shape: number[];
}

const BYTES_PER_ELEMENT = 4;

function elementCount(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

/** The bytes of a buffer as (ArrayBuffer, byteOffset, byteLength), whatever wrapper it came in. */
function bytesOf(buffer: BinaryLike): { buffer: ArrayBufferLike; byteOffset: number; byteLength: number } {
  if (ArrayBuffer.isView(buffer)) {
    return { buffer: buffer.buffer, byteOffset: buffer.byteOffset, byteLength: buffer.byteLength };
  }
  return { buffer, byteOffset: 0, byteLength: buffer.byteLength };
}

function makeTyped(dtype: string, buffer: ArrayBufferLike, offset: number, length: number): Float32Array | Int32Array {
  if (dtype === "float32") return new Float32Array(buffer, offset, length);
  if (dtype === "int32") return new Int32Array(buffer, offset, length);
  throw new TypeError(`unsupported dtype on the wire: ${dtype} (expected float32 or int32)`);
}

/** The bytes of base64 text (src/jaxwidgets/_wire.py sends buffers so to a front end that drops them). */
export function base64Bytes(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Decode raw bytes of the given dtype and shape; zero-copy when the offset is 4-byte aligned. */
export function decodeBytes(buffer: BinaryLike | string, dtype: string, shape: readonly number[]): DecodedArray {
  const length = elementCount(shape);
  if (buffer === undefined) throw new RangeError("array record without its buffer (the front end dropped it)");
  const bytes = bytesOf(typeof buffer === "string" ? base64Bytes(buffer) : buffer);
  const needed = length * BYTES_PER_ELEMENT;
  if (bytes.byteLength < needed) {
    throw new RangeError(`buffer holds ${bytes.byteLength} bytes, shape [${shape.join(", ")}] needs ${needed}`);
  }
  if (bytes.byteOffset % BYTES_PER_ELEMENT === 0) {
    return { data: makeTyped(dtype, bytes.buffer, bytes.byteOffset, length), shape: [...shape] };
  }
  // Typed arrays cannot start at an unaligned offset: copy the bytes into a fresh, aligned buffer.
  const copy = new Uint8Array(needed);
  copy.set(new Uint8Array(bytes.buffer, bytes.byteOffset, needed));
  return { data: makeTyped(dtype, copy.buffer, 0, length), shape: [...shape] };
}

/** Decode an array record from widget state (`{view, dtype, shape}`). */
export function decodeArray(record: ArrayRecord): DecodedArray {
  return decodeBytes(record.view, record.dtype, record.shape);
}

/** Decode an array record from a custom message (`{buffer: i, dtype, shape}`) given the message's buffers. */
export function decodeMessageArray(record: BufferRecord, buffers: readonly BinaryLike[]): DecodedArray {
  const buffer = buffers[record.buffer];
  if (buffer === undefined) {
    throw new RangeError(`message names buffer ${record.buffer} but carries ${buffers.length}`);
  }
  return decodeBytes(buffer, record.dtype, record.shape);
}

/** Always a Float32Array (int32 data is converted), for code that draws numbers. */
export function asFloat32(decoded: DecodedArray): DecodedArray<Float32Array> {
  const data = decoded.data instanceof Float32Array ? decoded.data : Float32Array.from(decoded.data);
  return { data, shape: decoded.shape };
}

/** True for a value that looks like an array record in widget state. */
export function isArrayRecord(value: unknown): value is ArrayRecord {
  if (typeof value !== "object" || value === null) return false;
  const record = value as Partial<ArrayRecord>;
  return record.view !== undefined && typeof record.dtype === "string" && Array.isArray(record.shape);
}
