// The Playground's view (nbconnect/_widgets/playground_core.py, PlaygroundCore). An ES module; Python
// inlines its imports for anywidget (nbconnect/_widgets/assets.py), node's tests import it as is.
//
// Editors write their text into synced traits (template, system, schema_text, options); Python
// answers with derived traits (variables, schema_status, estimate, progress, table, summary, plot).
// Actions are custom messages: run, stop, page, cell. The browser only ever holds one results page.

import { h, listen, messageCheck, requester } from "./_shared.js";
import { fmt } from "./format.js";
import { cellDetailText, estimateText, modelProgressText, progressText, summaryCell, summaryColumns } from "./playground_text.js";

/** Bind a text input / textarea to a trait: typing saves (debounced), Python changes show. On
 * cleanup a save still pending is made at once, so nothing typed is lost. */
function bindText(model, subs, el, trait, { number = false, debounce = 250 } = {}) {
  let timer = null;
  const read = () => {
    if (!number) return el.value;
    if (el.value.trim() === "") return null;
    const n = Number(el.value);
    return Number.isFinite(n) ? n : null;
  };
  const save = () => { timer = null; model.set(trait, read()); model.save_changes(); };
  el.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(save, debounce);
  });
  subs.later(() => { if (timer !== null) { clearTimeout(timer); save(); } });
  const show = () => { if (document.activeElement !== el) el.value = model.get(trait) ?? ""; };
  subs.on(`change:${trait}`, show);
  show();
  return el;
}

function section(title, cls, ...body) {
  return h("section", { class: `pg-section ${cls}`, "aria-label": title }, h("h4", { class: "pg-h", text: title }), ...body);
}

/** Prompt: system and template editors, a chip per placeholder, a button per column to insert it. */
function promptSection({ model, subs }) {
  const system = bindText(model, subs, h("textarea", { class: "pg-system", rows: 2, "aria-label": "System prompt",
    placeholder: "Optional system prompt" }), "system");
  const template = bindText(model, subs, h("textarea", { class: "pg-template", rows: 4, "aria-label": "Prompt template",
    placeholder: "Classify the sentiment of: {text}" }), "template", { debounce: 150 });
  const chips = h("div", { class: "pg-chips", "aria-live": "polite" });
  const inserts = h("div", { class: "pg-inserts" });
  const insert = (c) => {
    const pos = template.selectionStart ?? template.value.length;
    template.value = `${template.value.slice(0, pos)}{${c}}${template.value.slice(pos)}`;
    model.set("template", template.value); model.save_changes(); template.focus();
  };
  const renderChips = () => {
    const columns = model.get("columns") || [];
    chips.replaceChildren(...(model.get("variables") || []).map((v) => h("span", {
      class: `pg-chip ${v.ok ? "pg-chip-ok" : "pg-chip-missing"}`, "data-name": v.name,
      title: v.ok ? "column found" : `no such column; columns: ${columns.join(", ")}`,
      text: v.ok ? `{${v.name}}` : `{${v.name}} missing — columns: ${columns.join(", ")}`,
    })));
    inserts.replaceChildren(h("span", { class: "pg-muted", text: "insert column: " }), ...columns.map((c) =>
      h("button", { class: "pg-insert", type: "button", "data-column": c, "aria-label": `Insert {${c}}`, text: c, onclick: () => insert(c) })));
  };
  subs.on("change:variables", renderChips);
  subs.on("change:columns", renderChips);
  renderChips();
  return section("Prompt", "pg-prompt", h("label", { class: "pg-muted", text: "System" }), system,
    h("label", { class: "pg-muted", text: "Template" }), template, chips, inserts);
}

/** Schema: the editor, Python's verdict on it, and how each chosen model will enforce it. */
function schemaSection({ model, subs }) {
  const schema = bindText(model, subs, h("textarea", { class: "pg-schema", rows: 6, spellcheck: "false",
    "aria-label": "Schema (JSON Schema or short form)", placeholder: "label: positive|negative|neutral, confidence: float" }),
  "schema_text", { debounce: 300 });
  const status = h("div", { class: "pg-schema-status", role: "status", "aria-live": "polite" });
  const enforcement = h("ul", { class: "pg-enforcement" });
  const renderSchema = () => {
    const s = model.get("schema_status") || {};
    status.className = `pg-schema-status ${s.ok ? "pg-ok" : "pg-error"}`;
    status.textContent = s.ok ? `✓ ${s.message}` : `${s.line ? `line ${s.line}: ` : ""}${s.message || ""}`;
    schema.setAttribute("aria-invalid", s.ok ? "false" : "true");
    enforcement.replaceChildren(...(s.enforcement || []).map((e) => h("li", { class: "pg-enforce" },
      h("b", { text: e.model }), ` — ${e.mode}`, e.changes?.length ? h("span", { class: "pg-muted", text: ` (${e.changes.join("; ")})` }) : "")));
  };
  subs.on("change:schema_status", renderSchema);
  renderSchema();
  return section("Schema", "pg-schema-section", schema, status, enforcement);
}

