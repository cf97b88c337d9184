// The tab's reader of the step-info format (tb_convcam/plugin/static/stepinfo.js)
// against tests/golden/step_info.json, which tests/test_step_info_golden.py writes
// from the Python side (metadata.encode_step_info, mosaic.Layout) and checks.
//
// Run: node --test tests/js/*.test.mjs (scripts/test.sh does, before pytest).

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { decodeInfo, shownKernels, slotAt, tileBox } from "../../tb_convcam/plugin/static/stepinfo.js";

const golden = JSON.parse(readFileSync(new URL("../golden/step_info.json", import.meta.url), "utf8"));

/** The step info as the tab gets it: JSON text, decoded. */
function decoded(testCase) {
  return decodeInfo(JSON.parse(testCase.step_info));
}

/** The kernel at pixel (x, y), as the tab finds it (null off the mosaic, on separators, in empty cells). */
function kernelAt(info, x, y) {
  const slot = slotAt(info, x, y);
  return slot === null || slot < 0 ? null : info.kernels[slot];
}

test("the golden file has cases", () => {
  assert.ok(golden.cases.length >= 3);
});

for (const testCase of golden.cases) {
  test(`${testCase.name}: the shown kernels, "kernels": null meaning all`, () => {
    const raw = JSON.parse(testCase.step_info);
    assert.deepEqual(shownKernels(raw), testCase.kernels);
    assert.deepEqual(decoded(testCase).kernels, testCase.kernels);
  });

  test(`${testCase.name}: tileBox matches Layout.tile_box`, () => {
    const info = decoded(testCase);
    assert.equal(testCase.tiles.length, info.kernels.length);
    testCase.tiles.forEach(([kernel, y0, x0, y1, x1], slot) => {
      assert.equal(info.kernels[slot], kernel);
      const box = tileBox(info, slot);
      assert.deepEqual([box.y, box.x, box.y + box.height, box.x + box.width], [y0, x0, y1, x1], `slot ${slot}`);
    });
  });

  test(`${testCase.name}: slotAt matches Layout.kernel_at at every pixel`, () => {
    const info = decoded(testCase);
    assert.equal(testCase.kernel_at.length, info.height);
    testCase.kernel_at.forEach((row, y) => {
      assert.equal(row.length, info.width);
      row.forEach((kernel, x) => assert.equal(kernelAt(info, x, y), kernel, `pixel (y=${y}, x=${x})`));
    });
    for (const [y, x] of testCase.outside) assert.equal(slotAt(info, x, y), null, `outside (y=${y}, x=${x})`);
  });

  test(`${testCase.name}: decoded stats match the writer's`, () => {
    const info = decoded(testCase);
    assert.equal(info.sources.length, testCase.stats.length);
    info.sources.forEach((source, c) => {
      const expected = testCase.stats[c];
      assert.equal(source.name, expected.name);
      for (const key of ["min", "max", "mean", "zero_fraction"]) {
        assert.ok(source.stats[key] instanceof Float32Array, key);
        assert.deepEqual(Array.from(source.stats[key]), expected[key], `${source.name} ${key}`);
      }
      assert.ok(source.stats.nonfinite instanceof Uint32Array);
      assert.deepEqual(Array.from(source.stats.nonfinite), expected.nonfinite);
      assert.equal(source.layerMin, Math.min(...expected.min));
      assert.equal(source.layerMax, Math.max(...expected.max));
    });
  });

  test(`${testCase.name}: decoded health matches the writer's (null without it)`, () => {
    const info = decoded(testCase);
    info.sources.forEach((source, c) => {
      const expected = testCase.health[c];
      if (expected === null) {
        assert.equal(source.health, null);
        return;
      }
      for (const key of ["echo", "change"]) {
        assert.ok(source.health[key] instanceof Float32Array, key);
        assert.deepEqual(Array.from(source.health[key]), expected[key], `${source.name} ${key}`);
      }
    });
  });
}

test("the golden file has a case with health and cases without", () => {
  const withHealth = golden.cases.filter((testCase) => testCase.health.some((health) => health !== null));
  assert.ok(withHealth.length >= 1 && withHealth.length < golden.cases.length);
});
