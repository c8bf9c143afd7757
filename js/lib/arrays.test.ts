import { describe, expect, it } from "vitest";
import { asFloat32, decodeArray, decodeBytes, decodeMessageArray, isArrayRecord } from "./arrays";

function float32Bytes(values: number[]): Uint8Array {
  return new Uint8Array(new Float32Array(values).buffer);
}

describe("decodeArray", () => {
  it("shares memory with an aligned DataView inside a larger buffer", () => {
    const big = new ArrayBuffer(64);
    new Uint8Array(big).set(float32Bytes([1, 2, 3, 4, 5, 6]), 8);
    const view = new DataView(big, 8, 24);
    const { data, shape } = decodeArray({ view, dtype: "float32", shape: [2, 3] });
    expect(shape).toEqual([2, 3]);
    expect(Array.from(data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(data.buffer).toBe(big);
    expect(data.byteOffset).toBe(8);
    expect(data.length).toBe(6);
  });

  it("copies correctly from an unaligned offset", () => {
    const big = new ArrayBuffer(40);
    new Uint8Array(big).set(float32Bytes([1.5, -2.25, 3e-8]), 3);
    const view = new DataView(big, 3, 12);
    const { data } = decodeArray({ view, dtype: "float32", shape: [3] });
    expect(data.buffer).not.toBe(big);
    expect(Array.from(data)).toEqual([1.5, -2.25, Math.fround(3e-8)]);
  });

  it("reads only byteLength bytes, not the rest of the buffer", () => {
    const big = new Float32Array([9, 9, 1, 2, 9, 9]).buffer;
    const { data } = decodeArray({ view: new DataView(big, 8, 8), dtype: "float32", shape: [2] });
    expect(Array.from(data)).toEqual([1, 2]);
  });

  it("accepts ArrayBuffer and typed arrays as well as DataView", () => {
    const raw = new Float32Array([7, 8]);
    expect(Array.from(decodeArray({ view: raw.buffer, dtype: "float32", shape: [2] }).data)).toEqual([7, 8]);
    expect(Array.from(decodeArray({ view: raw, dtype: "float32", shape: [2] }).data)).toEqual([7, 8]);
  });

  it("decodes int32 and converts to float32 on request", () => {
    const ints = new Int32Array([1, -2, 3]);
    const decoded = decodeArray({ view: new DataView(ints.buffer), dtype: "int32", shape: [3] });
    expect(decoded.data).toBeInstanceOf(Int32Array);
    const floats = asFloat32(decoded);
    expect(floats.data).toBeInstanceOf(Float32Array);
    expect(Array.from(floats.data)).toEqual([1, -2, 3]);
  });

  it("rejects unknown dtypes and short buffers", () => {
    const view = new DataView(new ArrayBuffer(8));
    expect(() => decodeArray({ view, dtype: "float64", shape: [1] })).toThrow(/dtype/);
    expect(() => decodeArray({ view, dtype: "float32", shape: [3] })).toThrow(RangeError);
  });

  it("handles an empty shape product", () => {
    expect(decodeBytes(new ArrayBuffer(0), "float32", [0, 5]).data.length).toBe(0);
  });
});

describe("decodeMessageArray", () => {
  it("picks the named buffer and respects its offset", () => {
    const big = new ArrayBuffer(48);
    new Uint8Array(big).set(float32Bytes([1, 2, 3, 4, 5, 6]), 20);
    const buffers = [new DataView(new ArrayBuffer(4)), new DataView(big, 20, 24)];
    const { data, shape } = decodeMessageArray({ buffer: 1, dtype: "float32", shape: [6] }, buffers);
    expect(shape).toEqual([6]);
    expect(Array.from(data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(data.buffer).toBe(big);
  });

  it("fails clearly when the buffer is missing", () => {
    expect(() => decodeMessageArray({ buffer: 2, dtype: "float32", shape: [1] }, [])).toThrow(/buffer 2/);
  });
});

describe("isArrayRecord", () => {
  it("recognises records and rejects other values", () => {
    expect(isArrayRecord({ view: new DataView(new ArrayBuffer(4)), dtype: "float32", shape: [1] })).toBe(true);
    expect(isArrayRecord({})).toBe(false);
    expect(isArrayRecord(null)).toBe(false);
  });
});
