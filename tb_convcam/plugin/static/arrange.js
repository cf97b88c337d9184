// Arranging kernels: the order the tiles are drawn in (index, mean, echo or
// change since the baseline), taken from one reference step and applied to
// every frame, so the same tile position is the same kernel in every panel
// and at every step. Tiles are moved, never relabelled: a step's slots keep
// their stats, and a position maps back to its true slot for hover, click,
// overlay and filmstrip.
//
// No DOM: Node imports this module in the tests (tests/js/arrange.test.mjs).

import { tileBox } from "./stepinfo.js";

/** The choices: [value, label, title]. Echo and change exist only in step info version 2. */
export const ARRANGE_OPTIONS = [
  ["index", "Index", "Kernels in index order, as logged"],
  ["mean", "Mean", "Highest mean activation first"],
  ["echo", "Echo", "Most echo of the input image first"],
  ["change", "Change", "Most change since the baseline first"],
];
const HEALTH_KEYS = ["echo", "change"];

/**
 * The source a one-number view of a merged layer is about (the sort key of
 * "mean", the difference view): the one shown alone under Colours, else the
 * first. Sources are different layers, in different units: they are not averaged.
 */
export function viewedSource(colour, count) {
  const match = /^source(\d)$/.exec(colour || "");
  return match && count > 1 ? Math.min(Number(match[1]), count - 1) : 0;
}

/** Per slot of a decoded source, what `by` sorts on; null when the step info has none (version 1: no health). */
function sortValues(source, by) {
  if (by === "mean") return source.stats.mean;
  if (HEALTH_KEYS.includes(by)) return source.health ? source.health[by] : null;
  return null;
}

/** Whether a decoded step info can be arranged by `by` (echo and change need per-kernel health). */
export function canArrange(info, by, colour) {
  if (by === "index" || by === "mean") return true;
  return sortValues(info.sources[viewedSource(colour, info.sources.length)], by) !== null;
}

/**
 * The shown kernels of a decoded step info (their indices) in the order `by`,
 * highest value first; ties, and kernels without a value (non-finite, or past
 * the end of a merged layer's shorter source), in index order after them.
 * null for index order, or when the step has no such value.
 */
export function kernelOrder(info, by, colour) {
  if (by === "index" || !canArrange(info, by, colour)) return null;
  const values = sortValues(info.sources[viewedSource(colour, info.sources.length)], by);
  const value = (slot) => (slot < values.length && Number.isFinite(values[slot]) ? values[slot] : null);
  const slots = info.kernels.map((_, slot) => slot);
  slots.sort((a, b) => {
    const va = value(a);
    const vb = value(b);
    if (va !== vb) {
      if (va === null) return 1;
      if (vb === null) return -1;
      return vb - va;
    }
    return info.kernels[a] - info.kernels[b];
  });
  return slots.map((slot) => info.kernels[slot]);
}

const arrangements = new WeakMap(); // decoded info -> {order, arrangement}: asked on every paint and hover

/**
 * Where a frame's tiles go under `order` (kernel indices): `slotAt[position]`,
 * the slot drawn at a tile position, and `positionOf[slot]`. Kernels of the
 * frame the order lacks follow in tile order; kernels it names that the frame
 * lacks are skipped. null for no order (index order: every tile in place).
 */
export function arrangement(info, order) {
  if (!order) return null;
  const memo = arrangements.get(info);
  if (memo && memo.order === order) return memo.arrangement;
  const slotOfKernel = new Map(info.kernels.map((kernel, slot) => [kernel, slot]));
  const placed = new Set();
  for (const kernel of order) {
    const slot = slotOfKernel.get(kernel);
    if (slot !== undefined) placed.add(slot);
  }
  for (let slot = 0; slot < info.kernels.length; slot++) placed.add(slot);
  const slotAt = Int32Array.from(placed);
  const positionOf = new Int32Array(slotAt.length);
  slotAt.forEach((slot, position) => (positionOf[slot] = position));
  const result = { slotAt, positionOf };
  arrangements.set(info, { order, arrangement: result });
  return result;
}

/** The true slot of the tile drawn at `position`. */
export function slotAtPosition(arranged, position) {
  return arranged ? arranged.slotAt[position] : position;
}

/** The position a slot's tile is drawn at. */
export function positionOfSlot(arranged, slot) {
  return arranged ? arranged.positionOf[slot] : slot;
}

/**
 * Copy RGBA `pixels` (the mosaic of `info`, as painted) into `out` with each
 * slot's tile moved to its position; separators and empty cells stay.
 */
export function rearrange(pixels, out, info, arranged) {
  const from = new Uint32Array(pixels.buffer, pixels.byteOffset, pixels.length >> 2);
  const to = new Uint32Array(out.buffer, out.byteOffset, out.length >> 2);
  to.set(from);
  const width = info.width;
  arranged.slotAt.forEach((slot, position) => {
    if (slot === position) return;
    const source = tileBox(info, slot);
    const target = tileBox(info, position);
    for (let y = 0; y < source.height; y++) {
      const start = (source.y + y) * width + source.x;
      to.set(from.subarray(start, start + source.width), (target.y + y) * width + target.x);
    }
  });
  return out;
}
