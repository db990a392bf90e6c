import assert from "node:assert/strict";
import { test } from "node:test";

import { fmt, money, secs, size } from "../../js/format.js";

test("money: cents from ten cents up, three significant digits below, a dash for nothing", () => {
  assert.equal(money(1.5), "$1.50");
  assert.equal(money(12.345), "$12.35");
  assert.equal(money(0.15), "$0.15");
  assert.equal(money(0.0375), "$0.0375"); // a price per 1M tokens keeps its digits
  assert.equal(money(0.000042317), "$0.0000423"); // a Demo run's cost is not rounded to $0
  assert.equal(money(0), "$0");
  assert.equal(money(-0.5), "-$0.50");
  assert.equal(money(null), "–");
  assert.equal(money(undefined), "–");
  assert.equal(money(Number.NaN), "–");
});

test("secs, fmt and size", () => {
  assert.equal(secs(0.12345), "0.123");
  assert.equal(secs(12.345), "12.3");
  assert.equal(secs(null), "–");
  assert.equal(fmt(null), "");
  assert.equal(fmt({ a: [1] }), '{"a":[1]}');
  assert.equal(fmt(0), "0");
  assert.equal(size(1_048_576), "1M");
  assert.equal(size(1_500_000), "1.5M");
  assert.equal(size(128_000), "128k");
  assert.equal(size(512), "512");
});
