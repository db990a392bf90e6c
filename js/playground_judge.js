// The Playground's judge panel (nbconnect/_widgets/playground_judge.py): a rubric, the judge models
// (among the picker's), an optional reference column; Judge / Stop run `nbc.judge` on the current
// results in the background. Its progress and cost show apart from the run's, its summary gives per
// arm the share the judges' majority passed with a 95% interval; the grades land in the table.

import { h } from "./_shared.js";
import { bindText, folded } from "./playground_edit.js";
import { judgeArmText, judgeText } from "./playground_text.js";

/** A multiple select bound to a list trait: its options from `optionsTrait`, its choice saved. */
function bindMulti({ model, subs }, el, trait, optionsTrait) {
  el.addEventListener("change", () => {
    model.set(trait, [...el.options].filter((o) => o.selected).map((o) => o.value));
    model.save_changes();
  });
  const render = () => {
    const chosen = new Set(model.get(trait) || []);
    el.replaceChildren(...(model.get(optionsTrait) || []).map((ref) => h("option", { value: ref, text: ref, selected: chosen.has(ref) })));
  };
  subs.on(`change:${trait}`, render);
  subs.on(`change:${optionsTrait}`, render);
  render();
  return el;
}

/** The judge summary: one line per graded arm. */
function summaryList(rows = []) {
  return rows.map((r) => h("li", { class: "pg-judge-arm", "data-arm": r.arm, text: judgeArmText(r) }));
}

export function judgeSection(ui) {
  const { model, subs } = ui;
  const rubric = bindText(model, subs, h("textarea", { class: "pg-judge-rubric", rows: 2, "aria-label": "Judge rubric",
    placeholder: "e.g. The label matches the sentiment of the review" }), "judge_rubric");
  const models = bindMulti(ui, h("select", { class: "pg-judge-models", multiple: true, size: 3, "aria-label": "Judge models" }),
    "judge_models", "judge_choices");
  const reference = h("select", { class: "pg-judge-reference", "aria-label": "Reference column",
    onchange: () => { model.set("judge_reference", reference.value); model.save_changes(); } });
  const renderReference = () => reference.replaceChildren(h("option", { value: "", text: "(no reference)" }),
    ...(model.get("columns") || []).map((c) => h("option", { value: c, text: c, selected: c === model.get("judge_reference") })));
  subs.on("change:columns", renderReference);
  subs.on("change:judge_reference", renderReference);
  const run = h("button", { class: "pg-judge-run", type: "button", text: "Judge",
    onclick: () => ui.send("judge", {}, null, (error) => { said = error; render(); }) });
  const stop = h("button", { class: "pg-judge-stop", type: "button", text: "Stop judge", onclick: () => ui.send("judge_stop") });
  const status = h("div", { class: "pg-judge-status", role: "status", "aria-live": "polite" });
  const summary = h("ul", { class: "pg-judge-summary" });
  let said = "";
  const render = () => {
    const j = model.get("judge") || {};
    const busy = !!j.running || !!model.get("running");
    run.disabled = busy || !(model.get("table") || {}).rows;
    stop.disabled = !j.running;
    status.textContent = said || judgeText(j);
    status.setAttribute("data-running", j.running ? "true" : "false");
    summary.replaceChildren(...summaryList(j.summary));
  };
  const fresh = () => { said = ""; render(); };
  for (const trait of ["judge", "running", "table"]) subs.on(`change:${trait}`, fresh);
  renderReference(); render();
  return folded("Judge", "pg-judge", h("span", { class: "pg-muted", text: "— grade the results with an LLM judge" }),
    h("label", { class: "pg-muted", text: "Rubric" }), rubric,
    h("div", { class: "pg-row" }, h("label", { class: "pg-opt" }, "judges ", models), h("label", { class: "pg-opt" }, "reference ", reference)),
    h("div", { class: "pg-row" }, run, stop), status, summary);
}
