import assert from "node:assert/strict";
import { test } from "node:test";

import view, { matches, tags } from "../../js/model_picker.js";
import { installDom } from "./fake_dom.mjs";
import { FakeModel } from "./fake_model.mjs";

const ROW = { ref: "openai:gpt-4.1-mini", connection: "openai", provider: "OpenAI", model: "gpt-4.1-mini", supported: true,
  native: true, input_per_m: 0.4, output_per_m: 1.6, context: 1_047_576, status: "ok", demo: false };
const DEMO = { ref: "demo:demo-fast", connection: "demo", provider: "Demo (offline)", model: "demo-fast", supported: true,
  native: false, input_per_m: 0.0375, output_per_m: 0.15, context: 128_000, status: "unverified", demo: true };

test("tags: schema support, prices in the shared money format, context size, catalog", () => {
  assert.deepEqual(tags(ROW).map((t) => t[1]), ["native JSON schema", "$0.40 in / $1.60 out per 1M", "1M context", "supported"]);
  assert.deepEqual(tags(DEMO).map((t) => t[0]), ["demo", "fallback", "price", "context", "supported"]);
  assert.equal(tags(DEMO)[2][1], "$0.0375 in / $0.15 out per 1M");
  assert.deepEqual(tags({ ...ROW, supported: false, input_per_m: null, context: null, native: null }).map((t) => t[0]), ["unsupported"]);
});

test("matches: every search word must occur in the reference, provider, tags or status", () => {
  assert.ok(matches(ROW, []));
  assert.ok(matches(ROW, ["openai", "native"]));
  assert.ok(matches(DEMO, ["not", "verified"]));
  assert.ok(!matches(ROW, ["openai", "demo"]));
  assert.ok(!matches(ROW, ["fallback"]));
});

function mount(timeout) {
  const el = installDom();
  const model = new FakeModel({ rows: [ROW, DEMO], value: [], query: "",
    connections: [{ name: "openai", title: "OpenAI", status: "ok" }, { name: "demo", title: "Demo (offline)", status: "unverified", demo: true }] });
  const cleanup = view.render({ model, el, timeout });
  return { el, model, cleanup };
}

test("ticking a model writes value; Python's value shows; cleanup removes every listener", () => {
  const { el, model, cleanup } = mount();
  const boxes = el.querySelectorAll(".nbc-model-check");
  assert.deepEqual(boxes.map((b) => b.value), [ROW.ref, DEMO.ref]);
  boxes[1].checked = true;
  boxes[1].dispatch("change");
  assert.deepEqual(model.get("value"), [DEMO.ref]);
  assert.equal(model.saved.length, 1);
  model.update("value", [ROW.ref]);
  assert.deepEqual(el.querySelectorAll(".nbc-model-check").map((b) => b.checked), [true, false]);
  assert.equal(el.querySelector(".nbc-count").textContent, "1 selected");
  assert.ok(model.listeners() > 0);
  cleanup();
  assert.equal(model.listeners(), 0);
});

test("Verify with no answer (kernel restarted) frees the button and says why", async () => {
  const { el, model, cleanup } = mount(20);
  const verify = el.querySelector(".nbc-verify");
  verify.click();
  assert.equal(model.sent[0].kind, "verify");
  assert.equal(verify.disabled, true);
  assert.equal(el.querySelector(".nbc-picker-status").textContent, "checking…");
  await new Promise((resolve) => setTimeout(resolve, 60));
  assert.equal(verify.disabled, false);
  const status = el.querySelector(".nbc-picker-status");
  assert.equal(status.dataset.state, "error");
  assert.match(status.textContent, /No answer from the kernel/);
  cleanup();
});

test("Verify's reply names the failing connections", async () => {
  const { el, model, cleanup } = mount();
  el.querySelector(".nbc-verify").click();
  model.reply(model.sent[0].id, { ok: true, checked: 2, failing: ["openai"] });
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(el.querySelector(".nbc-picker-status").textContent, "Checked 2; failing: openai");
  cleanup();
});

test("Verify's line goes once the connections change after it (each group shows its own state)", async () => {
  const { el, model, cleanup } = mount();
  el.querySelector(".nbc-verify").click();
  // Python's verify updates the groups before it replies: that change must not wipe the answer
  model.update("connections", [{ name: "openai", title: "OpenAI", status: "failing", message: "the key was not accepted" }]);
  model.reply(model.sent[0].id, { ok: true, checked: 1, failing: ["openai"] });
  await new Promise((resolve) => setImmediate(resolve));
  const status = el.querySelector(".nbc-picker-status");
  assert.equal(status.textContent, "Checked 1; failing: openai");
  assert.equal(el.querySelector(".nbc-group-message").textContent, "the key was not accepted"); // by its group
  model.update("connections", [{ name: "openai", title: "OpenAI", status: "unverified" }]); // replaced in the panel
  assert.equal(status.textContent, "");
  assert.equal(status.dataset.state, "");
  assert.equal(el.querySelector(".nbc-group-message"), null);
  cleanup();
});