/** A select bound to a trait: choosing saves, Python's value shows. */
function bindSelect({ model, subs }, el, trait) {
  el.addEventListener("change", () => { model.set(trait, el.value); model.save_changes(); });
  subs.on(`change:${trait}`, () => { el.value = model.get(trait); });
  return el;
}

/** A labelled number box bound to a trait (empty means None). */
function numberBox({ model, subs }, trait, label, attrs = {}) {
  return h("label", { class: "pg-opt" }, label,
    bindText(model, subs, h("input", { type: "number", class: `pg-${trait.replace("_", "-")}`, "aria-label": label, ...attrs }), trait, { number: true }));
}

/** Data: a preview of the first rows, which rows to run, and the ground-truth column. */
function dataSection(ui) {
  const { model, subs } = ui;
  const preview = h("div", { class: "pg-preview" });
  const renderPreview = () => {
    const rows = model.get("preview") || [];
    const cols = model.get("columns") || [];
    preview.replaceChildren(h("div", { class: "pg-muted", text: `${model.get("n_rows")} rows; first ${rows.length}:` }),
      h("table", { class: "pg-table-small" }, h("thead", {}, h("tr", {}, cols.map((c) => h("th", { text: c })))),
        h("tbody", {}, rows.map((r) => h("tr", {}, cols.map((c) => h("td", { text: fmt(r[c]) })))))));
  };
  subs.on("change:preview", renderPreview);
  const selection = bindSelect(ui, h("select", { class: "pg-selection", "aria-label": "Rows to run" },
    [["all", "all rows"], ["first", "first N"], ["sample", "random N (seeded)"], ["missing", "only cells without a valid result"]]
      .map(([v, t]) => h("option", { value: v, text: t }))), "selection");
  const truth = h("select", { class: "pg-truth", "aria-label": "Ground-truth column",
    onchange: () => { model.set("truth", truth.value); model.save_changes(); } });
  const renderTruth = () => truth.replaceChildren(h("option", { value: "", text: "(no ground truth)" }),
    ...(model.get("columns") || []).map((c) => h("option", { value: c, text: c, selected: c === model.get("truth") })));
  subs.on("change:columns", renderTruth);
  renderPreview(); renderTruth();
  selection.value = model.get("selection");
  return section("Data", "pg-data", preview,
    h("div", { class: "pg-row" }, selection, numberBox(ui, "n", "N", { min: 1 }), numberBox(ui, "seed", "seed"), truth));
}

function optionsSection(ui) {
  return section("Options", "pg-options", h("div", { class: "pg-row" }, numberBox(ui, "temperature", "temperature", { step: 0.1, min: 0, max: 2 }),
    numberBox(ui, "max_tokens", "max tokens", { min: 1 }), numberBox(ui, "concurrency", "concurrency", { min: 1 }),
    numberBox(ui, "budget_usd", "budget $", { step: 0.01, min: 0 })));
}

/** Run: Run / Stop, the estimate, the status line (also where failed actions say why), progress. */
function runSection(ui) {
  const { model, subs } = ui;
  const estimate = h("div", { class: "pg-estimate", "aria-live": "polite" });
  const renderEstimate = () => {
    const e = model.get("estimate") || {};
    estimate.textContent = estimateText(e);
    estimate.className = `pg-estimate ${e.error ? "pg-error" : ""}`;
  };
  subs.on("change:estimate", renderEstimate);
  const runBtn = h("button", { class: "pg-run", type: "button", text: "Run", onclick: () => ui.send("run") });
  const stopBtn = h("button", { class: "pg-stop", type: "button", text: "Stop", onclick: () => ui.send("stop") });
  const message = h("div", { class: "pg-message", role: "status", "aria-live": "polite" });
  ui.say = (text) => { message.textContent = text; };
  const progress = h("div", { class: "pg-progress" });
  const renderRun = () => {
    const running = model.get("running");
    runBtn.disabled = running;
    stopBtn.disabled = !running;
    message.textContent = model.get("message") || "";
  };
  const renderProgress = () => {
    const p = model.get("progress") || {};
    const rows = Object.entries(p.models || {}).map(([ref, m]) => h("div", { class: "pg-progress-model", "data-model": ref },
      h("span", { class: "pg-progress-name", text: ref }),
      h("progress", { max: m.total || 1, value: m.done, "aria-label": `${ref} progress` }),
      h("span", { class: "pg-progress-text", text: modelProgressText(m) })));
    progress.replaceChildren(h("div", { class: "pg-progress-total", "data-done": p.done ?? 0, "data-total": p.total ?? 0,
      text: progressText(p) }), ...rows);
  };
  subs.on("change:running", renderRun);
  subs.on("change:message", renderRun);
  subs.on("change:progress", renderProgress);
  renderEstimate(); renderRun(); renderProgress();
  return section("Run", "pg-run-section", h("div", { class: "pg-row" }, runBtn, stopBtn, estimate), message, progress);
}

