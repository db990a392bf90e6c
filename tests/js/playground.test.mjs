import assert from "node:assert/strict";
import { test } from "node:test";

import view from "../../js/playground.js";
import { batchesText, cellDetailText, estimateText, liveRoutesText, modelProgressText, progressText, routeTexts, shownArms, summaryCell, summaryColumns, summaryHeader } from "../../js/playground_text.js";
import { toggledArm } from "../../js/playground_plot.js";
import { toggled, versionText } from "../../js/playground_versions.js";
import { compareCell } from "../../js/playground_compare.js";
import { installDom } from "./fake_dom.mjs";
import { FakeModel } from "./fake_model.mjs";

const STATE = {
  template: "Classify: {text}", system: "", schema_text: "label: a|b", schema_status: { ok: true, message: "1 field(s)", fields: ["label"], enforcement: [] },
  variables: [{ name: "text", ok: true }], columns: ["text"], preview: [{ text: "hi" }], n_rows: 1, selection: "all", n: 20, seed: 0,
  truth: "", temperature: 0, max_tokens: 1024, concurrency: 16, budget_usd: null, estimate: { calls: 2, cost_usd: 0.0001 },
  running: false, progress: {}, compare_field: "label", table: {}, summary: [], plots: {}, message: "", arm_filter: "", judge: {}, judge_choices: ["m", "j"], judge_models: [], judge_rubric: "", judge_reference: "", as_batch: false,
};

function mount(state = {}) {
  const el = installDom();
  const model = new FakeModel({ ...STATE, ...state });
  const cleanup = view.render({ model, el });
  return { el, model, cleanup, find: (cls) => el.querySelector(cls) };
}

test("render subscribes to the model and its cleanup removes every listener", () => {
  const { model, cleanup } = mount();
  assert.ok(model.listeners() >= 17, `only ${model.listeners()} listeners`);
  assert.equal(typeof cleanup, "function");
  cleanup();
  assert.equal(model.listeners(), 0);
});

test("Run goes through the requester; an error reply shows in the status line", async () => {
  const { model, find, cleanup } = mount();
  find(".pg-run").click();
  const [sent] = model.sent;
  assert.equal(sent.kind, "run");
  assert.match(sent.id, /^[a-z0-9]+-1$/); // the requester's ids, not a second scheme
  model.reply(sent.id, { for: "run", ok: false, error: "no data: set pg.data" });
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(find(".pg-message").textContent, "no data: set pg.data");
  cleanup();
});

test("a click on a cell shows that cell's details from the reply", async () => {
  const table = { field: "label", models: ["m"], page: 0, pages: 1, total_rows: 1,
    rows: [{ row: 0, input: "hi", truth: null, differ: false, cells: { m: { value: "a", valid: true, error: null } } }] };
  const { model, find, cleanup } = mount({ table });
  find(".pg-cell").click();
  const request = model.sent.at(-1);
  assert.deepEqual([request.kind, request.row, request.model], ["cell", 0, "m"]);
  model.reply(request.id, { ok: true, cell: { latency_s: 0.5, attempts: 1, wait_s: 0, input_tokens: 10, output_tokens: 3, cost_usd: 0.0002, raw: '{"label":"a"}' } });
  await new Promise((resolve) => setImmediate(resolve));
  assert.match(find(".pg-cell-detail").textContent, /^latency 0\.500 s · attempts 1 · .*\n\{"label":"a"\}$/);
  cleanup();
});

test("progress from Python redraws the progress lines", () => {
  const { model, find, cleanup } = mount();
  model.update("progress", { total: 4, done: 1, errors: 0, spend_usd: 0.25, finished: false,
    models: { m: { total: 4, done: 1, errors: 0, in_flight: 2, spend_usd: 0.25 } } });
  assert.equal(find(".pg-progress-total").textContent, "1/4 done · 0 errors · $0.25");
  assert.equal(find(".pg-progress-total").dataset.done, "1");
  assert.equal(find(".pg-progress-text").textContent, "1/4 · 0 errors · 2 in flight · $0.25");
  cleanup();
});

test("text typed just before the view goes away is still saved", () => {
  const { model, find, cleanup } = mount();
  const box = find(".pg-template");
  box.value = "New prompt: {text}";
  box.dispatch("input");
  assert.equal(model.saved.length, 0); // debounced
  cleanup();
  assert.equal(model.get("template"), "New prompt: {text}");
  assert.equal(model.saved.length, 1);
});

