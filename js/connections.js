// The ConnectionsPanel's view (nbconnect/_widgets/panel.py). An ES module; Python inlines its imports for
// anywidget (nbconnect/_widgets/assets.py).
//
// Traits (read only here): `providers` (form specs), `connections` (non-secret descriptions), `store`.
// Every provider fact (its rule, help, fields) comes from the `providers` specs: no provider table here.
// Secrets typed into a form are never written to a trait: Test and Save send them once in a custom
// message, the field is cleared at once, and it then shows the masked hint Python returns. The typed
// value is kept only in this view's memory so that Save can follow Test without retyping.

import { h, listen, messageCheck, requester } from "./_shared.js";

const SOURCES = { store: "saved in the store", environment: "from environment variables", explicit: "added in Python" };
const SHOWN = ["endpoint", "base_url", "project", "location", "api_version"];

/** The words for a masked key hint: Python masks a short key as a bare "…", which says nothing. */
export function keyText(hint) {
  if (!hint) return "no key";
  return hint === "…" ? "key set (too short to show a hint)" : `key ${hint}`;
}

/** A saved connection's state in words: OK with its model count, the last check's failure, or unverified. */
export function verdict(conn, singleModel = false) {
  // a one-model connection lists its server's models in its check: that count is not its own
  if (conn.status === "ok") return conn.models == null || singleModel ? "OK" : `OK · ${conn.models} model${conn.models === 1 ? "" : "s"}`;
  if (conn.status === "failing") return `failing: ${conn.message || "the last check failed"}`;
  return "not verified yet";
}

/** The status line after a Test: only a field's own problem points at a field (a network failure
 * or a timeout is not the empty Base URL field's fault). `labels` maps field -> label. */
export function testText(msg, labels) {
  if (msg.ok) return msg.message;
  const label = msg.field && labels[msg.field];
  return label ? `Test failed: see ${label}.` : `Test failed: ${msg.message || msg.error}`;
}

/** One input with its label, help and error line; kind and label come from the pydantic field. */
function field(spec, f, base) {
  const id = `${base}-${f.name}`;
  const describedBy = `${id}-help ${id}-error`;
  const common = {
    id, name: f.name, class: `nbc-input nbc-input-${f.name}`, "aria-label": `${spec.title} ${f.label}`,
    "aria-describedby": describedBy, "aria-required": f.required ? "true" : null,
  };
  let input;
  if (f.kind === "select") {
    input = h("select", common, f.options.map((o) => h("option", { value: o, text: o })));
  } else if (f.kind === "checkbox") {
    input = h("input", { ...common, type: "checkbox" });
  } else {
    const numeric = f.kind === "number" || f.kind === "integer";
    input = h("input", {
      ...common, type: f.secret ? "password" : numeric ? "number" : "text",
      autocomplete: f.secret ? "new-password" : "off", spellcheck: "false",
      inputmode: f.kind === "url" ? "url" : null, min: f.minimum, max: f.maximum,
      step: f.kind === "integer" ? 1 : numeric ? "any" : null,
      placeholder: f.kind === "url" ? "https://…" : f.required ? "required" : "optional",
    });
  }
  const label = h("label", { for: id, class: "nbc-label" }, f.label, f.required ? h("span", { class: "nbc-req", "aria-hidden": "true", text: " *" }) : null);
  const hint = f.secret ? h("div", { class: "nbc-secret-hint", "aria-live": "polite" }) : null;
  const error = h("div", { id: `${id}-error`, class: "nbc-field-error" });
  let file = null;
  if (f.kind === "credentials") {
    file = h("input", { type: "file", class: "nbc-file", accept: ".json,application/json", "aria-label": `${spec.title} service-account key file` });
  }
  const row = h("div", { class: `nbc-field nbc-field-${f.name}${f.kind === "checkbox" ? " nbc-check" : ""}` },
    f.kind === "checkbox" ? [input, label] : [label, input],
    file ? h("label", { class: "nbc-file-label" }, "or choose the key file: ", file) : null,
    hint, h("div", { id: `${id}-help`, class: "nbc-field-help", text: f.description }), error);
  const reset = () => {
    if (f.kind === "checkbox") input.checked = Boolean(f.default);
    else input.value = f.default == null ? (f.kind === "select" ? f.options[0] : "") : String(f.default);
  };
  reset();
  return { f, row, input, file, hint, error, reset };
}

