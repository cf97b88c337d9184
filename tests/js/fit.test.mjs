// Fit's arithmetic (static/fit.js): the largest integer zoom that fits a panel's room, and the rows' share of the height.
import assert from "node:assert/strict";
import { test } from "node:test";

import { MIN_ROW_PX, PROBE_CAPTION_PX, PROBE_GAP_PX, fitZoom, rowHeight } from "../../tb_convcam/plugin/static/fit.js";

test("a wide mosaic is held by the width, a tall one by the height", () => {
  const room = { width: 600, height: 300 };
  assert.equal(fitZoom({ width: 107, height: 8 }, 0, room, 32), 5); // 535 wide; 6 would be 642
  assert.equal(fitZoom({ width: 8, height: 107 }, 0, room, 32), 2); // 214 tall; 3 would be 321
});

test("the zoom is the largest that fits, exactly at the edge too", () => {
  assert.equal(fitZoom({ width: 10, height: 10 }, 0, { width: 70, height: 1000 }, 32), 7);
  assert.equal(fitZoom({ width: 10, height: 10 }, 0, { width: 69, height: 1000 }, 32), 6);
});

test("a one-kernel mosaic stops at the largest zoom offered; no room still shows it at 1", () => {
  assert.equal(fitZoom({ width: 4, height: 4 }, 0, { width: 1000, height: 1000 }, 32), 32);
  assert.equal(fitZoom({ width: 400, height: 400 }, 0, { width: 100, height: 50 }, 32), 1);
});

test("the probe image beside the mosaic, at its height, takes its width, the gap and its caption", () => {
  const frame = { width: 20, height: 10 };
  // Width: 20z + 2 × 10z (aspect 2) + gap; height: 10z + caption.
  const room = { width: 40 * 5 + PROBE_GAP_PX, height: 10 * 9 + PROBE_CAPTION_PX };
  assert.equal(fitZoom(frame, 2, room, 32), 5);
  assert.equal(fitZoom(frame, 2, { ...room, width: room.width - 1 }, 32), 4);
  assert.equal(fitZoom(frame, 0, room, 32), 10); // no probe: no gap, no caption (208 wide, 106 high)
});

test("rows of panels share the height, gaps between them, never below the floor", () => {
  assert.equal(rowHeight(700, 1, 16), 700);
  assert.equal(rowHeight(700, 2, 16), 342);
  assert.equal(rowHeight(700, 0, 16), 700); // no panel laid out yet: one row
  assert.equal(rowHeight(700, 30, 16), MIN_ROW_PX);
});
