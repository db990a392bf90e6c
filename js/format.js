// How every nbconnect view writes numbers: one formatter per kind of number, no DOM, so node's test
// runner checks them directly (tests/js/format.test.mjs).

const missing = (x) => x == null || Number.isNaN(Number(x));

/** US dollars: "$1.25" from 0.1 up, three significant digits below ("$0.0375", "$0.000042"), "–" for none. */
export function money(x) {
  if (missing(x)) return "–";
  const n = Number(x);
  if (n === 0) return "$0";
  const text = Math.abs(n) >= 0.1 ? n.toFixed(2) : String(Number(n.toPrecision(3)));
  return n < 0 ? `-$${text.slice(1)}` : `$${text}`;
}

/** Seconds: three decimals under 10 s, one above; "–" for none. */
export function secs(x) {
  if (missing(x)) return "–";
  const n = Number(x);
  return n.toFixed(n >= 10 ? 1 : 3);
}

/** Any value as text: objects as JSON, null / undefined as "". */
export function fmt(v) {
  if (v == null) return "";
  return typeof v === "object" ? JSON.stringify(v) : String(v);
}

/** A token count: "128k", "1M", "1.5M". */
export function size(n) {
  if (n >= 1e6) return `${+(n / 1e6).toFixed(1)}M`;
  if (n >= 1e3) return `${Math.round(n / 1e3)}k`;
  return String(n);
}
