// The legend's colours (tb_convcam/plugin/static/legend.js), the scale and clipped pixels of "Whole
// layer" and "Locked" (clipping.js), on frames built by hand: decoded step infos and RGBA pixels
// as the tab holds them.
//
// Run: node --test tests/js/*.test.mjs

import assert from "node:assert/strict";
import { test } from "node:test";

import { arrangement } from "../../tb_convcam/plugin/static/arrange.js";
import { ABOVE, BELOW, CLIPPED_ABOVE, clippedText, paintClipMask, scaleOf, shareText, zeroAt } from "../../tb_convcam/plugin/static/clipping.js";
import { entryText, legendEntries, sourceColours } from "../../tb_convcam/plugin/static/legend.js";
import { paint } from "../../tb_convcam/plugin/static/pixels.js";

/**
 * A frame of two 2x1 tiles side by side (1-pixel separator: width 5), one or more sources, stored
 * per kernel: `kernels[c][slot]` = [min, max, stored pixel values of the tile's 2 pixels].
 */
function frame(kernels) {
  const stat = (c, i) => Float32Array.from(kernels[c], (k) => k[i]);
  const sources = kernels.map((_, c) => {
    const min = stat(c, 0);
    const max = stat(c, 1);
    return {
      name: `s${c}`,
      stats: { min, max, mean: min, zero_fraction: min, nonfinite: new Uint32Array(2) },
      layerMin: Math.min(...min),
      layerMax: Math.max(...max),
    };
  });
  const info = { width: 5, height: 1, rows: 1, cols: 2, tile_height: 1, tile_width: 2, padding: 1, kernels: [0, 1], normalization: { mode: "kernel" }, sources };
  const pixels = new Uint8ClampedArray(5 * 4);
  kernels.forEach((tiles, c) => {
    tiles.forEach(([, , values], slot) => values.forEach((value, x) => (pixels[4 * (slot * 3 + x) + c] = value)));
  });
  return { info, pixels, width: 5, height: 1 };
}

// Kernel 0 spans 0..10 (pixels 0 and 10), kernel 1 spans 0..40 (pixels 0 and 40).
const TWO_KERNELS = [[[0, 10, [0, 255]], [0, 40, [0, 255]]]];

test("per kernel has no scale", () => {
  assert.equal(scaleOf(frame(TWO_KERNELS), { norm: "kernel", colour: "rgb" }), null);
});

test("whole layer: the source's layer range, nothing clipped", () => {
  const [row] = scaleOf(frame(TWO_KERNELS), { norm: "layer", colour: "rgb" });
  assert.deepEqual([row.lo, row.hi, row.above, row.below, row.pixels], [0, 40, 0, 0, 4]);
  assert.deepEqual(row.rgb, [255, 255, 255]);
  assert.equal(clippedText(row), "nothing clipped");
});

test("locked: the reference range, and exactly the pixels beyond it clipped, as painted", () => {
  const shown = frame(TWO_KERNELS);
  const references = [{ layerMin: 5, layerMax: 20 }];
  const mask = new Uint8Array(5);
  const [row] = scaleOf(shown, { norm: "locked", colour: "rgb", references }, mask);
  const painted = paint(shown, { data: new Uint8ClampedArray(20) }, { norm: "locked", colour: "rgb", references }).data;

  assert.deepEqual([row.lo, row.hi], [5, 20]);
  // Values 0, 10 | 0, 40: below 5 twice, above 20 once.
  assert.deepEqual([row.above, row.below, row.kernels, row.kernelCount], [1, 2, 2, 2]);
  assert.deepEqual([...mask], [BELOW, 0, 0, BELOW, ABOVE]);
  assert.deepEqual([0, 1, 3, 4].map((x) => painted[4 * x]), [0, 85, 0, 255]); // clipped drawn black or white
  assert.equal(clippedText(row), "clipped: 25.0 % above, 50.0 % below (2 of 2 kernels)");
});

