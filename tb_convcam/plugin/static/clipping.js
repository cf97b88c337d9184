// One numeric range for the whole picture, and the pixels outside it.
//
// "Whole layer" and "Locked" stretch every kernel of a source to one range
// (lo..hi: the source's layer range at that step, or the reference step's),
// so the picture has a scale: black is lo, full colour hi. In "Locked" a
// later step can exceed the reference's range: those pixels are clipped
// (drawn black or full) and this module finds them. "Per kernel" has no
// single range (each tile has its own), so no scale.
//
// A stored pixel p maps to v = p·scale + offset in 0..255 of the new range
// (pixels.js's affine map). A kernel can only clip if its stats (exact
// min / max) leave the range; in such a tile a pixel is clipped when v is
// beyond half a level outside 0..255, i.e. when it would not round into range.
//
// No DOM: Node imports this module in tests/js.

import { rearrange } from "./arrange.js";
import { sourceColours } from "./legend.js";
import { affines, targetRange } from "./pixels.js";
import { tileBox } from "./stepinfo.js";

export const CLIPPED_ABOVE = [255, 0, 255]; // magenta: never drawn by a grey or two-source RGB view
export const CLIPPED_BELOW = [0, 255, 255]; // cyan
export const BELOW = 1;
export const ABOVE = 2;

/**
 * The scale of a painted frame: null for "Per kernel"; else per shown source
 * {source (its index), name, lo, hi, rgb (its colour at hi), pixels (in its
 * shown tiles), above, below (clipped pixel counts), kernels (how many of
 * its kernels have clipped pixels), kernelCount}. With `mask` (a Uint8Array
 * of width × height) each clipped pixel is set to ABOVE or BELOW (any shown
 * source; above wins).
 */
export function scaleOf(frame, { norm, colour, references }, mask = null) {
  if (norm === "kernel") return null;
  const info = frame.info;
  const maps = affines(info, norm, references);
  const colours = sourceColours(info.sources.length, colour);
  const rows = [];
  info.sources.forEach((source, c) => {
    if (!colours[c]) return;
    const reference = references && references[c];
    const [lo, hi] = targetRange(source, 0, norm, reference);
    const row = { source: c, name: source.name, lo, hi, rgb: colours[c], pixels: 0, above: 0, below: 0, kernels: 0 };
    row.kernelCount = maps[c].shown;
    rows.push(row);
    const constant = !(hi > lo) || !Number.isFinite(hi - lo);
    for (let slot = 0; slot < maps[c].shown; slot++) {
      const box = tileBox(info, slot);
      row.pixels += box.width * box.height;
      if (constant || !(source.stats.min[slot] < lo || source.stats.max[slot] > hi)) continue;
      const clipped = clipTile(frame, c, box, maps[c].scale[slot], maps[c].offset[slot], mask);
      row.above += clipped.above;
      row.below += clipped.below;
      if (clipped.above + clipped.below) row.kernels++;
    }
  });
  return rows;
}

function clipTile(frame, c, box, scale, offset, mask) {
  const { pixels, width } = frame;
  let above = 0;
  let below = 0;
  for (let y = box.y; y < box.y + box.height; y++) {
    for (let x = box.x, i = y * width + box.x; x < box.x + box.width; x++, i++) {
      const v = pixels[4 * i + c] * scale + offset;
      if (v > 255.5) {
        above++;
        if (mask) mask[i] = ABOVE;
      } else if (v < -0.5) {
        below++;
        if (mask && mask[i] !== ABOVE) mask[i] = BELOW;
      }
    }
  }
  return { above, below };
}

/** Where zero sits on a row's ramp, as a fraction of its width; null when the range does not cross zero. */
export function zeroAt({ lo, hi }) {
  return lo < 0 && hi > 0 ? -lo / (hi - lo) : null;
}

/**
 * Paint a clip mask of decoded frame `info` into RGBA `target` (an ImageData's data): the clip
 * colours where clipped, transparent elsewhere; each tile's marks where `arranged` (arrange.js) draws it.
 */
export function paintClipMask(mask, target, info, arranged = null) {
  const painted = arranged ? new Uint8ClampedArray(target.length) : target;
  painted.fill(0);
  for (let i = 0, o = 0; i < mask.length; i++, o += 4) {
    if (!mask[i]) continue;
    const rgb = mask[i] === ABOVE ? CLIPPED_ABOVE : CLIPPED_BELOW;
    painted[o] = rgb[0];
    painted[o + 1] = rgb[1];
    painted[o + 2] = rgb[2];
    painted[o + 3] = 255;
  }
  if (arranged) rearrange(painted, target, info, arranged);
}

/** A share of pixels as text: "0 %", "< 0.1 %", "12.3 %". */
export function shareText(count, total) {
  if (!count || !total) return "0 %";
  const percent = (100 * count) / total;
  return percent < 0.1 ? "< 0.1 %" : `${percent.toFixed(1)} %`;
}

/** What a scale row says about clipping: "nothing clipped" or "12.3 % above, 0.4 % below (5 of 16 kernels)". */
export function clippedText(row) {
  if (!row.above && !row.below) return "nothing clipped";
  const parts = [];
  if (row.above) parts.push(`${shareText(row.above, row.pixels)} above`);
  if (row.below) parts.push(`${shareText(row.below, row.pixels)} below`);
  return `clipped: ${parts.join(", ")} (${row.kernels} of ${row.kernelCount} kernels)`;
}
