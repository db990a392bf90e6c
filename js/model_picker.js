// The ModelPicker's view (nbconnect/_widgets/picker.py). An ES module; Python inlines its imports for
// anywidget (nbconnect/_widgets/assets.py). `tags` and `matches` are pure: node's tests import them.
//
// Traits: `rows` and `connections` (read only, from Organization.model_rows()), `value` (the chosen
// model references, written here when a box is ticked) and `query` (the search text).

import { h, listen, messageCheck, requester } from "./_shared.js";
import { money, size } from "./format.js";

const STATUS = { ok: "verified", failing: "failing", unverified: "not verified" };

/** The tags of one model row: [css suffix, text, tooltip]. */
export function tags(row) {
  const out = [];
  if (row.demo) out.push(["demo", "demo", "Offline demo model: made-up answers"]);
  if (row.native === true) out.push(["native", "native JSON schema", "The provider enforces the schema"]);
  if (row.native === false) out.push(["fallback", "JSON fallback", "JSON mode plus local validation"]);
  if (row.input_per_m != null && row.output_per_m != null) {
    out.push(["price", `${money(row.input_per_m)} in / ${money(row.output_per_m)} out per 1M`, "USD per million tokens"]);
  }
  if (row.context) out.push(["context", `${size(row.context)} context`, `${row.context} tokens`]);
  out.push(row.supported ? ["supported", "supported", "Listed in nbconnect's catalog"] : ["unsupported", "not in catalog", "Not in nbconnect's catalog: tags and prices unknown"]);
  return out;
}

/** Whether a row shows for the search words (all must occur in its reference, provider, tags or status). */
export function matches(row, words) {
  if (!words.length) return true;
  const text = `${row.ref} ${row.provider} ${row.model} ${tags(row).map((t) => t[1]).join(" ")} ${STATUS[row.status]}`.toLowerCase();
  return words.every((w) => text.includes(w));
}

