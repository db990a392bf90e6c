// The Playground's compare view (nbconnect/_widgets/playground_compare.py): every arm with its score
// and 95% interval (results.score(pretty=True)), the paired versus table (results.versus(field=...)),
// and the rows on which two chosen arms disagree.

import { h } from "./_shared.js";
import { fmt } from "./format.js";

const HEADERS = { n_failed: "failed", n_not_run: "not run", n_pairs: "rows", accuracy_a: "accuracy a", accuracy_b: "accuracy b",
  ci_low: "95% low", ci_high: "95% high", a_wins: "a better", b_wins: "b better", p_value: "p (McNemar)", p_holm: "p (Holm)",
  rows_needed: "rows needed" };

/** A table cell's text: numbers with three significant decimals, the rest as they are. */
export function compareCell(v) {
  if (typeof v === "number" && !Number.isInteger(v)) return String(Number(v.toFixed(3)));
  return fmt(v);
}

/** {columns, rows} as a table whose cells carry their column's name. */
function recordsTable(cls, t) {
  if (!t?.rows?.length) return "";
  return h("table", { class: `pg-table-small ${cls}` },
    h("thead", {}, h("tr", {}, t.columns.map((c) => h("th", { "data-column": c, text: HEADERS[c] ?? c })))),
    h("tbody", {}, t.rows.map((r) => h("tr", {}, r.map((v, i) => h("td", { class: "pg-cmp-cell", "data-column": t.columns[i], text: compareCell(v) }))))));
}

function armSelect(model, index, arms, pair) {
  const el = h("select", { class: `pg-pair-${index ? "b" : "a"}`, "aria-label": `arm ${index ? "b" : "a"}`,
    onchange: () => { const next = [...pair]; next[index] = el.value; model.set("compare_pair", next); model.save_changes(); } },
  arms.map((a) => h("option", { value: a, text: a, selected: a === pair[index] })));
  return el;
}

export function compareSection(ui) {
  const { model, subs } = ui;
  const body = h("div", { class: "pg-compare-body" });
  const render = () => {
    const c = model.get("compare") || {};
    if (!c.arms) { body.replaceChildren(h("span", { class: "pg-muted", text: "Run first: the arms appear here." })); return; }
    const pair = c.pair || [];
    const picks = c.arms.length > 1 ? h("div", { class: "pg-row" }, "disagreements of ", armSelect(model, 0, c.arms, pair), " and ",
      armSelect(model, 1, c.arms, pair)) : "";
    const count = c.pair ? h("div", { class: "pg-disagree-count", text: `${c.n_disagree} of ${c.n_both} rows both answered differ` }) : "";
    const rows = (c.disagree || []).map((d) => h("tr", { "data-row": d.row }, h("td", { text: d.row }),
      h("td", { class: "pg-input-cell", text: d.input, title: d.input }), h("td", { class: "pg-disagree-a", text: fmt(d.a) }),
      h("td", { class: "pg-disagree-b", text: fmt(d.b) })));
    const disagree = rows.length ? h("table", { class: "pg-table-small pg-disagree" },
      h("thead", {}, h("tr", {}, h("th", { text: "row" }), h("th", { text: "input" }), h("th", { text: pair[0] }), h("th", { text: pair[1] }))),
      h("tbody", {}, rows)) : "";
    body.replaceChildren(c.note ? h("div", { class: "pg-muted pg-compare-note", text: c.note }) : "",
      recordsTable("pg-score-table", c.score), recordsTable("pg-versus-table", c.versus), picks, count, disagree);
  };
  subs.on("change:compare", render);
  render();
  return h("details", { class: "pg-section pg-folded pg-compare", "aria-label": "Compare arms" },
    h("summary", { class: "pg-h" }, "Compare arms ", h("span", { class: "pg-muted", text: "— scores with 95% intervals, paired tests, disagreements" })),
    body);
}
