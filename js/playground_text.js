// The Playground's words for its state: pure functions of the synced traits, no DOM, so node's test
// runner checks them (tests/js/playground.test.mjs). The view (playground.js) puts them on the page.

import { fmt, money, secs } from "./format.js";

/** The estimate line under Run: an error, "80 calls, about $0.0123", or nothing. */
export function estimateText(e = {}) {
  if (e.error) return e.error;
  return e.calls ? `${e.calls} calls, about ${money(e.cost_usd)}` : "";
}

/** The run's total progress line ("" before a run). */
export function progressText(p = {}) {
  if (!p.total) return "";
  return `${p.done}/${p.total} done · ${p.errors} errors · ${money(p.spend_usd)}${p.finished ? " · finished" : ""}`;
}

/** One model's progress line. */
export function modelProgressText(m) {
  return `${m.done}/${m.total} · ${m.errors} errors · ${m.in_flight} in flight · ${money(m.spend_usd)}`;
}

/** A cell's details (the reply to a click on a table cell): timing, tokens, cost, then the raw answer. */
export function cellDetailText(c) {
  const head = `latency ${secs(c.latency_s)} s · attempts ${c.attempts} · waited ${secs(c.wait_s)} s · ` +
    `tokens ${fmt(c.input_tokens)}→${fmt(c.output_tokens)} · ${money(c.cost_usd)} · ${c.enforcement || ""}${c.cached ? " · cached" : ""}`;
  return `${head}\n${c.error ? `error: ${c.error}\n` : ""}${c.raw ?? ""}`;
}

export const SUMMARY_COLUMNS = ["model", "cells", "valid_pct", "accuracy", "latency_p50", "latency_p95",
  "input_tokens", "output_tokens", "cost_usd", "errors_by_type"];

/** The summary columns that have a value in some row, in SUMMARY_COLUMNS order. */
export function summaryColumns(rows) {
  return SUMMARY_COLUMNS.filter((c) => rows.some((r) => r[c] != null));
}

/** One summary cell: cost as money, other fractions with two decimals, the rest as text. */
export function summaryCell(column, value) {
  if (column === "cost_usd") return money(value);
  return typeof value === "number" && !Number.isInteger(value) ? value.toFixed(2) : fmt(value);
}
