// The Playground's plots: cost against score (with 95% interval whiskers) and latency per arm, as
// the SVG Python drew for the report (nbconnect/_results/svg.py: one geometry for both). Colours are
// CSS variables (--nbc-fg, --nbc-muted, --nbc-border from JupyterLab's theme), so light and dark
// themes restyle them in place. This module adds the interaction: hovering (or focusing) an arm shows
// its card (score with interval, cost, latency p50/p95, n); a click (or Enter) narrows the comparison
// table to that arm (the `arm_filter` trait), a second click shows every arm again.

import { h } from "./_shared.js";

/** The arm a click on `arm` leaves chosen: itself, or none when it was already chosen. */
export function toggledArm(current, arm) {
  return current === arm ? "" : arm;
}

/** Mark each arm group chosen / dimmed after the filter. */
function markChosen(groups, chosen) {
  for (const g of groups) {
    const arm = g.getAttribute("data-arm");
    g.classList.toggle("nbc-arm-chosen", !!chosen && arm === chosen);
    g.classList.toggle("nbc-arm-dim", !!chosen && arm !== chosen);
    g.setAttribute("aria-pressed", chosen && arm === chosen ? "true" : "false");
  }
}

/** Hover / focus shows the card next to the pointer (or the arm), inside the plots' box. */
function wireArm(g, ui, tip, box) {
  const title = g.querySelector("title"); // the hover text svg.py wrote; the card replaces the browser's
  const text = title ? title.textContent : g.getAttribute("data-arm");
  title?.remove();
  g.setAttribute("tabindex", "0");
  g.setAttribute("role", "button");
  g.setAttribute("aria-label", text.replace(/\n/g, ", "));
  const show = (x, y) => {
    tip.textContent = text;
    tip.setAttribute("data-arm", g.getAttribute("data-arm"));
    tip.hidden = false;
    const frame = box.getBoundingClientRect();
    tip.style.left = `${Math.max(0, x - frame.left + 12)}px`;
    tip.style.top = `${Math.max(0, y - frame.top + 12)}px`;
  };
  const near = () => { const r = g.getBoundingClientRect(); show(r.right, r.top); };
  const hide = () => { tip.hidden = true; };
  const choose = () => {
    ui.model.set("arm_filter", toggledArm(ui.model.get("arm_filter") || "", g.getAttribute("data-arm")));
    ui.model.save_changes();
  };
  g.addEventListener("mousemove", (ev) => show(ev.clientX, ev.clientY));
  g.addEventListener("mouseleave", hide);
  g.addEventListener("focus", near);
  g.addEventListener("blur", hide);
  g.addEventListener("click", choose);
  g.addEventListener("keydown", (ev) => { if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); choose(); } });
}

/** The plots' box: both SVGs, the hover card, and a note saying how to use them. */
export function plotSection(ui) {
  const { model, subs } = ui;
  const cost = h("div", { class: "pg-plot pg-plot-cost" });
  const latency = h("div", { class: "pg-plot pg-plot-latency" });
  const tip = h("div", { class: "pg-plot-tip", role: "tooltip", hidden: true });
  const hint = h("div", { class: "pg-muted pg-plot-hint", text: "" });
  const box = h("div", { class: "pg-plots", hidden: true }, h("div", { class: "pg-plot-row" }, cost, latency), tip, hint);
  let groups = [];
  const render = () => {
    const p = model.get("plots") || {};
    box.hidden = !p.cost;
    tip.hidden = true;
    // Python's own SVG text (svg.py escapes every name in it), never anything the user typed raw
    cost.innerHTML = p.cost || "";
    latency.innerHTML = p.latency || "";
    groups = [...(cost.querySelectorAll?.("g.nbc-arm") || []), ...(latency.querySelectorAll?.("g.nbc-arm") || [])];
    for (const g of groups) wireArm(g, ui, tip, box);
    renderChosen();
  };
  const renderChosen = () => {
    const chosen = model.get("arm_filter") || "";
    markChosen(groups, chosen);
    hint.textContent = chosen
      ? `The table shows only ${chosen}; click it again to show every arm.`
      : "Hover an arm for its figures; click it to show only that arm in the table.";
  };
  subs.on("change:plots", render);
  subs.on("change:arm_filter", renderChosen);
  render();
  return box;
}
