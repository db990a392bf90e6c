// The Playground's view (nbconnect/_widgets/playground_core.py, PlaygroundCore). An ES module; Python
// inlines its imports for anywidget (nbconnect/_widgets/assets.py), node's tests import it as is.
//
// Editors write their text into synced traits (template, system, schema_text, options); Python
// answers with derived traits (variables, schema_status, problems, estimate, progress, table,
// summary, plots, compare, judge). Actions are custom messages: run, stop, page, cell, judge,
// judge_stop, save_version, delete_version. The
// browser only ever holds one results page. Layout, top to bottom: the Run bar (right under the model
// picker, so Run and its status never sit below a long schema), prompt, versions, schema, data and
// options (folded), results, the compare view and the judge panel (folded).

import { h, listen, messageCheck, requester } from "./_shared.js";
import { estimateText, fixFirstText, liveRoutesText, modelProgressText, progressText, routeTexts } from "./playground_text.js";
import { dataSection, optionsSection, problemList, promptSection, schemaSection } from "./playground_edit.js";
import { resultsSection } from "./playground_results.js";
import { judgeSection } from "./playground_judge.js";
import { versionsSection } from "./playground_versions.js";
import { compareSection } from "./playground_compare.js";

/** Run: Run / Stop, the estimate, what to fix first, the status line (also where a failed action
 * says why, until something changes), progress with retries and waits. */
function runSection(ui) {
  const { model, subs } = ui;
  const estimate = h("div", { class: "pg-estimate", "aria-live": "polite" });
  const fix = h("div", { class: "pg-fix", role: "status" });
  const runBtn = h("button", { class: "pg-run", type: "button", text: "Run", onclick: () => ui.send("run") });
  const stopBtn = h("button", { class: "pg-stop", type: "button", text: "Stop", onclick: () => ui.send("stop") });
  const message = h("div", { class: "pg-message", role: "status", "aria-live": "polite" });
  const routes = h("ul", { class: "pg-routes" }); // a batch estimate: where each model's calls go
  let said = ""; // a failed action's reason: shown until the state it was about changes
  ui.say = (text) => { said = text; renderRun(); };
  const renderRun = () => {
    const running = model.get("running");
    const problems = model.get("problems") || {};
    const blocked = Object.values(problems).some((list) => list?.length);
    runBtn.disabled = running || blocked;
    runBtn.title = blocked ? fixFirstText(problems) : "";
    stopBtn.disabled = !running;
    fix.textContent = running ? "" : fixFirstText(problems);
    message.textContent = said || model.get("message") || "";
    const e = model.get("estimate") || {};
    estimate.textContent = blocked ? "" : estimateText(e);
    estimate.className = `pg-estimate ${e.error ? "pg-error" : ""}`;
    routes.replaceChildren(...(blocked || running ? [] : routeTexts(e)).map((text, i) =>
      h("li", { class: "pg-route", "data-model": e.routes[i].model, "data-route": e.routes[i].route.split(":")[0], text })));
  };
  const fresh = () => { said = ""; renderRun(); };
  for (const trait of ["running", "message", "problems", "estimate"]) subs.on(`change:${trait}`, fresh);
  const progress = h("div", { class: "pg-progress" });
  const renderProgress = () => {
    const p = model.get("progress") || {};
    const rows = Object.entries(p.models || {}).map(([ref, m]) => h("div", { class: "pg-progress-model", "data-model": ref },
      h("span", { class: "pg-progress-name", text: ref }),
      h("progress", { max: m.total || 1, value: m.done, "aria-label": `${ref} progress` }),
      h("span", { class: "pg-progress-text", text: modelProgressText(m) })));
    const live = liveRoutesText(p);
    progress.replaceChildren(h("div", { class: "pg-progress-total", "data-done": p.done ?? 0, "data-total": p.total ?? 0,
      "data-stopped": p.stopped || "", "data-batches": p.routes ? JSON.stringify(p.batches || {}) : null, text: progressText(p) }),
    live ? h("div", { class: "pg-progress-routes", text: live }) : null, ...rows);
  };
  subs.on("change:progress", renderProgress);
  renderRun(); renderProgress();
  return h("section", { class: "pg-section pg-run-section", "aria-label": "Run" },
    h("div", { class: "pg-row" }, runBtn, stopBtn, estimate), routes,
    problemList(ui, "models"), problemList(ui, "data"), fix, message, progress);
}

/** Keys typed in our boxes are the box's: JupyterLab's shortcuts (Enter = edit the cell, Shift+Enter
 * = run it, a/b/dd...) must not fire from them. Lumino skips shortcuts under an element marked
 * data-lm-suppress-shortcuts; stopping the keydown also keeps it from the notebook's own handlers. */
function keepKeys(root) {
  root.addEventListener("keydown", (ev) => {
    const tag = ev.target?.tagName;
    if (tag === "TEXTAREA" || tag === "INPUT" || tag === "SELECT") ev.stopPropagation();
  });
}

function render({ model, el, noteAfter }) {
  const subs = listen(model);
  const ctx = requester(model);
  subs.later(() => ctx.dispose());
  const check = messageCheck(model, { after: noteAfter }); // a visible note where messages do not flow
  subs.later(check.stop);
  const ui = { model, subs, say: () => {} };
  /** Ask Python; a failed action says why in the status line (or to `failed`), `then` gets a good reply. */
  ui.send = async (kind, body = {}, then = null, failed = null) => {
    const reply = await ctx.request(kind, body);
    if (reply.ok) then?.(reply);
    else if (reply.error) (failed || ui.say)(reply.error);
  };
  const root = h("div", { class: "pg-root", "data-lm-suppress-shortcuts": "true" }, check.slot,
    runSection(ui), promptSection(ui), versionsSection(ui), schemaSection(ui), dataSection(ui), optionsSection(ui), resultsSection(ui),
    compareSection(ui), judgeSection(ui));
  keepKeys(root);
  el.append(root);
  return () => subs.off();
}

export default { render };
