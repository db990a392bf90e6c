// The Playground's editors (prompt, schema, data, options): each bound to its synced traits, each
// showing its own problems (the `problems` trait, per box) right under the box that causes them.

import { h } from "./_shared.js";
import { fmt } from "./format.js";

/** Bind a text input / textarea to a trait: typing saves (debounced), Python changes show. On
 * cleanup a save still pending is made at once, so nothing typed is lost. */
export function bindText(model, subs, el, trait, { number = false, debounce = 250 } = {}) {
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

export function section(title, cls, ...body) {
  return h("section", { class: `pg-section ${cls}`, "aria-label": title }, h("h4", { class: "pg-h", text: title }), ...body);
}

/** A section that starts folded (the long ones: data preview, options); `note` says what is inside. */
export function folded(title, cls, note, ...body) {
  return h("details", { class: `pg-section pg-folded ${cls}`, "aria-label": title },
    h("summary", { class: "pg-h" }, title, " ", note), ...body);
}

/** The problems the `problems` trait holds for `field`, as a list that empties when they are fixed;
 * `onChange(has)` marks the box itself (aria-invalid). */
export function problemList({ model, subs }, field, onChange = () => {}) {
  const list = h("ul", { class: "pg-problems", "data-field": field, "aria-live": "polite" });
  const render = () => {
    const problems = (model.get("problems") || {})[field] || [];
    list.replaceChildren(...problems.map((p) => h("li", { class: "pg-problem", text: p })));
    onChange(problems.length > 0);
  };
  subs.on("change:problems", render);
  render();
  return list;
}

/** Prompt: system and template editors, a chip per placeholder, a button per column to insert it. */
export function promptSection(ui) {
  const { model, subs } = ui;
  const system = bindText(model, subs, h("textarea", { class: "pg-system", rows: 2, "aria-label": "System prompt",
    placeholder: "Optional system prompt" }), "system");
  const template = bindText(model, subs, h("textarea", { class: "pg-template", rows: 4, "aria-label": "Prompt template",
    placeholder: "e.g. Classify the sentiment of: {text}" }), "template", { debounce: 150 });
  const chips = h("div", { class: "pg-chips", "aria-live": "polite" });
  const inserts = h("div", { class: "pg-inserts" });
  // a media column is inserted as {image:col} / {document:col}, the form that sends the file itself
  const placeholder = (c) => {
    const kind = (model.get("media_columns") || {})[c];
    return kind ? `{${kind}:${c}}` : `{${c}}`;
  };
  const insert = (c) => {
    const pos = template.selectionStart ?? template.value.length;
    template.value = `${template.value.slice(0, pos)}${placeholder(c)}${template.value.slice(pos)}`;
    model.set("template", template.value); model.save_changes(); template.focus();
  };
  const renderChips = () => {
    const columns = model.get("columns") || [];
    chips.replaceChildren(...(model.get("variables") || []).map((v) => h("span", {
      class: `pg-chip ${v.ok ? "pg-chip-ok" : "pg-chip-missing"}`, "data-name": v.name,
      title: v.ok ? "column found" : `no such column; columns: ${columns.join(", ")}`,
      text: `{${v.kind ? `${v.kind}:` : ""}${v.name}}${v.ok ? "" : ` missing — columns: ${columns.join(", ")}`}`,
    })));
    inserts.replaceChildren(h("span", { class: "pg-muted", text: "insert column: " }), ...columns.map((c) =>
      h("button", { class: "pg-insert", type: "button", "data-column": c, "aria-label": `Insert ${placeholder(c)}`,
        text: (model.get("media_columns") || {})[c] ? placeholder(c).slice(1, -1) : c, onclick: () => insert(c) })));
  };
  subs.on("change:variables", renderChips);
  subs.on("change:columns", renderChips);
  subs.on("change:media_columns", renderChips);
  renderChips();
  const problems = problemList(ui, "prompt", (bad) => template.setAttribute("aria-invalid", bad ? "true" : "false"));
  return section("Prompt", "pg-prompt", h("label", { class: "pg-muted", text: "System" }), system,
    h("label", { class: "pg-muted", text: "Template" }), template, problems, chips, inserts);
}

/** Schema: the editor, Python's verdict on it (a parse error with its line and a caret under the
 * spot, in the editor's monospace), and how each chosen model will enforce it. */
export function schemaSection({ model, subs }) {
  const schema = bindText(model, subs, h("textarea", { class: "pg-schema", rows: 6, spellcheck: "false",
    "aria-label": "Schema (JSON Schema or short form)", placeholder: "e.g. label: positive|negative|neutral, confidence: float" }),
  "schema_text", { debounce: 300 });
  const status = h("div", { class: "pg-schema-status", role: "status", "aria-live": "polite" });
  const enforcement = h("ul", { class: "pg-enforcement" });
  const renderSchema = () => {
    const s = model.get("schema_status") || {};
    status.className = `pg-schema-status ${s.ok ? "pg-ok" : "pg-error"}`;
    status.replaceChildren(s.ok ? `✓ ${s.message}` : (s.message || ""),
      s.excerpt ? h("pre", { class: "pg-excerpt", text: s.excerpt }) : "");
    schema.setAttribute("aria-invalid", s.ok ? "false" : "true");
    enforcement.replaceChildren(...(s.enforcement || []).map((e) => h("li", { class: "pg-enforce" },
      h("b", { text: e.model }), ` — ${e.mode}`, e.changes?.length ? h("span", { class: "pg-muted", text: ` (${e.changes.join("; ")})` }) : "")));
  };
  subs.on("change:schema_status", renderSchema);
  renderSchema();
  return section("Schema", "pg-schema-section", schema, status, enforcement);
}

/** A select bound to a trait: choosing saves, Python's value shows. */
export function bindSelect({ model, subs }, el, trait) {
  el.addEventListener("change", () => { model.set(trait, el.value); model.save_changes(); });
  subs.on(`change:${trait}`, () => { el.value = model.get(trait); });
  return el;
}

/** A labelled number box bound to a trait (empty means None). */
function numberBox({ model, subs }, trait, label, attrs = {}) {
  return h("label", { class: "pg-opt" }, label,
    bindText(model, subs, h("input", { type: "number", class: `pg-${trait.replace("_", "-")}`, "aria-label": label, ...attrs }), trait, { number: true }));
}

/** A preview cell: its text, with a thumbnail first when it is an image (a small PNG Python drew,
 * never the file itself). */
function previewCell(value, thumb) {
  const text = fmt(value);
  if (!thumb) return h("td", { text });
  return h("td", { class: "pg-media-cell", title: text }, h("img", { class: "pg-thumb", src: thumb, alt: text }), h("span", { text }));
}

/** Data (folded): a preview of the first rows, which rows to run, and the ground-truth column. */
export function dataSection(ui) {
  const { model, subs } = ui;
  const preview = h("div", { class: "pg-preview" });
  const note = h("span", { class: "pg-muted pg-data-note" });
  const renderPreview = () => {
    const rows = model.get("preview") || [];
    const cols = model.get("columns") || [];
    const thumbs = model.get("thumbs") || [];
    note.textContent = `— ${model.get("n_rows")} rows, columns ${cols.join(", ")}`;
    preview.replaceChildren(h("div", { class: "pg-muted", text: `first ${rows.length} of ${model.get("n_rows")} rows:` }),
      h("table", { class: "pg-table-small" }, h("thead", {}, h("tr", {}, cols.map((c) => h("th", { text: c })))),
        h("tbody", {}, rows.map((r, i) => h("tr", {}, cols.map((c) => previewCell(r[c], (thumbs[i] || {})[c])))))));
  };
  subs.on("change:preview", renderPreview);
  subs.on("change:thumbs", renderPreview);
  subs.on("change:n_rows", renderPreview);
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
  return folded("Data", "pg-data", note, preview,
    h("div", { class: "pg-row" }, selection, numberBox(ui, "n", "N", { min: 1 }), numberBox(ui, "seed", "seed"), truth));
}

/** A checkbox bound to a boolean trait. */
export function bindCheck({ model, subs }, el, trait) {
  el.addEventListener("change", () => { model.set(trait, !!el.checked); model.save_changes(); });
  const show = () => { el.checked = !!model.get(trait); };
  subs.on(`change:${trait}`, show);
  show();
  return el;
}

export function optionsSection(ui) {
  const { model, subs } = ui;
  const note = h("span", { class: "pg-muted" });
  const renderNote = () => {
    const t = model.get("temperature");
    note.textContent = `— temperature ${t ?? "default"}, max tokens ${model.get("max_tokens") ?? "default"}, ` +
      `${model.get("concurrency")} at once, budget ${model.get("budget_usd") == null ? "none" : `$${model.get("budget_usd")}`}` +
      `${model.get("as_batch") ? ", as batch" : ""}`;
  };
  for (const trait of ["temperature", "max_tokens", "concurrency", "budget_usd", "as_batch"]) subs.on(`change:${trait}`, renderNote);
  renderNote();
  const batch = h("label", { class: "pg-opt", title: "Send the cells through each provider's batch API where it has one " +
    "(about half price, answers within hours); connections without one run live. The estimate says which." },
  bindCheck(ui, h("input", { type: "checkbox", class: "pg-as-batch", "aria-label": "Run as batch" }), "as_batch"), "run as batch");
  return folded("Options", "pg-options", note, h("div", { class: "pg-row" }, numberBox(ui, "temperature", "temperature", { step: 0.1, min: 0, max: 2 }),
    numberBox(ui, "max_tokens", "max tokens", { min: 1 }), numberBox(ui, "concurrency", "concurrency", { min: 1 }),
    numberBox(ui, "budget_usd", "budget $", { step: 0.01, min: 0 }), batch));
}