test("the words for estimate, progress, cell details and summary cells", () => {
  assert.equal(estimateText({ calls: 80, cost_usd: 0.0123 }), "80 calls, about $0.0123");
  assert.equal(estimateText({ calls: 80, cost_usd: 0.0123, max_cost_usd: 0.33 }), "80 calls, about $0.0123, at most $0.33");
  assert.equal(estimateText({ calls: 80, cost_usd: 0.0123, max_cost_usd: null }), "80 calls, about $0.0123"); // no limit
  assert.equal(estimateText({ calls: 0, error: "no models chosen" }), "no models chosen");
  assert.equal(estimateText({}), "");
  assert.equal(progressText({}), "");
  assert.equal(progressText({ total: 2, done: 2, errors: 1, spend_usd: 0, finished: true }), "2/2 done · 1 errors · $0 · finished");
  assert.equal(modelProgressText({ total: 3, done: 0, errors: 0, in_flight: 0, spend_usd: null }), "0/3 · 0 errors · 0 in flight · –");
  assert.equal(modelProgressText({ total: 9, done: 2, errors: 2, in_flight: 0, spend_usd: 0, not_sent: 7 }),
    "2/9 · 2 errors · 0 in flight · $0 · 7 not sent (key refused)");
  const text = cellDetailText({ latency_s: 1.23456, attempts: 2, wait_s: 0.5, input_tokens: 5, output_tokens: null, cost_usd: null,
    enforcement: "json_object", cached: true, error: "bad json", raw: "{" });
  assert.equal(text, "latency 1.235 s · attempts 2 · waited 0.500 s · tokens 5→ · – · json_object · cached\nerror: bad json\n{");
  assert.deepEqual(summaryColumns([{ model: "m", accuracy: null, cost_usd: 0.1 }]), ["model", "cost_usd"]);
  assert.equal(summaryCell("cost_usd", 0.00004), "$0.00004"); // the same money as everywhere else
  assert.equal(summaryCell("accuracy", 0.8333), "0.83");
  assert.equal(summaryCell("cells", 40), "40");
});

test("media columns: thumbnails in the preview and the table, {image:col} chips and inserts", () => {
  const thumb = "data:image/png;base64,AAAA";
  const table = { field: "label", models: ["m"], page: 0, pages: 1, total_rows: 1,
    rows: [{ row: 0, input: "/d/a.png", thumb, truth: null, differ: false, cells: { m: { value: "a", valid: true, error: null } } }] };
  const { el, model, find, cleanup } = mount({
    template: "See {image:photo}", columns: ["photo", "text"], media_columns: { photo: "image" },
    preview: [{ photo: "/d/a.png", text: "hi" }], thumbs: [{ photo: thumb }],
    variables: [{ name: "photo", ok: true, kind: "image" }], table,
  });
  const img = find(".pg-preview").querySelector(".pg-thumb");
  assert.equal(img.getAttribute("src"), thumb);
  assert.equal(img.getAttribute("alt"), "/d/a.png");
  assert.equal(find(".pg-input-cell").querySelector(".pg-thumb").getAttribute("src"), thumb);
  assert.equal(find(".pg-chip").textContent, "{image:photo}");
  const buttons = el.querySelectorAll(".pg-insert");
  assert.deepEqual(buttons.map((b) => b.textContent), ["image:photo", "text"]);
  const template = find(".pg-template");
  template.selectionStart = template.value.length;
  buttons[0].click();
  assert.equal(model.get("template"), "See {image:photo}{image:photo}");
  buttons[1].click();
  assert.match(model.get("template"), /\{text\}/);
  cleanup();
});

test("problems show by their box, block Run, and go when Python clears them", () => {
  const { model, find, el, cleanup } = mount({ problems: { prompt: ["Write a prompt"], models: ["Choose a model"], schema: [], data: [] } });
  const lists = el.querySelectorAll(".pg-problems");
  const byField = Object.fromEntries(lists.map((l) => [l.dataset.field, l.textContent]));
  assert.equal(byField.prompt, "Write a prompt");
  assert.equal(byField.models, "Choose a model");
  assert.ok(find(".pg-run").disabled);
  assert.equal(find(".pg-template").getAttribute("aria-invalid"), "true");
  assert.equal(find(".pg-fix").textContent, "Before Run: fix the model choice, the prompt (each says why by its box).");
  assert.equal(find(".pg-estimate").textContent, ""); // no price for a run that cannot start
  model.update("problems", { prompt: [], models: [], schema: [], data: [] });
  assert.ok(el.querySelectorAll(".pg-problem").length === 0 && !find(".pg-run").disabled);
  assert.equal(find(".pg-template").getAttribute("aria-invalid"), "false");
  assert.equal(find(".pg-fix").textContent, "");
  cleanup();
});