test("a value on the edge of the range is not clipped, one just past it is", () => {
  // Kernel 0 spans 0..20 exactly the reference's range; kernel 1 reaches 20.2 (stored 255 of 0..20.2).
  const shown = frame([[[0, 20, [0, 255]], [0, 20.2, [0, 255]]]]);
  const [row] = scaleOf(shown, { norm: "locked", colour: "rgb", references: [{ layerMin: 0, layerMax: 20 }] });
  assert.deepEqual([row.above, row.below], [1, 0]);
});

test("a merged frame has a row per shown source, in the colour it is drawn in; one source alone, one row", () => {
  const merged = frame([TWO_KERNELS[0], [[-1, 1, [0, 255]], [-1, 1, [128, 128]]]]);
  const rgb = scaleOf(merged, { norm: "layer", colour: "rgb" });
  const safe = scaleOf(merged, { norm: "layer", colour: "recolour" });
  const alone = scaleOf(merged, { norm: "layer", colour: "source1" });

  assert.deepEqual(rgb.map((row) => [row.name, row.lo, row.hi, row.rgb]), [["s0", 0, 40, [255, 0, 0]], ["s1", -1, 1, [0, 255, 0]]]);
  assert.deepEqual(safe.map((row) => row.rgb), [[230, 159, 0], [86, 180, 233]]);
  assert.deepEqual(alone.map((row) => [row.name, row.rgb]), [["s1", [255, 255, 255]]]);
});

test("the clip mask paints magenta above, cyan below, transparent elsewhere", () => {
  const target = new Uint8ClampedArray(12).fill(7);
  paintClipMask(Uint8Array.of(ABOVE, 0, BELOW), target);
  assert.deepEqual([...target], [...CLIPPED_ABOVE, 255, 0, 0, 0, 0, 0, 255, 255, 255]);
});

test("with the tiles arranged, each tile's clip marks go where its tile is drawn", () => {
  // Three 1×1 tiles in a row, drawn in the order kernel 2, 0, 1.
  const info = { width: 3, height: 1, rows: 1, cols: 3, tile_height: 1, tile_width: 1, padding: 0, kernels: [0, 1, 2] };
  const target = new Uint8ClampedArray(12);
  paintClipMask(Uint8Array.of(ABOVE, 0, BELOW), target, info, arrangement(info, [2, 0, 1]));
  assert.deepEqual([...target], [0, 255, 255, 255, ...CLIPPED_ABOVE, 255, 0, 0, 0, 0]);
});

test("shares read as percentages, tiny ones as < 0.1 %", () => {
  assert.deepEqual([shareText(0, 10), shareText(1, 8), shareText(1, 5000)], ["0 %", "12.5 %", "< 0.1 %"]);
});

test("the legend names each source in its colour, where they overlap, or the one source shown alone", () => {
  assert.deepEqual(legendEntries(["a"], "rgb"), [], "one source: no legend");
  assert.deepEqual(legendEntries(["a", "b"], "rgb"), [
    { name: "a", rgb: [255, 0, 0], role: "source" },
    { name: "b", rgb: [0, 255, 0], role: "source" },
    { name: "both", rgb: [255, 255, 0], role: "overlap" },
  ]);
  assert.deepEqual(legendEntries(["a", "b", "c"], "rgb").at(-1), { name: "all 3", rgb: [255, 255, 255], role: "overlap" });
  assert.deepEqual(legendEntries(["a", "b"], "recolour").map((e) => e.rgb), [[230, 159, 0], [86, 180, 233], [255, 255, 233]]);
  const alone = legendEntries(["a", "b"], "source1");
  assert.deepEqual(alone.map((e) => entryText(e, "source1")), ["a hidden", "b alone, in grey"]);
  assert.deepEqual(sourceColours(2, "source9"), [null, [255, 255, 255]], "a source past the last: the last");
});

test("zero is ticked on a ramp only where the range crosses it", () => {
  assert.deepEqual([zeroAt({ lo: -1, hi: 3 }), zeroAt({ lo: 0, hi: 3 }), zeroAt({ lo: -3, hi: -1 })], [0.25, null, null]);
});
