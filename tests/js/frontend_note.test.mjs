import assert from "node:assert/strict";
import { test } from "node:test";

import { FRONTEND_NOTE, messageCheck } from "../../js/_shared.js";
import connections from "../../js/connections.js";
import picker from "../../js/model_picker.js";
import playground from "../../js/playground.js";
import { installDom } from "./fake_dom.mjs";
import { FakeModel } from "./fake_model.mjs";

// A front end that never delivers custom messages must not leave a widget that silently ignores
// its buttons: each view says so in a note at its top, and takes it back when Python answers late.

/** Resolve once `check()` holds (after timers and microtasks ran), failing after many turns. */
async function until(check, turns = 500) {
  for (let i = 0; i < turns; i++) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  assert.fail("condition never held");
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

test("messageCheck: an answer from Python leaves no note", async () => {
  installDom();
  const model = new FakeModel();
  const check = messageCheck(model, { after: 1 });
  await flush();
  await new Promise((resolve) => setTimeout(resolve, 5)); // past `after`: the answer came first
  assert.equal(model.hellos, 1);
  assert.equal(check.slot.querySelector(".nbc-frontend-note"), null);
  assert.equal(check.slot.getAttribute("data-answered"), "true");
  check.stop();
  assert.equal(model.listeners(), 0);
});

test("messageCheck: no answer shows the note; a late answer takes it back", async () => {
  installDom();
  const model = new FakeModel({}, { silent: true });
  const check = messageCheck(model, { after: 1 });
  await until(() => check.slot.querySelector(".nbc-frontend-note"));
  const note = check.slot.querySelector(".nbc-frontend-note");
  assert.equal(check.slot.getAttribute("data-answered"), null);
  assert.equal(note.textContent, FRONTEND_NOTE);
  assert.match(note.textContent, /may not work here.*JupyterLab, Jupyter Notebook 7, Voila or marimo/);
  assert.equal(note.getAttribute("role"), "note");
  const [hello] = model.sent;
  assert.equal(hello.kind, "hello");
  model.reply(hello.id, { ok: true }); // the kernel was only busy
  await flush();
  assert.equal(check.slot.querySelector(".nbc-frontend-note"), null);
  check.stop();
});

test("messageCheck: a front end whose send throws shows the note at once", async () => {
  installDom();
  const model = new FakeModel();
  model.send = () => { throw new Error("no comm"); };
  const check = messageCheck(model, { after: 60_000 });
  await flush();
  assert.ok(check.slot.querySelector(".nbc-frontend-note"));
  check.stop();
});

const VIEWS = [
  ["ConnectionsPanel", connections, { providers: [], connections: [], store: "" }, ".nbc-panel"],
  ["ModelPicker", picker, { rows: [], value: [], query: "", connections: [] }, ".nbc-picker"],
  ["Playground", playground, {
    template: "", system: "", schema_text: "", schema_status: {}, variables: [], columns: [], preview: [], n_rows: 0,
    selection: "all", n: 20, seed: 0, truth: "", temperature: null, max_tokens: null, concurrency: 16, budget_usd: null,
    estimate: {}, running: false, progress: {}, compare_field: "", table: {}, summary: [], plot: "", message: "",
  }, ".pg-root"],
];

for (const [name, view, state, rootClass] of VIEWS) {
  test(`${name}: the note shows inside the widget when messages do not flow, and only then`, async () => {
    const el = installDom();
    const silent = new FakeModel(state, { silent: true });
    const cleanup = view.render({ model: silent, el, noteAfter: 1 });
    const root = el.querySelector(rootClass);
    await until(() => root.querySelector(".nbc-frontend-note"));
    assert.equal(root.children[0].className, "nbc-frontend-slot"); // first, above the widget's own parts
    cleanup();
    assert.equal(silent.listeners(), 0);

    const el2 = installDom();
    const answering = new FakeModel(state);
    const cleanup2 = view.render({ model: answering, el: el2, noteAfter: 1 });
    await flush();
    await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal(answering.hellos, 1);
    assert.equal(el2.querySelector(".nbc-frontend-note"), null);
    cleanup2();
  });
}
