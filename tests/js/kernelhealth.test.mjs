// Which tiles the health overlay marks dead or dormant (tb_convcam/plugin/static/kernelhealth.js),
// on decoded step infos built by hand: stats exactly as decodeInfo gives them.
//
// Run: node --test tests/js/*.test.mjs

import assert from "node:assert/strict";
import { test } from "node:test";

import { kernelMarks, tileMarks } from "../../tb_convcam/plugin/static/kernelhealth.js";

/** A decoded source from per-kernel [min, max, mean] rows (and non-finite counts). */
function source(rows, nonfinite = rows.map(() => 0)) {
  return {
    stats: {
      min: Float32Array.from(rows, (row) => row[0]),
      max: Float32Array.from(rows, (row) => row[1]),
      mean: Float32Array.from(rows, (row) => row[2]),
      nonfinite: Uint32Array.from(nonfinite),
    },
  };
}

test("a kernel constant on the probe image is dead, whatever its value", () => {
  const marks = kernelMarks(source([[0, 0, 0], [2.5, 2.5, 2.5], [0, 4, 1]]));
  assert.deepEqual(marks, ["dead", "dead", null]);
});

test("a one-signed kernel at most 2.5 % of the layer's mean |activation| is dormant", () => {
  // Layer mean of |mean|: (1 + 1 + 0.01 + 1.99 + 0.02) / 5 = 0.804; 2.5 % of it: 0.0201.
  const marks = kernelMarks(source([[0, 3, 1], [-3, 0, -1], [0, 0.05, 0.01], [0, 5, 1.99], [-0.04, 0, -0.02]]));
  assert.deepEqual(marks, [null, null, "dormant", null, "dormant"]);
});

test("a kernel of both signs is never dormant: its mean can be ~0 while it is busy", () => {
  const marks = kernelMarks(source([[-5, 5, 0], [0, 4, 2], [0, 4, 2]]));
  assert.deepEqual(marks, [null, null, null]);
});

test("a kernel with non-finite values is neither: its stats leave them out", () => {
  const marks = kernelMarks(source([[0, 0, 0], [0, 4, 2]], [3, 0]));
  assert.deepEqual(marks, [null, null]);
});

test("a tile is marked by its worst source, or by the one source shown alone", () => {
  const info = {
    kernels: [0, 1, 2],
    sources: [source([[0, 0, 0], [0, 4, 2], [0, 4, 2]]), source([[0, 4, 2], [0, 4, 0.001], [0, 4, 2]])],
  };
  assert.deepEqual(tileMarks(info, "rgb"), ["dead", "dormant", null]);
  assert.deepEqual(tileMarks(info, "source0"), ["dead", null, null]);
  assert.deepEqual(tileMarks(info, "source1"), [null, "dormant", null]);
});

test("a source with fewer kernels marks none of the tiles it does not have", () => {
  const info = { kernels: [0, 1, 2], sources: [source([[0, 4, 2], [0, 4, 2], [0, 4, 2]]), source([[1, 1, 1]])] };
  assert.deepEqual(tileMarks(info, "rgb"), ["dead", null, null]);
});
