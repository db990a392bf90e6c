import assert from "node:assert/strict";
import { test } from "node:test";

import { h, listen, requester } from "../../js/_shared.js";
import { installDom } from "./fake_dom.mjs";
import { FakeModel } from "./fake_model.mjs";

test("request: sends kind, id and body; resolves with the reply that has its id", async () => {
  const model = new FakeModel();
  const ctx = requester(model);
  const first = ctx.request("test", { provider: "openai" });
  const second = ctx.request("save");
  const [a, b] = model.sent;
  assert.equal(a.kind, "test");
  assert.equal(a.provider, "openai");
  assert.notEqual(a.id, b.id);
  model.emit("msg:custom", { kind: "progress", id: a.id }); // not a reply: ignored
  model.reply(b.id, { ok: true, saved: "store" });
  model.reply(a.id, { ok: false, error: "key not accepted" });
  assert.deepEqual(await second, { kind: "reply", id: b.id, ok: true, saved: "store" });
  assert.equal((await first).error, "key not accepted");
  assert.equal(ctx.pending, 0);
  ctx.dispose();
});

test("request: no reply (kernel restarted) ends in a clear error instead of waiting forever", async () => {
  const model = new FakeModel();
  const ctx = requester(model, { timeout: 30 });
  const reply = await ctx.request("verify");
  assert.equal(reply.ok, false);
  assert.equal(reply.timeout, true);
  assert.equal(reply.for, "verify");
  assert.match(reply.error, /No answer from the kernel after \d+ s: .*restarted/);
  assert.equal(ctx.pending, 0);
  model.reply(model.sent[0].id, { ok: true }); // a late reply changes nothing and does not throw
  ctx.dispose();
});

test("request: a per-request timeout overrides the default", async () => {
  const model = new FakeModel();
  const ctx = requester(model); // the default (a minute) would keep this test waiting
  const reply = await ctx.request("page", { page: 2 }, { timeout: 20 });
  assert.equal(reply.timeout, true);
  ctx.dispose();
});

test("dispose: the reply listener and pending timers go away", () => {
  const model = new FakeModel();
  const ctx = requester(model, { timeout: 60_000 });
  ctx.request("run"); // would keep node alive for a minute if its timer stayed
  assert.equal(model.listeners(), 1);
  ctx.dispose();
  assert.equal(model.listeners(), 0);
  assert.equal(ctx.pending, 0);
});

test("listen: off() removes every listener it added and runs the cleanups once", () => {
  const model = new FakeModel();
  const subs = listen(model);
  let calls = 0;
  let cleaned = 0;
  subs.on("change:a", () => calls++);
  subs.on("change:b", () => calls++);
  subs.later(() => cleaned++);
  model.update("a", 1);
  assert.equal(calls, 1);
  assert.equal(subs.count, 2);
  subs.off();
  model.update("a", 2);
  model.update("b", 2);
  assert.equal(calls, 1);
  assert.equal(model.listeners(), 0);
  subs.off();
  assert.equal(cleaned, 1);
});

test("h: classes, text, attributes, listeners and nested children; null and false are skipped", () => {
  installDom();
  let clicked = 0;
  const el = h("button", { class: "a b", type: "button", disabled: true, hidden: false, title: null, onclick: () => clicked++ },
    "Run", [h("span", { text: "!" }), null, false]);
  assert.equal(el.className, "a b");
  assert.equal(el.getAttribute("type"), "button");
  assert.equal(el.getAttribute("disabled"), "");
  assert.equal(el.getAttribute("hidden"), null);
  assert.equal(el.getAttribute("title"), null);
  assert.equal(el.textContent, "Run!");
  el.dispatch("click");
  assert.equal(clicked, 1);
});
