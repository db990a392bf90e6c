// The Playground's words for its state: pure functions of the synced traits, no DOM, so node's test
// runner checks them (tests/js/playground.test.mjs). The view (playground.js) puts them on the page.

import { fmt, money, secs } from "./format.js";

/** The estimate line under Run: an error, "80 calls, about $0.0123, at most $0.33", or nothing.
 * "at most" (every answer using all its max tokens) is left out when a call has no limit. A batch
 * run (`live_cost_usd` present) says its cost at batch prices and the saving against the same calls live. */
export function estimateText(e = {}) {
  if (e.error) return e.error;
  if (!e.calls) return "";
  const most = e.max_cost_usd == null ? "" : `, at most ${money(e.max_cost_usd)}`;
  if (!("live_cost_usd" in e)) return `${e.calls} calls, about ${money(e.cost_usd)}${most}`;
  const saving = e.saving_usd == null ? "" : `, saving ${money(e.saving_usd)}`;
  return `${e.calls} calls as batch, about ${money(e.cost_usd)} (live ${money(e.live_cost_usd)}${saving})${most}`;
}

/** Per model of a batch estimate, where its calls go: "demo:demo-fast: batch" or "x: live: why". */
export function routeTexts(e = {}) {
  return (e.routes || []).map((r) => `${r.model}: ${r.route}`);
}

/** A batch run's provider batches per state ("" for a live run): " · batches: 1 in_progress, 2 completed". */
export function batchesText(p = {}) {
  const states = Object.entries(p.batches || {}).filter(([, n]) => n);
  if (!p.routes) return "";
  return states.length ? ` · batches: ${states.map(([s, n]) => `${n} ${s.replace("_", " ")}`).join(", ")}` : " · batches: none yet";
}

/** Which connections of a batch run went live, and why ("" when all batch or for a live run). */
export function liveRoutesText(p = {}) {
  const live = Object.entries(p.routes || {}).filter(([, r]) => r !== "batch");
  return live.length ? `live: ${live.map(([c, r]) => `${c} (${r.replace(/^live: /, "")})`).join("; ")}` : "";
}

/** Retries and the time waited before them, once there were any ("" otherwise). */
export function retriesText(r = {}) {
  if (!r.retries) return "";
  return ` · ${r.retries} ${r.retries === 1 ? "retry" : "retries"}, waited ${secs(r.wait_s)} s`;
}

/** How the run ended, or is ending: "finished", "stopped · 17 not run", "stopping…". */
function endText(p) {
  if (!p.finished) return p.stopped === "stopping" ? " · stopping…" : "";
  const notRun = p.total - p.done;
  return p.stopped ? ` · ${p.stopped} · ${notRun} not run` : " · finished";
}

/** The run's total progress line ("" before a run). */
export function progressText(p = {}) {
  if (!p.total) return "";
  return `${p.done}/${p.total} done · ${p.errors} errors · ${money(p.spend_usd)}${retriesText(p)}${batchesText(p)}${endText(p)}`;
}

/** One model's progress line; cells held back after its connection refused the key are counted apart. */
export function modelProgressText(m) {
  const held = m.not_sent ? ` · ${m.not_sent} not sent (key refused)` : "";
  return `${m.done}/${m.total} · ${m.errors} errors · ${m.in_flight} in flight · ${money(m.spend_usd)}${retriesText(m)}${held}`;
}

const BOXES = { models: "the model choice", data: "the data", prompt: "the prompt", schema: "the schema" };

/** The Run bar's pointer to the boxes that must be fixed first ("" when none); each box says why. */
export function fixFirstText(problems = {}) {
  const names = Object.keys(BOXES).filter((f) => problems[f]?.length).map((f) => BOXES[f]);
  return names.length ? `Before Run: fix ${names.join(", ")} (each says why by its box).` : "";
}

/** A cell's details (the reply to a click on a table cell): timing, tokens, cost, then the raw answer. */
export function cellDetailText(c) {
  const head = `latency ${secs(c.latency_s)} s · attempts ${c.attempts} · waited ${secs(c.wait_s)} s · ` +
    `tokens ${fmt(c.input_tokens)}→${fmt(c.output_tokens)} · ${money(c.cost_usd)} · ${c.enforcement || ""}${c.cached ? " · cached" : ""}`;
  return `${head}\n${c.error ? `error: ${c.error}\n` : ""}${c.raw ?? ""}`;
}

export const SUMMARY_COLUMNS = ["arm", "model", "answered", "not_run", "valid_pct", "accuracy", "latency_p50", "latency_p95",
  "input_tokens", "output_tokens", "cost_usd", "errors_by_type"];

const HEADERS = { not_run: "not run", valid_pct: "valid %", latency_p50: "latency p50", latency_p95: "latency p95",
  input_tokens: "tokens in", output_tokens: "tokens out", cost_usd: "cost", errors_by_type: "errors" };

/** A summary column's header: words, not the DataFrame's names. */
export function summaryHeader(column) {
  return HEADERS[column] ?? column;
}

/** The summary columns that have a value in some row, in SUMMARY_COLUMNS order ("not run" only
 * when some cell was not run; "answered" is shown with it, so the two add up to the cells). */
export function summaryColumns(rows) {
  const empty = (c) => (c === "not_run" || c === "errors_by_type") && rows.every((r) => !r[c]);
  return SUMMARY_COLUMNS.filter((c) => rows.some((r) => r[c] != null) && !empty(c));
}

/** One summary cell: cost as money, other fractions with two decimals, the rest as text. */
export function summaryCell(column, value) {
  if (column === "cost_usd") return money(value);
  return typeof value === "number" && !Number.isInteger(value) ? value.toFixed(2) : fmt(value);
}

/** A percentage with one decimal ("–" for none). */
export function pct(x) {
  return x == null || Number.isNaN(Number(x)) ? "–" : `${(Number(x) * 100).toFixed(1)}%`;
}

/** One arm's line in the judge summary: "demo:demo-fast: 72.5% pass [61.8%, 81.1%], n = 40". */
export function judgeArmText(r) {
  return `${r.arm}: ${pct(r.score)} pass [${pct(r.score_ci_low)}, ${pct(r.score_ci_high)}], n = ${r.n}`;
}

/** The judge's progress and cost, apart from the run's. */
export function judgeText(j = {}) {
  const p = j.progress || {};
  const parts = [j.message || ""];
  if (p.total) parts.push(`${p.done ?? 0}/${p.total} graded · ${money(p.spend_usd)}`);
  if ("cost_usd" in j) parts.push(`judge cost ${money(j.cost_usd)} (the run's: ${money(j.run_cost_usd)})`);
  return parts.filter(Boolean).join(" · ");
}

/** The table's columns: every arm, or only the one a click on the plot chose (when it is one). */
export function shownArms(models = [], filter = "") {
  return filter && models.includes(filter) ? [filter] : models;
}
