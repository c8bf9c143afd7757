// @vitest-environment jsdom
import { describe, expect, it } from "vitest";
import { createSummaryTable, formatSig3, rHatIsBad, type SummaryRow, updateSummaryTable } from "./summary";

const row = (site: string, r_hat: number | null): SummaryRow => ({
  site,
  mean: 0.123456,
  sd: 1.5,
  hdi_3: -2.34567,
  hdi_97: 1234.5,
  r_hat,
  ess_bulk: 1523.7,
  ess_tail: null,
});

describe("summary table", () => {
  it("formats to 3 significant digits", () => {
    expect(formatSig3(0.123456)).toBe("0.123");
    expect(formatSig3(1)).toBe("1.00");
    expect(formatSig3(1234.5)).toBe("1230");
    expect(formatSig3(-2.34567)).toBe("−2.35");
    expect(formatSig3(2.5e7)).toBe("2.50e7");
    expect(formatSig3(1.5e-5)).toBe("1.50e-5");
    expect(formatSig3(null)).toBe("–");
    expect(formatSig3(0)).toBe("0");
  });

  it("highlights r_hat above 1.01", () => {
    expect(rHatIsBad(1.01)).toBe(false);
    expect(rHatIsBad(1.011)).toBe(true);
    expect(rHatIsBad(null)).toBe(false);
    const table = createSummaryTable();
    updateSummaryTable(table, [row("mu", 1.002), row("sigma", 1.2)]);
    const cells = [...table.querySelectorAll("td.r_hat")];
    expect(cells.map((c) => c.textContent)).toEqual(["1.00", "1.20"]);
    expect(cells.map((c) => c.classList.contains("bad"))).toEqual([false, true]);
    // Rows are reused; a converged update clears the mark.
    updateSummaryTable(table, [row("mu", 1.0)]);
    expect(table.tBodies[0]!.rows).toHaveLength(1);
    expect(table.querySelector("td.r_hat")!.classList.contains("bad")).toBe(false);
  });

  it("puts site names in as text", () => {
    const table = createSummaryTable();
    updateSummaryTable(table, [row("<b>w[0]</b>", 1)]);
    expect(table.querySelector("b")).toBeNull();
    expect(table.querySelector("tbody th")!.textContent).toBe("<b>w[0]</b>");
    expect([...table.querySelector("tbody tr")!.children].map((c) => c.textContent)).toEqual([
      "<b>w[0]</b>",
      "0.123",
      "1.50",
      "−2.35",
      "1230",
      "1.00",
      "1520",
      "–",
    ]);
  });
});
