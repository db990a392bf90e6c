// The Playground's versions (nbconnect/_widgets/playground_versions.py): "Save as version" keeps the
// editor's prompt, system text and settings under a name (on disk, so they outlive the kernel); the
// versions ticked run against the models chosen above, except the (version, model) pairs unticked in
// the grid. With no version ticked the editor's prompt runs, as before.

import { h } from "./_shared.js";
import { section } from "./playground_edit.js";

/** A version's one-line description: its settings and the start of its prompt. */
export function versionText(v) {
  const prompt = v.template.length > 60 ? `${v.template.slice(0, 59)}…` : v.template;
  const system = v.system ? ` · system: ${v.system.length > 30 ? `${v.system.slice(0, 29)}…` : v.system}` : "";
  return `temperature ${v.temperature ?? "default"} · max tokens ${v.max_tokens ?? "default"}${system} · ${prompt}`;
}

/** A list trait with `item` added (on) or removed (off), order kept. */
export function toggled(list = [], item, on) {
  const rest = list.filter((x) => x !== item);
  return on ? [...rest, item] : rest;
}

function setList(model, trait, value) { model.set(trait, value); model.save_changes(); }

/** The grid of ticked versions × chosen models: a tick per arm, all ticked by default. */
function armGrid(model) {
  const chosen = model.get("chosen_versions") || [];
  const models = model.get("chosen_models") || [];
  if (!chosen.length || !models.length) return "";
  const off = new Set(model.get("excluded_arms") || []);
  const tick = (arm) => h("input", { type: "checkbox", class: "pg-arm-check", "data-arm": arm, "aria-label": `run ${arm}`,
    checked: !off.has(arm), onchange: (ev) => setList(model, "excluded_arms", toggled(model.get("excluded_arms"), arm, !ev.target.checked)) });
  return h("table", { class: "pg-table-small pg-arm-grid" },
    h("thead", {}, h("tr", {}, h("th", { text: "version \\ model" }), models.map((m) => h("th", { text: m })))),
    h("tbody", {}, chosen.map((v) => h("tr", {}, h("th", { text: v }), models.map((m) => h("td", {}, tick(`${v}|${m}`)))))));
}

export function versionsSection(ui) {
  const { model, subs } = ui;
  const name = h("input", { type: "text", class: "pg-version-name", "aria-label": "Version name", placeholder: "version name, e.g. terse" });
  const status = h("div", { class: "pg-version-status", role: "status", "aria-live": "polite" });
  const save = h("button", { class: "pg-save-version", type: "button", text: "Save as version",
    onclick: () => ui.send("save_version", { name: name.value }, (reply) => { status.textContent = `saved ${reply.name}`; name.value = ""; },
      (error) => { status.textContent = error; }) });
  const list = h("ul", { class: "pg-versions" });
  const grid = h("div", { class: "pg-arm-grid-wrap" });
  const render = () => {
    const chosen = new Set(model.get("chosen_versions") || []);
    list.replaceChildren(...(model.get("versions") || []).map((v) => h("li", { class: "pg-version", "data-name": v.name },
      h("label", {}, h("input", { type: "checkbox", class: "pg-version-run", "aria-label": `run version ${v.name}`, checked: chosen.has(v.name),
        onchange: (ev) => setList(model, "chosen_versions", toggled(model.get("chosen_versions"), v.name, ev.target.checked)) }),
      h("b", { text: ` ${v.name}` })),
      h("span", { class: "pg-muted", text: ` — ${versionText(v)} ` }),
      h("button", { class: "pg-version-delete", type: "button", text: "delete", "aria-label": `delete version ${v.name}`,
        onclick: () => ui.send("delete_version", { name: v.name }, null, (error) => { status.textContent = error; }) }))));
    grid.replaceChildren(armGrid(model));
  };
  for (const trait of ["versions", "chosen_versions", "chosen_models", "excluded_arms"]) subs.on(`change:${trait}`, render);
  render();
  return section("Versions", "pg-versions-section",
    h("div", { class: "pg-row" }, name, save, h("span", { class: "pg-muted", text: "keeps the prompt, system text and settings above" })),
    status, list, grid);
}