/** One provider: its connections (with Replace / Remove), and the form to test and save one. */
function providerSection(spec, ctx) {
  const base = `nbc-${ctx.uid}-${spec.provider}`;
  const state = { pending: {}, keep: null, replace: false, open: false, busy: false };
  const fields = Object.fromEntries(spec.fields.map((f) => [f.name, field(spec, f, base)]));
  const list = h("ul", { class: "nbc-conns", "aria-label": `${spec.title} connections` });
  const status = h("div", { class: "nbc-status", role: "status", "aria-live": "polite" });
  const summary = h("span", { class: "nbc-summary" });
  const title = (text) => `${text} ${spec.title} connection`;
  const btn = (cls, text, aria, onclick) => h("button", { type: "button", class: `nbc-btn ${cls}`, "aria-label": aria, onclick }, text);

  const testBtn = btn("nbc-test", "Test", title("Test"), () => act("test"));
  const saveBtn = btn("nbc-save nbc-primary", "Save", title("Save"), () => act("save"));
  const resetBtn = btn("nbc-reset", "Clear", `Clear the ${spec.title} form`, () => { resetForm(); setStatus(""); });
  const cancelBtn = btn("nbc-cancel", "Cancel", `Cancel editing the ${spec.title} connection`, () => { resetForm(); state.open = false; setStatus(""); update(); });
  const addBtn = btn("nbc-add", "Add another", `Add another ${spec.title} connection`, () => openForm(null));

  const plain = spec.fields.filter((f) => !f.advanced).map((f) => fields[f.name].row);
  const advanced = spec.fields.filter((f) => f.advanced).map((f) => fields[f.name].row);
  const more = advanced.length ? h("details", { class: "nbc-more" }, h("summary", { text: "More options" }), advanced) : null;
  const form = h("form", { class: "nbc-form", "aria-label": `${spec.title} connection form`, novalidate: true,
    onsubmit: (e) => { e.preventDefault(); act("test"); } },
    plain, more, h("div", { class: "nbc-actions" }, testBtn, saveBtn, resetBtn, cancelBtn));

  // An error belongs to its field's current value: editing the field takes it away (the next Test or
  // Save checks the new value), and once no field is flagged the "Check the highlighted…" line goes too.
  for (const w of Object.values(fields)) {
    const fixing = () => {
      if (!w.error.textContent) return;
      w.error.textContent = "";
      w.input.removeAttribute("aria-invalid");
      if (state.aboutFields && !Object.values(fields).some((x) => x.error.textContent)) setStatus("");
    };
    w.input.addEventListener("input", fixing);
    if (w.f.secret) {
      // typing replaces the value kept since the last Test (emptied: nothing typed is sent)
      w.input.addEventListener("input", () => { delete state.pending[w.f.name]; w.hint.textContent = ""; });
    }
    w.input.addEventListener("change", fixing);
    w.file?.addEventListener("change", fixing);
  }

  const cred = fields.credentials;
  if (cred) {
    cred.file.addEventListener("change", async () => {
      const chosen = cred.file.files[0];
      if (!chosen) return;
      state.pending.credentials = await chosen.text();
      cred.file.value = ""; // the browser keeps no file reference once read
      cred.input.value = "";
      cred.hint.textContent = `${chosen.name} read; it is sent when you press Test or Save`;
    });
  }

  function setStatus(text, kind = "", extra = null, aboutFields = false) {
    state.aboutFields = aboutFields; // the line only points at flagged fields: it goes when they are fixed
    status.dataset.state = kind;
    status.replaceChildren(h("span", { class: "nbc-status-text", text }), ...(extra ? [extra] : []));
  }

  function clearErrors() {
    for (const w of Object.values(fields)) {
      w.error.textContent = "";
      w.input.removeAttribute("aria-invalid");
    }
  }

  function fieldError(name, text) {
    const w = fields[name];
    if (!w) return false;
    w.error.textContent = text;
    w.input.setAttribute("aria-invalid", "true");
    if (w.f.advanced && more) more.open = true;
    return true;
  }

  function showHints(hints, note) {
    for (const f of spec.fields.filter((x) => x.secret)) {
      const w = fields[f.name];
      const hint = hints?.[f.name];
      if (hint) w.input.placeholder = `${hint} — type to change`;
      if (hint || state.pending[f.name]) w.hint.textContent = `${hint || "entered"}${note}`;
    }
  }

  function resetForm() {
    state.pending = {}; state.keep = null; state.replace = false;
    for (const w of Object.values(fields)) {
      w.reset();
      if (w.hint) w.hint.textContent = "";
      if (w.f.secret) w.input.placeholder = w.f.required ? "required" : "optional";
    }
    clearErrors();
  }

  function openForm(conn) {
    resetForm();
    state.open = true;
    if (conn) {
      state.keep = conn.name; state.replace = true;
      for (const w of Object.values(fields)) {
        if (w.f.secret) w.input.placeholder = conn.hint ? `leave empty to keep ${conn.hint}` : "leave empty to keep the saved value";
        else if (conn[w.f.name] != null) {
          if (w.f.kind === "checkbox") w.input.checked = Boolean(conn[w.f.name]);
          else w.input.value = String(conn[w.f.name]);
        }
      }
      setStatus(`Replacing '${conn.name}': change what you need, then press Replace.`);
    } else setStatus("");
    update();
    const first = spec.fields.find((f) => f.secret) || spec.fields[0];
    if (first) fields[first.name].input.focus();
  }

  function collect() {
    const out = {};
    for (const w of Object.values(fields)) {
      const { f, input } = w;
      if (f.kind === "checkbox") out[f.name] = input.checked;
      else if (f.secret) {
        if (input.value) state.pending[f.name] = input.value;
        if (state.pending[f.name]) out[f.name] = state.pending[f.name];
        input.value = ""; // sent once, in the message below; never left in the page
      } else if (input.value.trim() !== "") {
        out[f.name] = f.kind === "number" || f.kind === "integer" ? Number(input.value) : input.value.trim();
      }
    }
    return out;
  }

  async function act(kind, extra = {}) {
    if (state.busy) return;
    clearErrors();
    const body = { provider: spec.provider, fields: collect(), ...extra };
    if (state.keep) body.keep = state.keep;
    if (kind === "save" && state.replace) body.replace = true;
    state.busy = true; form.setAttribute("aria-busy", "true");
    testBtn.disabled = saveBtn.disabled = true;
    setStatus(kind === "test" ? "checking…" : "saving…", "busy");
    const msg = await ctx.request(kind, body);
    state.busy = false; form.removeAttribute("aria-busy");
    testBtn.disabled = saveBtn.disabled = false;
    for (const [name, text] of Object.entries(msg.errors || {})) if (!fieldError(name, text)) setStatus(text, "error");
    for (const name of msg.show || []) if (fields[name]?.f.advanced && more) more.open = true; // the fix's checkbox
    if (msg.errors && Object.keys(msg.errors).length) {
      showHints({}, " — kept for Save; type to change");
      if (!Object.keys(msg.errors).every((n) => fields[n])) return;
      return setStatus(msg.error || "Check the highlighted fields.", "error", null, true);
    }
    if (kind === "test") {
      showHints(msg.hints, " — kept for Save; type to change");
      if (msg.ok) return setStatus(msg.message, "ok");
      const at = msg.field && fields[msg.field];
      if (at) fieldError(msg.field, msg.message || msg.error);
      const labels = Object.fromEntries(spec.fields.map((f) => [f.name, f.label]));
      return setStatus(testText(msg, labels), "error", null, Boolean(at));
    }
    if (msg.ok) {
      resetForm();
      state.open = false;
      update();
      // saved after a failed Test: say so (the list keeps saying so, from the recorded check)
      return setStatus(`${msg.message} · ${keyText(Object.values(msg.hints || {})[0])}`, msg.tested === "failed" ? "error" : "ok");
    }
    showHints({}, " — kept for Save; type to change");
    const again = msg.conflict
      ? btn("nbc-confirm-replace nbc-primary", `Replace '${msg.conflict}'`, `Replace existing ${spec.title} connection ${msg.conflict}`,
          () => { state.replace = true; saveBtn.textContent = "Replace"; act("save"); })
      : null;
    setStatus(msg.error || "Save failed.", "error", again);
  }

  async function remove(name) {
    setStatus(`removing '${name}'…`, "busy");
    const msg = await ctx.request("remove", { name });
    setStatus(msg.ok ? msg.message : msg.error, msg.ok ? "ok" : "error");
  }

  function connItem(conn) {
    const facts = SHOWN.filter((k) => conn[k] != null).map((k) => h("span", { class: `nbc-fact nbc-fact-${k}`, text: `${k}: ${conn[k]}` }));
    return h("li", { class: "nbc-conn", "data-name": conn.name },
      h("div", { class: "nbc-conn-head" },
        h("strong", { class: "nbc-conn-name", text: conn.name }),
        conn.hint ? h("span", { class: "nbc-hint", text: keyText(conn.hint) }) : null,
        h("span", { class: `nbc-source nbc-source-${conn.source}`, text: SOURCES[conn.source] || conn.source }),
        h("span", { class: "nbc-conn-status", "data-status": conn.status, text: verdict(conn, spec.single_model) })),
      facts.length ? h("div", { class: "nbc-facts" }, facts) : null,
      h("div", { class: "nbc-conn-actions" },
        btn("nbc-replace", "Replace", `Replace ${spec.title} connection ${conn.name}`, () => openForm(conn)),
        btn("nbc-remove nbc-danger", "Remove", `Remove ${spec.title} connection ${conn.name}`, () => remove(conn.name))));
  }

  function update() {
    const mine = ctx.connections().filter((c) => c.provider === spec.provider);
    list.replaceChildren(...mine.map(connItem));
    list.hidden = mine.length === 0;
    const showForm = state.open || mine.length === 0;
    form.hidden = !showForm;
    cancelBtn.hidden = mine.length === 0;
    addBtn.hidden = spec.one_per_org || showForm || mine.length === 0;
    saveBtn.textContent = state.replace ? "Replace" : "Save";
    saveBtn.setAttribute("aria-label", title(state.replace ? "Replace" : "Save"));
    summary.textContent = mine.length === 0 ? "not set up" : spec.one_per_org
      ? `${mine[0].hint ? `${keyText(mine[0].hint)} · ` : ""}${SOURCES[mine[0].source] || mine[0].source}${mine[0].status === "unverified" ? "" : ` · ${mine[0].status === "ok" ? "OK" : "failing"}`}`
      : `${mine.length} connection${mine.length === 1 ? "" : "s"}${mine.some((c) => c.status === "failing") ? " · some failing" : ""}`;
  }

  const env = spec.env.length ? h("p", { class: "nbc-env" }, "Or set ", spec.env.map((v, i) => [i ? ", " : "", h("code", { text: v })]), " and call org.add_from_env().") : null;
  const section = h("section", { class: `nbc-provider nbc-provider-${spec.provider}`, "data-provider": spec.provider, "aria-label": spec.title },
    h("details", { class: "nbc-details" },
      h("summary", { class: "nbc-summary-line" },
        h("span", { class: "nbc-title", text: spec.title }),
        spec.demo ? h("span", { class: "nbc-badge nbc-demo", text: "demo" }) : null,
        h("span", { class: "nbc-badge", text: spec.rule }),
        summary),
      h("div", { class: "nbc-body" },
        h("p", { class: "nbc-help", text: spec.help }),
        spec.links.length ? h("p", { class: "nbc-links" }, spec.links.map((l) => h("a", { class: "nbc-docs", href: l.href, target: "_blank", rel: "noopener noreferrer", text: l.text }))) : null,
        env, list, addBtn, form, status)));
  update();
  return { section, update };
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
    ctx.uid = Math.random().toString(36).slice(2, 8);
    ctx.connections = () => model.get("connections") || [];
    const root = h("div", { class: "nbc-panel", "data-lm-suppress-shortcuts": "true" });
    const store = h("p", { class: "nbc-store" });
    const sectionsBox = h("div", { class: "nbc-sections" });
    let sections = [];
    const renderStore = () => {
      const path = model.get("store");
      store.textContent = path ? `Saved connections live in ${path} (readable only by you).` : "In memory only: connections are lost when the kernel stops.";
    };
    const renderSections = () => {
      sections = (model.get("providers") || []).map((spec) => providerSection(spec, ctx));
      sectionsBox.replaceChildren(...sections.map((s) => s.section));
    };
    const updateAll = () => sections.forEach((s) => s.update());
    root.append(check.slot, h("h3", { class: "nbc-heading", text: "Connections" }), store, sectionsBox);
    renderStore();
    renderSections();
    subs.on("change:providers", renderSections);
    subs.on("change:connections", updateAll);
    subs.on("change:store", renderStore);
    el.replaceChildren(root);
    return () => subs.off();
  },
};
