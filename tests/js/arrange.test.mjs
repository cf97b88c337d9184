// The order the tiles are drawn in (tb_convcam/plugin/static/arrange.js): sorting kernels by
// mean, echo or change at one step, applying that order to other frames, moving tiles on a
// canvas's pixels and finding the true kernel of a position again.
//
// Run: node --test tests/js/*.test.mjs

import assert from "node:assert/strict";
import { test } from "node:test";

import {
  arrangement, canArrange, kernelOrder, positionOfSlot, rearrange, slotAtPosition, viewedSource,
} from "../../tb_convcam/plugin/static/arrange.js";
import { defaultState, formatState, parseState } from "../../tb_convcam/plugin/static/state.js";

/** A decoded step info of 1×1 tiles, `cols` wide, no separators; each source from per-slot means (and health). */
function info(kernels, sources, cols = kernels.length) {
  const rows = Math.ceil(kernels.length / cols);
  return {
    width: cols, height: rows, rows, cols, tile_height: 1, tile_width: 1, padding: 0, kernels,
    sources: sources.map(({ mean, echo, change }) => ({
      stats: { mean: Float32Array.from(mean) },
      health: echo ? { echo: Float32Array.from(echo), change: Float32Array.from(change) } : null,
    })),
  };
}

test("index order moves nothing", () => {
  const step = info([0, 1, 2], [{ mean: [3, 1, 2] }]);
  assert.equal(kernelOrder(step, "index", "rgb"), null);
  assert.equal(arrangement(step, null), null);
  assert.equal(slotAtPosition(null, 2), 2);
  assert.equal(positionOfSlot(null, 1), 1);
});

test("mean sorts highest first, ties by kernel index, non-finite last", () => {
  const step = info([0, 1, 2, 3, 4], [{ mean: [0.5, NaN, 2, 0.5, 7] }]);
  assert.deepEqual(kernelOrder(step, "mean", "rgb"), [4, 2, 0, 3, 1]);
});

test("the order names kernels, not slots: a shown subset sorts by its own kernel indices", () => {
  const step = info([2, 5, 9], [{ mean: [1, 3, 2] }]);
  assert.deepEqual(kernelOrder(step, "mean", "rgb"), [5, 9, 2]);
});

test("echo and change need per-kernel health (step info version 2)", () => {
  const v2 = info([0, 1, 2], [{ mean: [1, 2, 3], echo: [0.9, 0.1, 0.5], change: [0, 0.3, 0.2] }]);
  const v1 = info([0, 1, 2], [{ mean: [1, 2, 3] }]);
  assert.deepEqual(kernelOrder(v2, "echo", "rgb"), [0, 2, 1]);
  assert.deepEqual(kernelOrder(v2, "change", "rgb"), [1, 2, 0]);
  assert.equal(canArrange(v1, "echo", "rgb"), false);
  assert.equal(canArrange(v1, "mean", "rgb"), true);
  assert.equal(kernelOrder(v1, "change", "rgb"), null);
});

test("a merged layer sorts by the source shown alone, else by the first; a shorter source's missing kernels go last", () => {
  const step = info([0, 1, 2, 3], [{ mean: [1, 2, 3, 4] }, { mean: [9, 5, 7] }]);
  assert.equal(viewedSource("rgb", 2), 0);
  assert.equal(viewedSource("recolour", 2), 0);
  assert.equal(viewedSource("source1", 2), 1);
  assert.equal(viewedSource("source1", 1), 0);
  assert.deepEqual(kernelOrder(step, "mean", "rgb"), [3, 2, 1, 0]);
  assert.deepEqual(kernelOrder(step, "mean", "source1"), [0, 2, 1, 3]);
});

test("an order taken at one step places the same kernels at the same positions at another", () => {
  const reference = info([0, 1, 2, 3], [{ mean: [1, 4, 2, 3] }]);
  const order = kernelOrder(reference, "mean", "rgb"); // [1, 3, 2, 0]
  const later = info([0, 1, 2, 3], [{ mean: [9, 0, 0, 0] }]); // its own means do not matter
  const placed = arrangement(later, order);
  assert.deepEqual(Array.from(placed.slotAt), [1, 3, 2, 0]);
  for (let position = 0; position < 4; position++) {
    assert.equal(later.kernels[slotAtPosition(placed, position)], order[position]);
    assert.equal(positionOfSlot(placed, slotAtPosition(placed, position)), position);
  }
});

test("kernels a frame lacks are skipped and kernels the order lacks follow in tile order", () => {
  const frame = info([0, 1, 2, 3, 4], [{ mean: [0, 0, 0, 0, 0] }]);
  const placed = arrangement(frame, [4, 7, 1]);
  assert.deepEqual(Array.from(placed.slotAt, (slot) => frame.kernels[slot]), [4, 1, 0, 2, 3]);
});

test("rearranging moves whole tiles and leaves separators and empty cells in place", () => {
  // 2×2 tiles with a 1-pixel separator, 3 columns, 5 kernels: a 8×5 mosaic with one empty cell.
  const layout = { width: 8, height: 5, rows: 2, cols: 3, tile_height: 2, tile_width: 2, padding: 1, kernels: [0, 1, 2, 3, 4], sources: [] };
  const pixels = new Uint8ClampedArray(8 * 5 * 4);
  const at = (x, y) => 4 * (y * 8 + x);
  for (let y = 0; y < 5; y++) {
    for (let x = 0; x < 8; x++) {
      const tile = x % 3 < 2 && y % 3 < 2 ? Math.floor(y / 3) * 3 + Math.floor(x / 3) : 200; // 200: separator
      pixels.set([tile, tile, tile, 255], at(x, y));
    }
  }
  const placed = arrangement(layout, [4, 0, 3, 1, 2]);
  const out = rearrange(pixels, new Uint8ClampedArray(pixels.length), layout, placed);
  const tileAt = (position) => out[at((position % 3) * 3 + 1, Math.floor(position / 3) * 3 + 1)];
  assert.deepEqual([0, 1, 2, 3, 4].map(tileAt), [4, 0, 3, 1, 2]);
  for (const [x, y] of [[2, 0], [5, 1], [0, 2], [7, 4], [6, 3]]) assert.equal(out[at(x, y)], pixels[at(x, y)]); // separators, empty cell
});

test("the arrangement and its reference step round-trip through the URL; unknown ones fall back to index order", () => {
  const state = { ...defaultState(), arrange: "change", arrangeRun: "a&b=c", arrangeStep: 20 };
  const back = parseState(formatState(state));
  assert.deepEqual([back.arrange, back.arrangeRun, back.arrangeStep], ["change", "a&b=c", 20]);
  assert.equal(parseState("arrange=%3Cb%3E&arrangeStep=x").arrange, "index");
  assert.equal(formatState({ ...defaultState(), arrangeRun: "a", arrangeStep: 3 }), ""); // index order: nothing to keep
});
