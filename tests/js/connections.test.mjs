import assert from "node:assert/strict";
import { test } from "node:test";

import view from "../../js/connections.js";
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
