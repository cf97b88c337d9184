// The difference view and the swipe between two frames of the same layer
// (run A − run B at the same step, or a step − the run's baseline), computed
// in the browser from the two stored mosaics and their per-kernel ranges.
//
// The approximation: a stored pixel p of a tile is only known to the writer's
// 8 bits, raw ≈ lo + p/255·(hi − lo) over the range lo..hi it was written in
// (pixels.js). Each frame is reconstructed like that and mapped to the shown
// normalisation (0 = black, 1 = white of what its panel shows, unclamped), and
// the difference is taken before any rounding. So a value is off by at most
// half a grey level, 1/510 of its kernel's stored range, and a difference by
// 1/255 of it; a "Per kernel" or "Whole layer" difference compares each
// frame's own stretch (shapes, not magnitudes; "Locked" compares raw values
// on one scale); tiles are the writer's downscaled maps. The same frame
// diffed with itself gives exactly 0 everywhere: both sides take the same
// arithmetic on the same numbers.
//
// No DOM: Node imports this module in the tests (tests/js/diff.test.mjs).

import { PADDING_RGB, storedRange, targetRange } from "./pixels.js";
import { tileBox } from "./stepinfo.js";

// Blue (negative) through white (zero) to red (positive): ColorBrewer's RdBu.
export const DIVERGING_STOPS = [
  [-1, [33, 102, 172]],
  [-0.5, [146, 197, 222]],
  [0, [247, 247, 247]],
  [0.5, [244, 165, 130]],
  [1, [178, 24, 43]],
];
const HALF_STEPS = 256; // the colour table has 2·256 + 1 entries: entry 256 is zero, exactly
const TABLE = buildTable();

function buildTable() {
  const table = new Uint32Array(2 * HALF_STEPS + 1);
  for (let i = 0; i < table.length; i++) table[i] = packed(divergingColour(i / HALF_STEPS - 1));
  return table;
}

/** The colour of `t` in -1..1 (clamped): [r, g, b]. */
export function divergingColour(t) {
  const x = Math.max(-1, Math.min(1, t));
  for (let i = 1; i < DIVERGING_STOPS.length; i++) {
    const [t1, c1] = DIVERGING_STOPS[i];
    if (x > t1 && i < DIVERGING_STOPS.length - 1) continue;
    const [t0, c0] = DIVERGING_STOPS[i - 1];
    const w = (x - t0) / (t1 - t0);
    return c0.map((c, k) => Math.round(c + w * (c1[k] - c)));
  }
  return DIVERGING_STOPS[DIVERGING_STOPS.length - 1][1];
}

/** Whether two decoded frames tile the same kernels the same way (a difference needs pixel-for-pixel tiles). */
export function sameLayout(a, b) {
  const keys = ["width", "height", "rows", "cols", "tile_height", "tile_width", "padding"];
  return (
    keys.every((key) => a[key] === b[key]) &&
    a.sources.length === b.sources.length &&
    a.kernels.length === b.kernels.length &&
    a.kernels.every((kernel, slot) => kernel === b.kernels[slot])
  );
}

/**
 * Each pixel of source `c` of a decoded frame as its panel shows it under
 * `norm` (0 black, 1 white; unclamped), in a Float32Array of width × height;
 * NaN off the tiles and where the source has no such kernel or no finite range.
 * `references[c]`: source c of the locked reference step.
 */
export function shownValues(frame, c, norm, references) {
  const { info, pixels } = frame;
  const width = info.width;
  const out = new Float32Array(width * info.height).fill(NaN);
  const source = info.sources[c];
  const slots = Math.min(info.kernels.length, source.stats.min.length);
  for (let slot = 0; slot < slots; slot++) {
    const [lo, hi] = storedRange(info, source, slot);
    const [nlo, nhi] = targetRange(source, slot, norm, references && references[c]);
    const span = nhi - nlo;
    const constant = !(span > 0) || !Number.isFinite(span); // drawn black, as the panels do
    const scale = constant ? 0 : (hi - lo) / 255 / span;
    const offset = constant ? 0 : (lo - nlo) / span;
    if (!Number.isFinite(scale) || !Number.isFinite(offset)) continue;
    const box = tileBox(info, slot);
    for (let y = box.y; y < box.y + box.height; y++) {
      for (let x = box.x, i = y * width + box.x; x < box.x + box.width; x++, i++) out[i] = pixels[4 * i + c] * scale + offset;
    }
  }
  return out;
}

/** A − B of source `c`, pixel by pixel, as its panels show it (see shownValues); frames of the same layout. */
export function difference(a, b, c, { norm, references }) {
  const values = shownValues(a, c, norm, references);
  const other = shownValues(b, c, norm, references);
  for (let i = 0; i < values.length; i++) values[i] -= other[i];
  return values;
}

/** A kernel's difference over its tile (slot `slot` of `info`): {mean, largest} (largest |value|, signed), or null without values. */
export function kernelDifference(values, info, slot) {
  const box = tileBox(info, slot);
  let sum = 0;
  let count = 0;
  let largest = 0;
  for (let y = box.y; y < box.y + box.height; y++) {
    for (let i = y * info.width + box.x, end = i + box.width; i < end; i++) {
      const d = values[i];
      if (Number.isNaN(d)) continue;
      sum += d;
      count++;
      if (Math.abs(d) > Math.abs(largest)) largest = d;
    }
  }
  return count ? { mean: sum / count, largest } : null;
}

/**
 * Paint differences into RGBA `out` with the diverging colours: `scale` (> 0)
 * is full red, −`scale` full blue, 0 white; NaN (separators, no data) the
 * panels' separator grey.
 */
export function paintDifference(values, out, scale) {
  const words = new Uint32Array(out.buffer, out.byteOffset, out.length >> 2);
  const none = packed(PADDING_RGB);
  for (let i = 0; i < values.length; i++) {
    const d = values[i];
    if (Number.isNaN(d)) {
      words[i] = none;
      continue;
    }
    const t = Math.max(-1, Math.min(1, d / scale));
    words[i] = TABLE[Math.round((t + 1) * HALF_STEPS)];
  }
  return out;
}

/** RGBA `a` left of column `split`, `b` from it on, into `out` (all of one width). */
export function swipe(a, b, out, width, split) {
  const from = [a, b].map((pixels) => new Uint32Array(pixels.buffer, pixels.byteOffset, pixels.length >> 2));
  const to = new Uint32Array(out.buffer, out.byteOffset, out.length >> 2);
  const cut = Math.max(0, Math.min(width, Math.round(split)));
  for (let row = 0; row < to.length; row += width) {
    to.set(from[0].subarray(row, row + cut), row);
    to.set(from[1].subarray(row + cut, row + width), row + cut);
  }
  return out;
}

/** An opaque RGB colour as one little-endian RGBA word. */
function packed([r, g, b]) {
  return ((255 << 24) | (b << 16) | (g << 8) | r) >>> 0;
}
