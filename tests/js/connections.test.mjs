import assert from "node:assert/strict";
import { test } from "node:test";

import view, { keyText, testText, verdict } from "../../js/connections.js";
import { installDom } from "./fake_dom.mjs";
import { FakeModel } from "./fake_model.mjs";

// Only the view's plumbing: the form specs are Python's (ConnectionsPanel.providers) and are tested there.
test("the panel redraws on Python's changes and its cleanup removes every listener", () => {
  const el = installDom();
  const model = new FakeModel({ providers: [], connections: [], store: "" });
  const cleanup = view.render({ model, el });
  assert.match(el.querySelector(".nbc-store").textContent, /^In memory only/);
  model.update("store", "~/.config/nbconnect/connections.json");
  assert.match(el.querySelector(".nbc-store").textContent, /connections\.json/);
  assert.ok(model.listeners() >= 4); // three traits and the requester's reply listener
  cleanup();
  assert.equal(model.listeners(), 0);
});

// A form spec of the shape ConnectionsPanel.providers sends (tests/test_panel.py checks the real ones).
const SPEC = {
  provider: "custom", title: "Custom LLM", one_per_org: false, single_model: true, name_field: "name", rule: "one per name",
  demo: false, help: "", links: [], env: [],
  fields: [
    { name: "name", label: "Name (model id)", kind: "text", secret: false, required: true, advanced: false, description: "", default: null },
    { name: "endpoint", label: "Endpoint", kind: "url", secret: false, required: true, advanced: false, description: "", default: null },
    { name: "api_key", label: "API key", kind: "password", secret: true, required: false, advanced: false, description: "", default: null },
    { name: "allow_insecure_http", label: "Allow plain http to other hosts", kind: "checkbox", secret: false, required: false, advanced: true, description: "", default: false },
  ],
};

function mount(connections = []) {
  const el = installDom();
  const model = new FakeModel({ providers: [SPEC], connections, store: "~/s.json" });
  const cleanup = view.render({ model, el });
  const q = (cls) => el.querySelector(cls);
  const input = (name) => q(`.nbc-input-${name}`);
  const error = (name) => q(`.nbc-field-${name}`).querySelector(".nbc-field-error");
  const press = async (cls, reply) => {
    q(cls).click();
    const sent = model.sent.at(-1);
    model.reply(sent.id, { for: sent.kind, ...reply });
    await new Promise((resolve) => setImmediate(resolve));
    return sent;
  };
  return { el, model, cleanup, q, input, error, press };
}

test("every flagged field shows its error at once, and each goes as its field is edited", async () => {
  const { q, input, error, press, cleanup } = mount();
  const errors = { name: "required", endpoint: "Plain http to gpu-box would send the key unencrypted. Use https://gpu-box/v1, or tick “Allow plain http to other hosts” under More options if this host is on a network you trust." };
  await press(".nbc-save", { ok: false, error: "Check the highlighted fields.", errors, show: ["allow_insecure_http"] });
  assert.equal(error("name").textContent, "required");
  assert.match(error("endpoint").textContent, /tick “Allow plain http/);
  assert.equal(input("name").getAttribute("aria-invalid"), "true");
  assert.equal(input("endpoint").getAttribute("aria-invalid"), "true");
  assert.equal(q(".nbc-more").open, true); // the checkbox the message names is shown
  assert.equal(q(".nbc-status").textContent, "Check the highlighted fields.");

  input("name").value = "llama3";
  input("name").dispatch("input");
  assert.equal(error("name").textContent, "");
  assert.equal(input("name").getAttribute("aria-invalid"), null);
  assert.match(error("endpoint").textContent, /Plain http/); // not yet edited: still flagged
  assert.equal(q(".nbc-status").textContent, "Check the highlighted fields.");
  input("allow_insecure_http").checked = true; // a checkbox that is not flagged changes nothing
  input("allow_insecure_http").dispatch("change");
  assert.match(error("endpoint").textContent, /Plain http/);
  input("endpoint").dispatch("input");
  assert.equal(error("endpoint").textContent, "");
  assert.equal(q(".nbc-status").textContent, ""); // nothing left to point at
  cleanup();
});

test("a failed Test outlines a field only when the failure is that field's", async () => {
  const { q, input, error, press, cleanup } = mount();
  await press(".nbc-test", { ok: false, field: null, error_type: "network", message: "cannot reach api.example: refused; check the endpoint and your network" });
  assert.equal(q(".nbc-status").textContent, "Test failed: cannot reach api.example: refused; check the endpoint and your network");
  assert.equal(q(".nbc-status").dataset.state, "error");
  for (const name of ["name", "endpoint", "api_key"]) {
    assert.equal(input(name).getAttribute("aria-invalid"), null, name);
    assert.equal(error(name).textContent, "", name);
  }
  await press(".nbc-test", { ok: false, field: "api_key", error_type: "authentication", message: "the key sk-…XYZ2 was not accepted" });
  assert.equal(q(".nbc-status").textContent, "Test failed: see API key.");
  assert.equal(error("api_key").textContent, "the key sk-…XYZ2 was not accepted");
  input("api_key").value = "sk-new";
  input("api_key").dispatch("input"); // retyping the key takes the refusal of the old one away
  assert.equal(error("api_key").textContent, "");
  assert.equal(q(".nbc-status").textContent, "");
  cleanup();
});

test("a Save after a failed Test says so, and the list shows the connection failing", async () => {
  const { model, el, q, press, cleanup } = mount();
  await press(".nbc-save", { ok: true, name: "m", hints: { api_key: "…" }, tested: "failed", saved: "store",
    message: "Saved 'm' to the store, but its Test failed: cannot reach gpu-box" });
  assert.equal(q(".nbc-status").dataset.state, "error");
  assert.equal(q(".nbc-status").textContent, "Saved 'm' to the store, but its Test failed: cannot reach gpu-box · key set (too short to show a hint)");
  model.update("connections", [{ provider: "custom", name: "m", hint: "…", source: "store", status: "failing", message: "cannot reach gpu-box", field: null, models: 0 }]);
  const row = el.querySelector(".nbc-conn");
  assert.equal(row.querySelector(".nbc-conn-status").textContent, "failing: cannot reach gpu-box");
  assert.equal(row.querySelector(".nbc-conn-status").dataset.status, "failing");
  assert.equal(row.querySelector(".nbc-hint").textContent, "key set (too short to show a hint)");
  assert.equal(q(".nbc-summary").textContent, "1 connection · some failing");
  cleanup();
});

test("verdict, keyText and testText word the states for people", () => {
  assert.equal(verdict({ status: "ok", models: 1 }), "OK · 1 model");
  assert.equal(verdict({ status: "ok", models: 4 }, true), "OK"); // the server's list, not the connection's
  assert.equal(verdict({ status: "failing", message: "" }), "failing: the last check failed");
  assert.equal(verdict({ status: "unverified" }), "not verified yet");
  assert.equal(keyText("sk-…abcd"), "key sk-…abcd");
  assert.equal(keyText(""), "no key");
  assert.equal(testText({ ok: false, field: "base_url", message: "x" }, {}), "Test failed: x"); // no such field in the form
});
