/** Short, readable numbers for readouts, ticks and aria-valuetext. */

/** Four significant digits, trailing zeros dropped; exponent form for very large or small magnitudes. */
export function formatNumber(value: number, digits = 4): string {
  if (Number.isNaN(value)) return "NaN";
  if (!Number.isFinite(value)) return value > 0 ? "∞" : "-∞";
  if (value === 0) return "0";
  const magnitude = Math.abs(value);
  // toPrecision itself switches to "1.000e+4" once the integer part has more digits than asked for.
  if (magnitude >= Math.min(1e5, 10 ** digits) || magnitude < 1e-3) {
    const [mantissa = "", exponent = ""] = value.toExponential(digits - 1).split("e");
    return `${trimZeros(mantissa)}e${exponent.replace("+", "")}`;
  }
  return trimZeros(value.toPrecision(digits));
}

function trimZeros(text: string): string {
  return text.includes(".") ? text.replace(/\.?0+$/, "") : text;
}

/** Tick labels: like formatNumber, but with the minus sign typographers expect on an axis. */
export function formatTick(value: number): string {
  // Ticks that should be zero can come out as 1e-17 after floating point arithmetic.
  return formatNumber(Math.abs(value) < 1e-12 ? 0 : value, 4).replace(/^-/, "−");
}
