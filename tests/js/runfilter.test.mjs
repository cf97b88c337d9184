// The run list of a sweep (tb_convcam/plugin/static/runfilter.js): natural order
// of run names, the regex run filter (TensorBoard's: case-insensitive, anywhere
// in the name; an invalid pattern filters nothing and says so), "All" / "None"
// over the shown runs, the count, and the filter's place in the URL state.
//
// Run: node --test tests/js/*.test.mjs

import assert from "node:assert/strict";
import { test } from "node:test";

import { filterRuns, naturalCompare, naturalSort, runCount, runMatcher, tickShown } from "../../tb_convcam/plugin/static/runfilter.js";
import { defaultState, formatState, parseState } from "../../tb_convcam/plugin/static/state.js";

test("numbers in names sort by value", () => {
  assert.deepEqual(naturalSort(["seed=104", "seed=14", "seed=2"]), ["seed=2", "seed=14", "seed=104"]);
  assert.deepEqual(naturalSort(["run10", "run2", "run1", "run100"]), ["run1", "run2", "run10", "run100"]);
  assert.deepEqual(
    naturalSort(["bs=64/seed=10", "bs=128/seed=3", "bs=64/seed=9", "bs=8/seed=1"]),
    ["bs=8/seed=1", "bs=64/seed=9", "bs=64/seed=10", "bs=128/seed=3"],
  );
  assert.deepEqual(naturalSort(["b1c10", "b1c9", "b10c1", "b2c1"]), ["b1c9", "b1c10", "b2c1", "b10c1"]);
});

test("text sorts case-insensitively, a prefix first, ties in a fixed order", () => {
  assert.deepEqual(naturalSort(["beta", "Alpha", "alpha2", "alpha"]), ["Alpha", "alpha", "alpha2", "beta"]);
  assert.deepEqual(naturalSort(["run", "run0", "ru"]), ["ru", "run", "run0"]);
  assert.deepEqual(naturalSort(["run1", "run01", "run001"]), ["run001", "run01", "run1"]); // equal values: code units
  assert.equal(naturalCompare("x", "x"), 0);
});

test("digits are whole numbers: decimal fractions are not read as such", () => {
  // Like TensorBoard's own tag order: "0.001" is "0", ".", "001" (= 1), so it ties with "0.1".
  assert.deepEqual(naturalSort(["lr=0.001", "lr=0.1", "lr=0.01"]), ["lr=0.001", "lr=0.01", "lr=0.1"]); // tie: code units
  assert.deepEqual(naturalSort(["lr=0.001/s=2", "lr=0.1/s=1"]), ["lr=0.1/s=1", "lr=0.001/s=2"]);
});

test("digit runs too long for a Number still compare by value", () => {
  const big = "run123456789012345678901234567890";
  const bigger = "run123456789012345678901234567891";
  assert.deepEqual(naturalSort([bigger, big, "run9"]), ["run9", big, bigger]);
});

test("natural order is a total order over a sweep's names", () => {
  const names = [];
  for (let seed = 0; seed < 150; seed++) names.push(`lr=${seed % 3}/seed=${seed}`);
  const sorted = naturalSort([...names].reverse());
  for (let i = 1; i < sorted.length; i++) assert.ok(naturalCompare(sorted[i - 1], sorted[i]) < 0, `${sorted[i - 1]} < ${sorted[i]}`);
  assert.deepEqual(naturalSort(names.slice().sort()), sorted); // independent of the input order
  assert.deepEqual(sorted.slice(0, 3), ["lr=0/seed=0", "lr=0/seed=3", "lr=0/seed=6"]);
});

test("the filter matches anywhere in the name, ignoring case", () => {
  const runs = ["Seed=1", "seed=14", "seed=104", "lr=0.1", "baseline"];
  assert.deepEqual(filterRuns(runs, "seed=1").shown, ["Seed=1", "seed=14", "seed=104"]);
  assert.deepEqual(filterRuns(runs, "SEED=1\\d$").shown, ["seed=14"]);
  assert.deepEqual(filterRuns(runs, "^(base|lr)").shown, ["lr=0.1", "baseline"]);
  assert.deepEqual(filterRuns(runs, "0\\.1").shown, ["lr=0.1"]);
  assert.deepEqual(filterRuns(runs, "nothing").shown, []);
  assert.equal(filterRuns(runs, "seed").error, null);
});

test("an empty filter shows every run", () => {
  const runs = ["b", "a"];
  for (const pattern of ["", null, undefined]) assert.deepEqual(filterRuns(runs, pattern), { shown: runs, error: null });
});

test("an invalid pattern filters nothing and says so, never throws", () => {
  const runs = ["seed=1", "seed=2"];
  for (const pattern of ["(", "seed[", "*", "a{2,1}", "(?<n>x)(?<n>y)", "\\"]) {
    assert.doesNotThrow(() => runMatcher(pattern));
    assert.deepEqual(filterRuns(runs, pattern), { shown: runs, error: "invalid regular expression" }, pattern);
  }
});

test("the matcher keeps no state between names (no global flag)", () => {
  const matcher = runMatcher("seed");
  assert.deepEqual(["seed=1", "seed=2", "seed=3"].map(matcher.test), [true, true, true]);
});

test("All and None touch only the shown runs, in the listing's order", () => {
  const all = ["a1", "a2", "b1", "b2"];
  assert.deepEqual(tickShown(all, ["b2"], ["a1", "a2"], true), ["a1", "a2", "b2"]);
  assert.deepEqual(tickShown(all, ["a1", "b1", "b2"], ["b1", "b2"], false), ["a1"]);
  assert.deepEqual(tickShown(all, ["gone", "a2"], ["a1"], true), ["a1", "a2"]); // unknown names dropped
});

test("the count reads 'N of M runs'", () => {
  assert.equal(runCount(12, 150), "12 of 150 runs");
  assert.equal(runCount(0, 150), "0 of 150 runs");
  assert.equal(runCount(1, 1), "1 of 1 run");
});

test("the filter is kept in the URL state, any pattern round-tripping", () => {
  assert.equal(defaultState().runFilter, "");
  assert.ok(!formatState(defaultState()).includes("runFilter"));
  for (const pattern of ["seed=1\\d$", "(", "a&b=c#d e/+%", "ü|é"]) {
    const state = { ...defaultState(), runFilter: pattern };
    assert.equal(parseState(`#${formatState(state)}`).runFilter, pattern);
  }
  assert.equal(parseState("runFilter=lr%3D0%5C.1&run=x").runFilter, "lr=0\\.1");
});