export default {
  // `timeout` (ms, optional) is the requester's and `noteAfter` messageCheck's; anywidget passes
  // neither, tests short ones
  render({ model, el, timeout, noteAfter }) {
    const ctx = requester(model, { timeout });
    const subs = listen(model);
    subs.later(() => ctx.dispose());
    const check = messageCheck(model, { after: noteAfter });
    subs.later(check.stop);
    const uid = Math.random().toString(36).slice(2, 8);
    const search = h("input", {
      type: "search", class: "nbc-search", "aria-label": "Search models", placeholder: "Search models, providers, tags…",
      id: `nbc-${uid}-search`, autocomplete: "off", spellcheck: "false",
      oninput: () => { model.set("query", search.value); model.save_changes(); filter(); },
    });
    const count = h("span", { class: "nbc-count", "aria-live": "polite" });
    const verify = h("button", { type: "button", class: "nbc-btn nbc-verify", "aria-label": "Verify all connections", onclick: runVerify }, "Verify connections");
    const clear = h("button", { type: "button", class: "nbc-btn nbc-clear", "aria-label": "Clear model selection",
      onclick: () => { model.set("value", []); model.save_changes(); } }, "Clear");
    const status = h("div", { class: "nbc-picker-status", role: "status", "aria-live": "polite" });
    const groups = h("div", { class: "nbc-groups" });
    const root = h("div", { class: "nbc-picker", "data-lm-suppress-shortcuts": "true" }, check.slot,
      h("div", { class: "nbc-toolbar" }, h("label", { for: search.id, class: "nbc-search-label", text: "Models" }), search, count, verify, clear),
      status, groups);
    let checking = false;

    function toggle(ref, on) {
      const value = (model.get("value") || []).filter((r) => r !== ref);
      if (on) value.push(ref);
      model.set("value", value);
      model.save_changes();
    }

    function rowItem(row) {
      const box = h("input", { type: "checkbox", class: "nbc-model-check", value: row.ref, "aria-label": row.ref,
        onchange: () => toggle(row.ref, box.checked) });
      return h("li", { class: `nbc-model nbc-status-${row.status}`, "data-ref": row.ref },
        h("label", { class: "nbc-model-label" }, box,
          h("span", { class: "nbc-model-name", text: row.model }),
          h("span", { class: "nbc-tags" }, tags(row).map(([cls, text, tip]) => h("span", { class: `nbc-tag nbc-tag-${cls}`, title: tip, text })))));
    }

    function groupBox(conn, rows) {
      const state = checking ? "checking" : conn.status;
      const label = checking ? "checking…" : STATUS[conn.status] || conn.status;
      return h("fieldset", { class: "nbc-group", "data-connection": conn.name, "data-status": state },
        h("legend", { class: "nbc-group-head" },
          h("span", { class: "nbc-group-name", text: conn.name }),
          h("span", { class: "nbc-group-title", text: conn.title }),
          conn.demo ? h("span", { class: "nbc-tag nbc-tag-demo", text: "demo" }) : null,
          h("span", { class: "nbc-group-status", "data-status": state, text: label })),
        conn.message ? h("div", { class: "nbc-group-message", text: conn.message }) : null,
        rows.length
          ? h("ul", { class: "nbc-models", "aria-label": `Models of ${conn.name}` }, rows.map(rowItem))
          : h("div", { class: "nbc-empty", text: "No models known yet: press Verify connections." }));
    }

    function render() {
      const focused = document.activeElement?.closest?.(".nbc-model")?.dataset.ref;
      const rows = model.get("rows") || [];
      const conns = model.get("connections") || [];
      groups.replaceChildren(...conns.map((c) => groupBox(c, rows.filter((r) => r.connection === c.name))));
      if (!conns.length) groups.append(h("div", { class: "nbc-empty", text: "No connections yet: add one with the ConnectionsPanel, or use nbc.Organization.demo()." }));
      syncChecks();
      filter();
      if (focused) groups.querySelector(`.nbc-model[data-ref="${CSS.escape(focused)}"] input`)?.focus();
    }

    function syncChecks() {
      const chosen = new Set(model.get("value") || []);
      for (const box of groups.querySelectorAll(".nbc-model-check")) box.checked = chosen.has(box.value);
      count.textContent = `${chosen.size} selected`;
    }

    function filter() {
      const words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
      const rows = new Map((model.get("rows") || []).map((r) => [r.ref, r]));
      for (const group of groups.querySelectorAll(".nbc-group")) {
        let shown = 0;
        for (const item of group.querySelectorAll(".nbc-model")) {
          item.hidden = !matches(rows.get(item.dataset.ref), words);
          if (!item.hidden) shown += 1;
        }
        group.hidden = words.length > 0 && shown === 0;
      }
    }

    async function runVerify() {
      checking = true;
      verify.disabled = true;
      status.dataset.state = "busy";
      status.textContent = "checking…";
      render();
      const msg = await ctx.request("verify");
      checking = false;
      verify.disabled = false;
      status.dataset.state = msg.ok ? (msg.failing.length ? "error" : "ok") : "error";
      status.textContent = !msg.ok ? msg.error
        : msg.failing.length ? `Checked ${msg.checked}; failing: ${msg.failing.join(", ")}` : `Checked ${msg.checked}: all OK`;
      render();
    }

    const onQuery = () => { if (search.value !== model.get("query")) { search.value = model.get("query"); filter(); } };
    search.value = model.get("query") || "";
    render();
    subs.on("change:rows", render);
    // The line under the toolbar reports one Verify; a later change (a connection replaced, removed or
    // checked from Python) makes it stale, and each group already shows its own state and failure.
    const onConnections = () => {
      if (!checking && status.textContent) { status.textContent = ""; status.dataset.state = ""; }
      render();
    };
    subs.on("change:connections", onConnections);
    subs.on("change:value", syncChecks);
    subs.on("change:query", onQuery);
    el.replaceChildren(root);
    return () => subs.off();
  },
};
