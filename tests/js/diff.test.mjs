// The difference view and swipe (tb_convcam/plugin/static/diff.js): values reconstructed from
// 8-bit pixels and each kernel's stored range, A − B under each normalisation, the diverging
// colours (white exactly at zero), and the swipe's split.
//
// Run: node --test tests/js/*.test.mjs

import assert from "node:assert/strict";
import { test } from "node:test";

import {
  DIVERGING_STOPS, difference, divergingColour, kernelDifference, paintDifference, sameLayout, shownValues, swipe,
} from "../../tb_convcam/plugin/static/diff.js";
import { defaultState, formatState, parseState } from "../../tb_convcam/plugin/static/state.js";

const WHITE = [247, 247, 247];

/**
 * A decoded frame of one row of 2×1 tiles (1-pixel separators) written per kernel:
 * `tiles[k]` = [[pixel, pixel], min, max] of kernel k (source 0 in the red channel).
 */
function frame(tiles, mode = "kernel") {
  const width = tiles.length * 3 - 1;
  const pixels = new Uint8ClampedArray(width * 4);
  tiles.forEach(([values], k) => values.forEach((p, x) => (pixels[4 * (3 * k + x)] = p)));
  const min = Float32Array.from(tiles, (t) => t[1]);
  const max = Float32Array.from(tiles, (t) => t[2]);
  const source = { stats: { min, max }, layerMin: Math.min(...min), layerMax: Math.max(...max) };
  const info = {
    width, height: 1, rows: 1, cols: tiles.length, tile_height: 1, tile_width: 2, padding: 1,
    kernels: tiles.map((_, k) => k), normalization: { mode }, sources: [source],
  };
  return { info, pixels, width, height: 1 };
}

const view = (norm, references = null) => ({ norm, references });

test("a value is its pixel spread over the kernel's stored range, shown as its panel normalises it", () => {
  const step = frame([[[0, 255], 2, 4], [[51, 102], -1, 4]]);
  const tile = (values) => [values[0], values[1], values[3], values[4]];
  assert.deepEqual(tile(shownValues(step, 0, "kernel")), [0, 1, 0.2, 0.4].map(Math.fround));
  // Whole layer: -1..4. Kernel 0's 2..4 is 0.6..1; kernel 1's pixel 51 is 0 raw, 0.2 of the layer.
  const layer = tile(shownValues(step, 0, "layer"));
  [0.6, 1, 0.2, 0.4].forEach((expected, i) => assert.ok(Math.abs(layer[i] - expected) < 1e-6, `${layer[i]} ≠ ${expected}`));
  assert.ok(Number.isNaN(shownValues(step, 0, "kernel")[2])); // the separator
});

test("a frame diffed with itself is zero everywhere on its tiles and painted white exactly", () => {
  const step = frame([[[0, 255], 2, 4], [[17, 201], -3.3, 1e6], [[9, 9], 1, 1]]);
  for (const norm of ["kernel", "layer", "locked"]) {
    const values = difference(step, step, 0, view(norm, step.info.sources));
    const onTiles = Array.from(values).filter((v) => !Number.isNaN(v));
    assert.equal(onTiles.length, 6);
    assert.ok(onTiles.every((v) => v === 0), norm);
    const out = paintDifference(values, new Uint8ClampedArray(values.length * 4), 1);
    [0, 1, 3, 4, 6, 7].forEach((i) => assert.deepEqual(Array.from(out.slice(4 * i, 4 * i + 3)), WHITE));
  }
});

test("A − B is red where A is higher, blue where it is lower, under each run's own stretch (per kernel)", () => {
  const a = frame([[[255, 0], 0, 1]]);
  const b = frame([[[0, 255], 0, 10]]);
  const values = difference(a, b, 0, view("kernel"));
  assert.deepEqual([values[0], values[1]], [1, -1]);
  const out = paintDifference(values, new Uint8ClampedArray(8), 1);
  assert.deepEqual(Array.from(out.slice(0, 3)), DIVERGING_STOPS.at(-1)[1]);
  assert.deepEqual(Array.from(out.slice(4, 7)), DIVERGING_STOPS[0][1]);
});

test("locked compares raw values on the reference's scale, within the 8-bit quantisation", () => {
  const a = frame([[[128, 255], 0, 10]]); // raw ≈ 5.02, 10
  const b = frame([[[255, 0], 0, 5]]); // raw 5, 0
  const reference = [{ layerMin: 0, layerMax: 20 }];
  const values = difference(a, b, 0, view("locked", reference));
  assert.ok(Math.abs(values[0] - 0) <= 10 / 255 / 20 + 1e-7); // the same raw value up to half a level of each
  assert.ok(Math.abs(values[1] - 0.5) < 1e-6); // 10 − 0 of a 20 wide scale
});