/** One page of the side-by-side table; a click on a cell asks Python for its details. */
function resultsTable(ui, table, pager, detail) {
  const showCell = (row, m) => ui.send("cell", { row, model: m }, (reply) => { detail.textContent = cellDetailText(reply.cell); });
  const cell = (r, m) => {
    const c = r.cells[m] || {};
    const cls = ["pg-cell", c.valid ? "pg-valid" : "pg-invalid", c.right === true ? "pg-right" : c.right === false ? "pg-wrong" : ""];
    return h("td", { class: cls.join(" "), "data-model": m, title: c.valid ? "" : c.error || "not run", tabindex: 0,
      onclick: () => showCell(r.row, m),
      onkeydown: (ev) => { if (ev.key === "Enter") showCell(r.row, m); },
      text: c.valid ? fmt(c.value) : `⚠ ${c.error || "no result"}` });
  };
  return () => {
    const t = ui.model.get("table") || {};
    if (!t.rows) { table.replaceChildren(); pager.replaceChildren(); return; }
    const hasTruth = t.rows.some((r) => r.truth != null);
    const head = h("tr", {}, h("th", { text: "row" }), h("th", { text: "input" }), hasTruth ? h("th", { text: "truth" }) : null,
      t.models.map((m) => h("th", { text: m })));
    const body = t.rows.map((r) => h("tr", { class: r.differ ? "pg-differ" : "", "data-row": r.row },
      h("td", { text: r.row }), h("td", { class: "pg-input-cell", text: r.input, title: r.input }),
      hasTruth ? h("td", { class: "pg-truth-cell", text: fmt(r.truth) }) : null,
      t.models.map((m) => cell(r, m))));
    table.replaceChildren(h("table", { class: "pg-table" }, h("thead", {}, head), h("tbody", {}, body)));
    pager.replaceChildren(
      h("button", { class: "pg-prev", type: "button", text: "‹ prev", disabled: t.page <= 0, onclick: () => ui.send("page", { page: t.page - 1 }) }),
      h("span", { class: "pg-page", text: ` page ${t.page + 1} of ${t.pages} (${t.total_rows} rows) ` }),
      h("button", { class: "pg-next", type: "button", text: "next ›", disabled: t.page >= t.pages - 1, onclick: () => ui.send("page", { page: t.page + 1 }) }));
  };
}

/** Results: the field to compare, the table page, a cell's details, the summary and the plot. */
function resultsSection(ui) {
  const { model, subs } = ui;
  const field = bindSelect(ui, h("select", { class: "pg-field", "aria-label": "Field to compare" }), "compare_field");
  const renderFields = () => field.replaceChildren(...((model.get("schema_status") || {}).fields || [])
    .map((f) => h("option", { value: f, text: f, selected: f === model.get("compare_field") })));
  subs.on("change:schema_status", renderFields);
  const table = h("div", { class: "pg-table-wrap" });
  const detail = h("pre", { class: "pg-cell-detail", "aria-live": "polite" });
  const pager = h("div", { class: "pg-pager" });
  const renderTable = resultsTable(ui, table, pager, detail);
  subs.on("change:table", renderTable);
  const summary = h("div", { class: "pg-summary" });
  const plot = h("img", { class: "pg-plot", alt: "cost against accuracy and latency per model" });
  const renderSummary = () => {
    const rows = model.get("summary") || [];
    const show = summaryColumns(rows);
    summary.replaceChildren(rows.length ? h("table", { class: "pg-table-small" }, h("thead", {}, h("tr", {}, show.map((c) => h("th", { text: c })))),
      h("tbody", {}, rows.map((r) => h("tr", {}, show.map((c) => h("td", { text: summaryCell(c, r[c]) })))))) : "");
    plot.src = model.get("plot") || "";
    plot.hidden = !model.get("plot");
  };
  subs.on("change:summary", renderSummary);
  subs.on("change:plot", renderSummary);
  renderFields(); renderTable(); renderSummary();
  return section("Results", "pg-results", h("label", { class: "pg-opt" }, "compare field ", field), table, pager, detail, summary, plot);
}

function render({ model, el, noteAfter }) {
  const subs = listen(model);
  const ctx = requester(model);
  subs.later(() => ctx.dispose());
  const check = messageCheck(model, { after: noteAfter }); // a visible note where messages do not flow
  subs.later(check.stop);
  const ui = { model, subs, say: () => {} };
  /** Ask Python; a failed action says why in the status line, `then` gets a good reply. */
  ui.send = async (kind, body = {}, then = null) => {
    const reply = await ctx.request(kind, body);
    if (reply.ok) then?.(reply);
    else if (reply.error) ui.say(reply.error);
  };
  el.append(h("div", { class: "pg-root" }, check.slot,
    promptSection(ui), schemaSection(ui), dataSection(ui), optionsSection(ui), runSection(ui), resultsSection(ui)));
  return () => subs.off();
}

export default { render };
