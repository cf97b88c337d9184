// Pixel work: re-normalise a stored mosaic from its per-kernel stats and
// colour its sources, all in the browser, without re-logging.
//
// A stored pixel p of source c is raw ≈ lo + p/255·(hi − lo), where lo..hi
// is the range the writer used (the kernel's min..max, the source's
// min-of-mins..max-of-maxes, or a fixed range). Mapping raw to a new range
// nlo..nhi is affine in p, so each (source, slot) gets one scale and offset.
//
// Frames come decoded by stepinfo.js (the step-info format's reader).

import { tileBox } from "./stepinfo.js";

export const PADDING_RGB = [40, 40, 40];
const EMPTY_RGB = [26, 26, 26];
// Okabe–Ito colours, distinguishable with the common colour-vision deficiencies.
export const RECOLOUR_PALETTE = [
  [230, 159, 0], // orange
  [86, 180, 233], // sky blue
  [0, 158, 115], // bluish green
];

/** The range lo..hi a stored pixel of (source, slot) spans: 0 is lo, 255 is hi. */
export function storedRange(info, source, slot) {
  const mode = info.normalization.mode;
  if (mode === "fixed") return info.normalization.range;
  if (mode === "layer") return [source.layerMin, source.layerMax];
  return [source.stats.min[slot], source.stats.max[slot]];
}

/** The range the chosen normalisation maps to black..white; `reference` is the locked reference's source. */
export function targetRange(source, slot, norm, reference) {
  if (norm === "kernel") return [source.stats.min[slot], source.stats.max[slot]];
  if (norm === "locked" && reference) return [reference.layerMin, reference.layerMax];
  return [source.layerMin, source.layerMax];
}

/**
 * Scale and offset per (source, slot) that take a stored pixel to the chosen
 * normalisation. `references[c]` is source c of the reference step ("locked").
 */
export function affines(info, norm, references) {
  const slots = info.kernels.length;
  return info.sources.map((source, c) => {
    const scale = new Float32Array(slots);
    const offset = new Float32Array(slots);
    const shown = source.stats.min.length;
    for (let s = 0; s < shown; s++) {
      const [lo, hi] = storedRange(info, source, s);
      const [nlo, nhi] = targetRange(source, s, norm, references && references[c]);
      const span = nhi - nlo;
      if (!(span > 0) || !Number.isFinite(span)) continue; // constant: black, as the writer draws it
      scale[s] = (hi - lo) / span;
      offset[s] = ((lo - nlo) * 255) / span;
    }
    return { scale, offset, shown };
  });
}

/**
 * Paint a decoded mosaic (RGBA `pixels`, source c in channel c) into
 * `target` (an ImageData of the same size) with the chosen normalisation and
 * colouring: "rgb", "sourceN" (one source in grey) or "recolour".
 *
 * Works tile by tile with one scale and offset per source, and lets the
 * Uint8ClampedArray output do the clamping and rounding.
 */
export function paint(frame, target, { norm, colour, references }) {
  const { info, pixels } = frame;
  const out = target.data;
  const words = new Uint32Array(out.buffer);
  words.fill(packed(PADDING_RGB));
  const maps = affines(info, norm, references);
  const sourceCount = info.sources.length;
  const single = sourceCount === 1 ? 0 : /^source\d$/.test(colour) ? Math.min(Number(colour.slice(6)), sourceCount - 1) : -1;
  const recolour = single < 0 && colour === "recolour";
  const width = info.width;
  const scale = new Float32Array(3);
  const offset = new Float32Array(3);
  for (let slot = 0, slots = info.rows * info.cols; slot < slots; slot++) {
    const box = tileBox(info, slot);
    if (slot >= info.kernels.length) {
      for (let y = box.y; y < box.y + box.height; y++) {
        words.fill(packed(EMPTY_RGB), y * width + box.x, y * width + box.x + box.width);
      }
      continue;
    }
    for (let c = 0; c < 3; c++) {
      const map = maps[c];
      const shown = map && slot < map.shown;
      scale[c] = shown ? map.scale[slot] : 0;
      offset[c] = shown ? map.offset[slot] : 0;
    }
    for (let y = box.y; y < box.y + box.height; y++) {
      let o = (y * width + box.x) * 4;
      for (let x = 0; x < box.width; x++, o += 4) {
        if (single >= 0) {
          out[o] = out[o + 1] = out[o + 2] = pixels[o + single] * scale[single] + offset[single];
        } else if (recolour) {
          let r = 0, g = 0, b = 0;
          for (let c = 0; c < sourceCount; c++) {
            const v = pixels[o + c] * scale[c] + offset[c];
            const w = v <= 0 ? 0 : v >= 255 ? 1 : v / 255;
            r += w * RECOLOUR_PALETTE[c][0];
            g += w * RECOLOUR_PALETTE[c][1];
            b += w * RECOLOUR_PALETTE[c][2];
          }
          out[o] = r;
          out[o + 1] = g;
          out[o + 2] = b;
        } else {
          out[o] = pixels[o] * scale[0] + offset[0];
          out[o + 1] = pixels[o + 1] * scale[1] + offset[1];
          out[o + 2] = pixels[o + 2] * scale[2] + offset[2];
        }
      }
    }
  }
  return target;
}

/** An opaque RGB colour as one little-endian RGBA word. */
function packed([r, g, b]) {
  return ((255 << 24) | (b << 16) | (g << 8) | r) >>> 0;
}
