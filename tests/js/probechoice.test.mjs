// Which probe images the "Probe image" control offers and how it labels them
// (tb_convcam/plugin/static/probechoice.js), over /layers entries built by hand,
// and the steps' keys the tab then takes (loading.js's TabData).
//
// Run: node --test tests/js/*.test.mjs

import assert from "node:assert/strict";
import { test } from "node:test";

import { TabData } from "../../tb_convcam/plugin/static/loading.js";
import { probeChoices, shownImage } from "../../tb_convcam/plugin/static/probechoice.js";
import { defaultState } from "../../tb_convcam/plugin/static/state.js";

/** A /layers layer whose runs' latest steps show `images[run]`: the batch index of each probe image. */
function layer(images) {
  const runs = Object.fromEntries(
    Object.entries(images).map(([run, items]) => [run, { images: items.length, layout: { batch_indices: items } }]),
  );
  return { name: "xa/conv1", runs };
}

const labels = (choices) => choices.map(([, label]) => label);

test("runs that logged one probe image offer nothing to choose", () => {
  assert.equal(probeChoices(layer({ a: [0], b: [3] }), ["a", "b"]).length, 1);
  assert.deepEqual(probeChoices(null, ["a"]), []);
});

test("images are labelled with the batch item they show, in the order logged", () => {
  const choices = probeChoices(layer({ a: [2, 0], b: [2, 0] }), ["a", "b"]);

  assert.deepEqual(choices.map(([value]) => value), ["0", "1"]);
  assert.deepEqual(labels(choices), ["item 2", "item 0"]);
  assert.equal(choices[1][2], "Probe image 2 of 2: item 0 of the probe batch");
});

test("a run with fewer images than another still agrees on the ones it has", () => {
  assert.deepEqual(labels(probeChoices(layer({ one: [2], two: [2, 0] }), ["one", "two"])), ["item 2", "item 0"]);
});

test("runs that disagree on the items, or did not say, get positions instead", () => {
  assert.deepEqual(labels(probeChoices(layer({ a: [2, 0], b: [0, 2] }), ["a", "b"])), ["1", "2"]);
  const unreadable = { name: "x", runs: { a: { images: 3, layout: null } } };
  assert.deepEqual(labels(probeChoices(unreadable, ["a"])), ["1", "2", "3"]);
});

test("only the selected runs count", () => {
  assert.equal(probeChoices(layer({ one: [0], two: [2, 0] }), ["one"]).length, 1);
});

test("the chosen image is shown while it is offered, else the first", () => {
  const two = probeChoices(layer({ a: [2, 0] }), ["a"]);
  assert.equal(shownImage(1, two), 1);
  assert.equal(shownImage(5, two), 0);
  assert.equal(shownImage(1, []), 0);
});

test("the shown frames and the locked reference take the chosen image's key", () => {
  const data = new TabData({ ...defaultState(), layer: "xa/conv1", runs: ["a"], norm: "locked", image: 1 });
  data.listing = { runs: ["a"], probe_runs: ["a"], layers: [layer({ a: [2, 0] })] };
  const steps = [0, 10].map((step) => ({ step, key: `s${step}i0`, keys: [`s${step}i0`, `s${step}i1`] }));
  data.series = new Map([["a", { run: "a", baseline_step: 0, steps }]]);

  assert.equal(data.frameKey(steps[1]), "s10i1");
  assert.deepEqual(data.reference(), { run: "a", step: 0, key: "s0i1" });
  assert.equal(data.frameKey({ step: 20, key: "one", keys: ["one"] }), null, "a step of one image has no second");
});
