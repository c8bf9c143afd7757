/**
 * The Posterior's live summary table (arviz rows from the `summary` trait): 3 significant digits, r_hat
 * above 1.01 highlighted. Built from text nodes only: site names come from user code.
 */
import { htmlElement } from "../lib/dom";

export interface SummaryRow {
  site: string;
  mean: number | null;
  sd: number | null;
  hdi_3: number | null;
  hdi_97: number | null;
  r_hat: number | null;
  ess_bulk: number | null;
  ess_tail: number | null;
}

/** r_hat above this is flagged: the chains do not agree yet. */
export const R_HAT_LIMIT = 1.01;

export const SUMMARY_COLUMNS: readonly { key: Exclude<keyof SummaryRow, "site">; label: string; title: string }[] = [
  { key: "mean", label: "mean", title: "posterior mean" },
  { key: "sd", label: "sd", title: "posterior standard deviation" },
  { key: "hdi_3", label: "hdi 3%", title: "lower end of the 94% highest density interval" },
  { key: "hdi_97", label: "hdi 97%", title: "upper end of the 94% highest density interval" },
  { key: "r_hat", label: "r̂", title: `split r_hat: above ${R_HAT_LIMIT} the chains disagree` },
  { key: "ess_bulk", label: "ess bulk", title: "effective sample size (bulk)" },
  { key: "ess_tail", label: "ess tail", title: "effective sample size (tails)" },
];

/** Three significant digits: 0.123, 1.00, 12.3, 1230, 1.23e6; "–" for missing values. */
export function formatSig3(value: number | null | undefined): string {
  if (value === null || value === undefined || Number.isNaN(value)) return "–";
  if (!Number.isFinite(value)) return value > 0 ? "∞" : "−∞";
  if (value === 0) return "0";
  const magnitude = Math.abs(value);
  let text: string;
  if (magnitude >= 1e6 || magnitude < 1e-3) {
    const [mantissa = "", exponent = ""] = value.toExponential(2).split("e");
    text = `${mantissa}e${exponent.replace("+", "")}`;
  } else {
    text = value.toPrecision(3);
    // toPrecision writes 1234 as "1.23e+3": an integer reads better in a table.
    if (text.includes("e")) text = String(Number(text));
  }
  return text.replace(/^-/, "−");
}

export function rHatIsBad(value: number | null | undefined): boolean {
  return typeof value === "number" && (Number.isNaN(value) || value > R_HAT_LIMIT);
}

/** A fresh table element with a header row; fill it with updateSummaryTable. */
export function createSummaryTable(doc: Document = document): HTMLTableElement {
  const table = htmlElement("table", { class: "summary-table" }, undefined, doc);
  const head = htmlElement("thead", {}, undefined, doc);
  const row = htmlElement("tr", {}, undefined, doc);
  row.append(htmlElement("th", { scope: "col", class: "site" }, "site", doc));
  for (const column of SUMMARY_COLUMNS) row.append(htmlElement("th", { scope: "col", title: column.title }, column.label, doc));
  head.append(row);
  table.append(head, htmlElement("tbody", {}, undefined, doc));
  return table;
}

/** Replace the body rows with `rows` (reusing cells, so a 2 Hz update does not flicker). */
export function updateSummaryTable(table: HTMLTableElement, rows: readonly SummaryRow[] | null | undefined): void {
  const doc = table.ownerDocument;
  const body = table.tBodies[0] ?? table.appendChild(htmlElement("tbody", {}, undefined, doc));
  const list = Array.isArray(rows) ? rows : [];
  while (body.rows.length > list.length) body.deleteRow(-1);
  list.forEach((data, r) => {
    let row = body.rows[r];
    if (!row) {
      row = body.insertRow();
      row.append(htmlElement("th", { scope: "row", class: "site" }, undefined, doc));
      for (const column of SUMMARY_COLUMNS) row.append(htmlElement("td", { class: column.key }, undefined, doc));
    }
    row.cells[0]!.textContent = String(data.site ?? "");
    SUMMARY_COLUMNS.forEach((column, k) => {
      const cell = row.cells[k + 1]!;
      const value = data[column.key];
      cell.textContent = formatSig3(value);
      if (column.key === "r_hat") {
        const bad = rHatIsBad(value);
        cell.classList.toggle("bad", bad);
        if (bad) cell.title = `r_hat ${formatSig3(value)} > ${R_HAT_LIMIT}: the chains have not converged`;
        else cell.removeAttribute("title");
      }
    });
  });
}