test("a failed action's reason goes once the state it was about changes", async () => {
  const { model, find, cleanup } = mount();
  find(".pg-run").click();
  model.reply(model.sent.at(-1).id, { ok: false, error: "the data column 'x' clashes" });
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(find(".pg-message").textContent, "the data column 'x' clashes");
  model.update("estimate", { calls: 2, cost_usd: 0.0002 }); // the user fixed something: Python re-derived
  assert.equal(find(".pg-message").textContent, "");
  cleanup();
});

test("keys typed in a box stay in the box; the root opts out of JupyterLab's shortcuts", () => {
  const { el, find, cleanup } = mount();
  const root = find(".pg-root");
  assert.equal(root.getAttribute("data-lm-suppress-shortcuts"), "true");
  let stopped = 0;
  const event = (target) => ({ target, stopPropagation: () => { stopped += 1; } });
  for (const cb of root.listeners.keydown) cb(event(find(".pg-template")));
  for (const cb of root.listeners.keydown) cb(event(find(".pg-schema")));
  assert.equal(stopped, 2);
  for (const cb of root.listeners.keydown) cb(event(find(".pg-run"))); // a button keeps notebook keys
  assert.equal(stopped, 2);
  assert.ok(el);
  cleanup();
});

test("during a rerun the last results are marked as the previous run's; a new table drops old details", async () => {
  const table = { field: "label", models: ["m"], page: 0, pages: 1, total_rows: 1,
    rows: [{ row: 3, input: "hi", truth: null, differ: false, cells: { m: { value: "a", valid: true, error: null } } }] };
  const { model, find, cleanup } = mount({ table });
  find(".pg-cell").click();
  model.reply(model.sent.at(-1).id, { ok: true, cell: { latency_s: 0.5, attempts: 1, wait_s: 0, raw: "{}" } });
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(find(".pg-cell-where").textContent, "Details of row 3 · m");
  model.update("running", true);
  assert.match(find(".pg-stale-note").textContent, /previous run's results/);
  assert.match(find(".pg-results-body").className, /pg-stale/);
  model.update("table", { ...table, rows: [...table.rows] });
  assert.equal(find(".pg-cell-detail").textContent, "");
  assert.equal(find(".pg-cell-where").textContent, "");
  model.update("running", false);
  assert.equal(find(".pg-stale-note").textContent, "");
  cleanup();
});

test("progress says stopped and not run after Stop, and shows retries and waits", () => {
  assert.equal(progressText({ total: 80, done: 23, errors: 0, spend_usd: 0, finished: true, stopped: "stopped" }),
    "23/80 done · 0 errors · $0 · stopped · 57 not run");
  assert.equal(progressText({ total: 5, done: 0, errors: 0, spend_usd: 0, finished: false, stopped: "stopping" }),
    "0/5 done · 0 errors · $0 · stopping…");
  assert.equal(progressText({ total: 5, done: 0, errors: 0, spend_usd: 0, finished: false, retries: 3, wait_s: 4.5 }),
    "0/5 done · 0 errors · $0 · 3 retries, waited 4.500 s");
  assert.equal(modelProgressText({ total: 5, done: 0, errors: 0, in_flight: 1, spend_usd: 0, retries: 1, wait_s: 1 }),
    "0/5 · 0 errors · 1 in flight · $0 · 1 retry, waited 1.000 s");
  assert.deepEqual(summaryColumns([{ model: "m", answered: 23, not_run: 57, accuracy: 0.9 }]), ["model", "answered", "not_run", "accuracy"]);
  assert.deepEqual(summaryColumns([{ model: "m", answered: 80, not_run: 0 }]), ["model", "answered"]);
  assert.equal(summaryHeader("not_run"), "not run");
});

test("a cell never sent says not run, in muted words, neither right nor wrong", () => {
  const table = { field: "label", models: ["m"], page: 0, pages: 1, total_rows: 1,
    rows: [{ row: 0, input: "hi", truth: "a", differ: false,
      cells: { m: { value: null, valid: false, error: "cancelled before it finished", not_run: true } } }] };
  const { find, cleanup } = mount({ table });
  const cell = find(".pg-cell");
  assert.equal(cell.textContent, "not run");
  assert.equal(cell.className, "pg-cell pg-invalid pg-not-run");
  assert.equal(cell.getAttribute("title"), "cancelled before it finished");
  cleanup();
});

const GRADED = { field: "label", models: ["m", "j"], page: 0, pages: 1, total_rows: 1,
  rows: [{ row: 0, input: "hi", truth: null, differ: true, cells: {
    m: { value: "a", valid: true, error: null, grade: "pass" }, j: { value: "b", valid: true, error: null, grade: "fail" } } }] };

test("a batch estimate says the batch cost, the saving against live, and each model's route", () => {
  const e = { calls: 80, cost_usd: 0.005, live_cost_usd: 0.01, saving_usd: 0.005,
    routes: [{ model: "demo:demo-fast", route: "batch" }, { model: "x:gpt", route: "live: Custom LLM has no batch API" }] };
  assert.equal(estimateText(e), "80 calls as batch, about $0.005 (live $0.01, saving $0.005)");
  assert.equal(estimateText({ ...e, max_cost_usd: 0.02 }), "80 calls as batch, about $0.005 (live $0.01, saving $0.005), at most $0.02");
  assert.deepEqual(routeTexts(e), ["demo:demo-fast: batch", "x:gpt: live: Custom LLM has no batch API"]);
  const { model, find, el, cleanup } = mount();
  find(".pg-as-batch").checked = true;
  find(".pg-as-batch").dispatch("change");
  assert.equal(model.get("as_batch"), true);
  assert.equal(model.saved.length, 1);
  model.update("estimate", e);
  assert.equal(find(".pg-estimate").textContent, estimateText(e));
  assert.deepEqual(el.querySelectorAll(".pg-route").map((li) => li.getAttribute("data-route")), ["batch", "live"]);
  cleanup();
});

test("a batch run's progress counts its provider batches per state and names the live connections", () => {
  const p = { total: 4, done: 1, errors: 0, spend_usd: 0.01, finished: false, models: {},
    batches: { in_progress: 1, completed: 2 }, routes: { demo: "batch", local: "live: Custom LLM has no batch API" } };
  assert.equal(batchesText(p), " · batches: 1 in progress, 2 completed");
  assert.equal(batchesText({ ...p, batches: {} }), " · batches: none yet");
  assert.equal(batchesText({ ...p, routes: undefined }), ""); // a live run says nothing of batches
  assert.equal(liveRoutesText(p), "live: local (Custom LLM has no batch API)");
  const { model, find, cleanup } = mount();
  model.update("progress", p);
  assert.equal(find(".pg-progress-total").textContent, "1/4 done · 0 errors · $0.01 · batches: 1 in progress, 2 completed");
  assert.equal(find(".pg-progress-routes").textContent, "live: local (Custom LLM has no batch API)");
  cleanup();
});

test("the arm chosen on the plot narrows the table to its column; choosing it again shows all", () => {
  assert.equal(toggledArm("", "m"), "m");
  assert.equal(toggledArm("m", "m"), "");
  assert.equal(toggledArm("m", "j"), "j");
  assert.deepEqual(shownArms(["m", "j"], "j"), ["j"]);
  assert.deepEqual(shownArms(["m", "j"], "gone"), ["m", "j"]); // a filter of another run's arm hides nothing
  const { model, el, cleanup } = mount({ table: GRADED });
  const columns = () => el.querySelectorAll(".pg-cell").map((td) => td.getAttribute("data-model"));
  assert.deepEqual(columns(), ["m", "j"]);
  model.update("arm_filter", "j");
  assert.deepEqual(columns(), ["j"]);
  model.update("arm_filter", "");
  assert.deepEqual(columns(), ["m", "j"]);
  cleanup();
});

test("judge: the grades show as badges, Judge asks Python, its error and summary show in the panel", async () => {
  const { model, el, find, cleanup } = mount({ table: GRADED });
  assert.deepEqual(el.querySelectorAll(".pg-grade").map((b) => b.textContent), ["pass", "fail"]);
  assert.ok(find(".pg-grade").className.includes("pg-grade-pass"));
  find(".pg-judge-run").click();
  const request = model.sent.at(-1);
  assert.equal(request.kind, "judge");
  model.reply(request.id, { ok: false, error: "choose at least one judge model in the judge panel" });
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(find(".pg-judge-status").textContent, "choose at least one judge model in the judge panel");
  assert.equal(find(".pg-message").textContent, ""); // the run's status line is not the judge's
  model.update("judge", { running: false, message: "judged: 2 of 2 grades", progress: { total: 2, done: 2, spend_usd: 0.002 },
    cost_usd: 0.002, run_cost_usd: 0.01, summary: [{ arm: "m", n: 40, score: 0.725, score_ci_low: 0.5721, score_ci_high: 0.8389 }] });
  assert.equal(find(".pg-judge-status").textContent, "judged: 2 of 2 grades · 2/2 graded · $0.002 · judge cost $0.002 (the run's: $0.01)");
  assert.equal(find(".pg-judge-arm").textContent, "m: 72.5% pass [57.2%, 83.9%], n = 40");
  model.update("judge", { running: true, progress: { total: 2, done: 0 } });
  assert.equal(find(".pg-judge-run").disabled, true);
  assert.equal(find(".pg-judge-stop").disabled, false);
  cleanup();
});

test("versions: Save sends the name, a tick chooses a version, the grid unticks one arm", async () => {
  assert.equal(versionText({ template: "Classify: {text}", system: "Be brief.", temperature: 0.7, max_tokens: 256 }),
    "temperature 0.7 · max tokens 256 · system: Be brief. · Classify: {text}");
  assert.deepEqual(toggled(["a", "b"], "a", false), ["b"]);
  assert.deepEqual(toggled(["b"], "a", true), ["b", "a"]);
  const versions = [{ name: "terse", template: "T {text}", system: null, temperature: 0, max_tokens: 1024 },
    { name: "cot", template: "C {text}", system: "Think.", temperature: 0.7, max_tokens: 1024 }];
  const { model, el, find, cleanup } = mount({ versions, chosen_versions: ["terse"], chosen_models: ["m", "j"], excluded_arms: [] });
  find(".pg-version-name").value = "cot";
  find(".pg-save-version").click();
  const request = model.sent.at(-1);
  assert.deepEqual([request.kind, request.name], ["save_version", "cot"]);
  model.reply(request.id, { ok: false, error: "write a prompt before saving it as a version" });
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(find(".pg-version-status").textContent, "write a prompt before saving it as a version");
  const ticks = el.querySelectorAll(".pg-version-run");
  const ticked = (t) => t.getAttribute("checked") !== null; // rendered ticked (the attribute sets the default)
  assert.deepEqual(ticks.map(ticked), [true, false]);
  ticks[1].checked = true;
  ticks[1].dispatch("change", { target: ticks[1] });
  assert.deepEqual(model.get("chosen_versions"), ["terse", "cot"]);
  const arms = el.querySelectorAll(".pg-arm-check");
  assert.deepEqual(arms.map((a) => a.getAttribute("data-arm")), ["terse|m", "terse|j", "cot|m", "cot|j"]);
  arms[3].checked = false;
  arms[3].dispatch("change", { target: arms[3] });
  assert.deepEqual(model.get("excluded_arms"), ["cot|j"]);
  assert.deepEqual(el.querySelectorAll(".pg-arm-check").map(ticked), [true, true, true, false]);
  cleanup();
});

test("compare: the score and versus tables, and the disagreements of the chosen pair", () => {
  const compare = { arms: ["v|m", "v|j"], note: "",
    score: { columns: ["arm", "n", "accuracy"], rows: [["v|m", 20, "0.85 [0.64, 0.95]"], ["v|j", 20, "0.75 [0.53, 0.89]"]] },
    versus: { columns: ["a", "b", "difference", "p_value"], rows: [["v|m", "v|j", 0.1, 0.6875]] },
    pair: ["v|m", "v|j"], n_disagree: 1, n_both: 20, disagree: [{ row: 3, input: "meh", a: "positive", b: "neutral" }] };
  const { model, el, find, cleanup } = mount({ compare });
  assert.deepEqual(el.querySelectorAll(".pg-score-table")[0].querySelectorAll(".pg-cmp-cell").filter((td) => td.getAttribute("data-column") === "accuracy")
    .map((td) => td.textContent), ["0.85 [0.64, 0.95]", "0.75 [0.53, 0.89]"]);
  assert.equal(find(".pg-versus-table").textContent.includes("0.688"), true);
  assert.equal(compareCell(0.68754), "0.688");
  assert.equal(find(".pg-disagree-count").textContent, "1 of 20 rows both answered differ");
  assert.equal(find(".pg-disagree-a").textContent, "positive");
  const b = find(".pg-pair-b");
  b.value = "v|m";
  b.dispatch("change");
  assert.deepEqual(model.get("compare_pair"), ["v|m", "v|m"]);
  cleanup();
});
