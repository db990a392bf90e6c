// The Playground's results: one page of the side-by-side table (scrolling inside its own box), a
// cell's details (saying which row and model they show), the summary of what was answered, the
// interactive plots (playground_plot.js; a click on an arm narrows the table to it), and the judge's
// grade as a badge in each graded cell. While a new run goes on, the last run's results stay, marked
// as the previous run's.

import { h } from "./_shared.js";
import { fmt } from "./format.js";
import { cellDetailText, shownArms, summaryCell, summaryColumns, summaryHeader } from "./playground_text.js";
import { bindSelect } from "./playground_edit.js";
import { plotSection } from "./playground_plot.js";

/** The judges' majority grade of a cell, as a badge (none when the cell was not graded). */
function gradeBadge(c) {
  if (c.grade == null) return null;
  return h("span", { class: `pg-grade pg-grade-${String(c.grade).replace(/[^\w-]/g, "")}`, title: "the judges' majority grade", text: c.grade });
}

/** A row's input: its text, or the thumbnail Python drew when it is an image (its path as alt). */
function inputCell(r) {
  if (!r.thumb) return h("td", { class: "pg-input-cell", text: r.input, title: r.input });
  return h("td", { class: "pg-input-cell pg-media-cell", title: r.input }, h("img", { class: "pg-thumb", src: r.thumb, alt: r.input }));
}

/** One page of the side-by-side table; a click on a cell asks Python for its details. */
function resultsTable(ui, table, pager, [where, detail]) {
  const showCell = (row, m) => ui.send("cell", { row, model: m }, (reply) => {
    where.textContent = `Details of row ${row} · ${m}`;
    detail.textContent = cellDetailText(reply.cell);
  });
  const cell = (r, m) => {
    const c = r.cells[m] || {};
    const cls = ["pg-cell", c.valid ? "pg-valid" : "pg-invalid", c.not_run ? "pg-not-run" : "",
      c.right === true ? "pg-right" : c.right === false ? "pg-wrong" : ""];
    // a cell never sent (stopped, over budget) is "not run": not an error, not a wrong answer
    const text = c.valid ? fmt(c.value) : c.not_run ? "not run" : `⚠ ${c.error || "no result"}`;
    return h("td", { class: cls.filter(Boolean).join(" "), "data-model": m, "data-grade": c.grade ?? null,
      title: c.valid ? "" : c.error || "not run", tabindex: 0,
      onclick: () => showCell(r.row, m),
      onkeydown: (ev) => { if (ev.key === "Enter") showCell(r.row, m); } },
    h("span", { class: "pg-value", text }), gradeBadge(c));
  };
  return () => {
    const t = ui.model.get("table") || {};
    where.textContent = detail.textContent = ""; // a new page or run: the details were of another cell
    if (!t.rows) { table.replaceChildren(); pager.replaceChildren(); return; }
    const hasTruth = t.rows.some((r) => r.truth != null);
    const arms = shownArms(t.models, ui.model.get("arm_filter") || "");
    const head = h("tr", {}, h("th", { text: "row" }), h("th", { text: "input" }), hasTruth ? h("th", { text: "truth" }) : null,
      arms.map((m) => h("th", { text: m, "data-model": m })));
    const body = t.rows.map((r) => h("tr", { class: r.differ ? "pg-differ" : "", "data-row": r.row },
      h("td", { text: r.row }), inputCell(r),
      hasTruth ? h("td", { class: "pg-truth-cell", text: fmt(r.truth) }) : null,
      arms.map((m) => cell(r, m))));
    table.replaceChildren(h("table", { class: "pg-table" }, h("thead", {}, head), h("tbody", {}, body)));
    pager.replaceChildren(
      h("button", { class: "pg-prev", type: "button", text: "‹ prev", disabled: t.page <= 0, onclick: () => ui.send("page", { page: t.page - 1 }) }),
      h("span", { class: "pg-page", text: ` page ${t.page + 1} of ${t.pages} (${t.total_rows} rows) ` }),
      h("button", { class: "pg-next", type: "button", text: "next ›", disabled: t.page >= t.pages - 1, onclick: () => ui.send("page", { page: t.page + 1 }) }));
  };
}

/** The summary table: per model what was answered and not run, and the figures of the answered. */
function summaryTable(rows) {
  if (!rows.length) return "";
  const show = summaryColumns(rows);
  return h("table", { class: "pg-table-small" }, h("thead", {}, h("tr", {}, show.map((c) => h("th", { "data-column": c, text: summaryHeader(c) })))),
    h("tbody", {}, rows.map((r) => h("tr", {}, show.map((c) => h("td", { "data-column": c, text: summaryCell(c, r[c]) }))))));
}

/** Results: the field to compare, the table page, a cell's details, the summary and the plot. */
export function resultsSection(ui) {
  const { model, subs } = ui;
  const field = bindSelect(ui, h("select", { class: "pg-field", "aria-label": "Field to compare" }), "compare_field");
  const renderFields = () => field.replaceChildren(...((model.get("schema_status") || {}).fields || [])
    .map((f) => h("option", { value: f, text: f, selected: f === model.get("compare_field") })));
  subs.on("change:schema_status", renderFields);
  const table = h("div", { class: "pg-table-wrap" });
  const where = h("div", { class: "pg-cell-where" });
  const detail = h("pre", { class: "pg-cell-detail", "aria-live": "polite" });
  const pager = h("div", { class: "pg-pager" });
  const renderTable = resultsTable(ui, table, pager, [where, detail]);
  subs.on("change:table", renderTable);
  subs.on("change:arm_filter", renderTable);
  const summary = h("div", { class: "pg-summary" });
  const plot = plotSection(ui);
  const renderSummary = () => summary.replaceChildren(summaryTable(model.get("summary") || []));
  subs.on("change:summary", renderSummary);
  const stale = h("div", { class: "pg-stale-note", role: "status", text: "" });
  const body = h("div", { class: "pg-results-body" }, table, pager, where, detail, summary, plot);
  const renderStale = () => {
    const old = model.get("running") && !!(model.get("table") || {}).rows;
    body.className = old ? "pg-results-body pg-stale" : "pg-results-body";
    stale.textContent = old ? "These are the previous run's results; the new run's replace them when it ends." : "";
  };
  subs.on("change:running", renderStale);
  renderFields(); renderTable(); renderSummary(); renderStale();
  return h("section", { class: "pg-section pg-results", "aria-label": "Results" }, h("h4", { class: "pg-h", text: "Results" }),
    h("label", { class: "pg-opt" }, "compare field ", field), stale, body);
}