test("the colour scale is symmetric with white at zero and clamps beyond full scale", () => {
  assert.deepEqual(divergingColour(0), WHITE);
  assert.deepEqual(divergingColour(-5), divergingColour(-1));
  assert.deepEqual(divergingColour(3), divergingColour(1));
  const halfRed = divergingColour(0.5);
  const halfBlue = divergingColour(-0.5);
  assert.ok(halfRed[0] > halfRed[2] && halfBlue[2] > halfBlue[0]);
  const level = 1 / 255; // one grey level of a kernel's range: the smallest difference the pixels can hold
  const out = paintDifference(Float32Array.of(level, -level, NaN), new Uint8ClampedArray(12), 1);
  const [up, down] = [Array.from(out.slice(0, 3)), Array.from(out.slice(4, 7))];
  assert.ok(up[2] < WHITE[2] && down[0] < WHITE[0], `${up} ${down}`); // one level already shows its sign
  assert.deepEqual(Array.from(out.slice(8, 12)), [40, 40, 40, 255]); // no value: the separators' grey
});

test("frames compare only when they tile the same kernels the same way", () => {
  const a = frame([[[0, 0], 0, 1], [[0, 0], 0, 1]]).info;
  assert.ok(sameLayout(a, frame([[[9, 9], 3, 4], [[1, 1], 0, 2]]).info));
  assert.ok(!sameLayout(a, frame([[[0, 0], 0, 1]]).info));
  assert.ok(!sameLayout(a, { ...a, kernels: [0, 2] }));
});

test("the swipe shows A left of the split and B from it on, on every row", () => {
  const width = 4;
  const a = new Uint8ClampedArray(width * 2 * 4).fill(10);
  const b = new Uint8ClampedArray(width * 2 * 4).fill(200);
  const out = swipe(a, b, new Uint8ClampedArray(a.length), width, 1.4);
  const red = Array.from(out.filter((_, i) => i % 4 === 0));
  assert.deepEqual(red, [10, 200, 200, 200, 10, 200, 200, 200]);
  assert.deepEqual(Array.from(swipe(a, b, new Uint8ClampedArray(a.length), width, 9).filter((_, i) => i % 4 === 0)), Array(8).fill(10));
});

test("the comparison and the swipe's divider round-trip through the URL; unknown values fall back to no comparison, a difference, gain 1, half way", () => {
  const state = { ...defaultState(), diff: "run", diffRun: "b/seed=1", diffShow: "swipe", diffGain: 16, diffSplit: 0.1234 };
  const back = parseState(formatState(state));
  assert.deepEqual([back.diff, back.diffRun, back.diffShow, back.diffGain, back.diffSplit], ["run", "b/seed=1", "swipe", 16, 0.1234]);
  assert.equal(parseState(formatState({ ...state, diffSplit: 1 })).diffSplit, 1);
  assert.ok(!formatState({ ...state, diffShow: "difference" }).includes("diffSplit")); // only a swipe has a divider
  const hostile = parseState("diff=evil&diffShow=%3Cb%3E&diffGain=3&diffSplit=1.5");
  assert.deepEqual([hostile.diff, hostile.diffShow, hostile.diffGain, hostile.diffSplit], ["", "difference", 1, 0.5]);
  for (const bad of ["-0.1", "NaN", "", "0.12345", "1e-1", " 0.2"]) assert.equal(parseState(`diffSplit=${encodeURIComponent(bad)}`).diffSplit, 0.5, bad);
  assert.equal(parseState(formatState({ ...defaultState(), diff: "baseline", diffRun: "x" })).diffRun, null); // only for "run"
});

test("a kernel's difference is summed over its own tile only: its mean and its largest, signed", () => {
  const a = frame([[[255, 0], 0, 1], [[0, 0], 0, 1]]);
  const b = frame([[[51, 255], 0, 1], [[255, 255], 0, 1]]);
  const values = difference(a, b, 0, view("kernel"));
  const first = kernelDifference(values, a.info, 0); // +0.8 and −1
  assert.ok(Math.abs(first.mean - -0.1) < 1e-6);
  assert.equal(first.largest, -1);
  assert.deepEqual(kernelDifference(values, a.info, 1), { mean: -1, largest: -1 });
  assert.equal(kernelDifference(new Float32Array(values.length).fill(NaN), a.info, 0), null);
});
