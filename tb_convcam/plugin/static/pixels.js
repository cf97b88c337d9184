// Pixel work: re-normalise a stored mosaic from its per-kernel stats and
// colour its sources, all in the browser, without re-logging.
//
// A stored pixel p of source c is raw ≈ lo + p/255·(hi − lo), where lo..hi
// is the range the writer used (the kernel's min..max, the source's
// min-of-mins..max-of-maxes, or a fixed range). Mapping raw to a new range
// nlo..nhi is affine in p, so each (source, slot) gets one scale and offset.

export const PADDING = -1; // separator pixel between tiles
export const EMPTY = -2; // grid cell without a kernel

const PADDING_RGB = [40, 40, 40];
const EMPTY_RGB = [26, 26, 26];
// Okabe–Ito colours, distinguishable with the common colour-vision deficiencies.
export const RECOLOUR_PALETTE = [
  [230, 159, 0], // orange
  [86, 180, 233], // sky blue
  [0, 158, 115], // bluish green
];

/** Decode the step info JSON: base64 little-endian stats become typed arrays. */
export function decodeInfo(info) {
  const shown = Array.isArray(info.kernels)
    ? info.kernels
    : Array.from({ length: Math.min(info.kernel_count, info.rows * info.cols) }, (_, i) => i);
  const sources = info.sources.map((source) => {
    const stats = {
      min: floats(source.stats.min),
      max: floats(source.stats.max),
      mean: floats(source.stats.mean),
      zero_fraction: floats(source.stats.zero_fraction),
      nonfinite: uints(source.stats.nonfinite),
    };
    return { ...source, stats, layerMin: finiteMin(stats.min), layerMax: finiteMax(stats.max) };
  });
  return { ...info, kernels: shown, sources };
}

function bytes(base64) {
  const text = atob(base64);
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

function floats(base64) {
  const raw = bytes(base64);
  return new Float32Array(raw.buffer, 0, raw.length >> 2);
}

function uints(base64) {
  const raw = bytes(base64);
  return new Uint32Array(raw.buffer, 0, raw.length >> 2);
}

function finiteMin(values) {
  let low = Infinity;
  for (const v of values) if (v < low) low = v;
  return Number.isFinite(low) ? low : 0;
}

function finiteMax(values) {
  let high = -Infinity;
  for (const v of values) if (v > high) high = v;
  return Number.isFinite(high) ? high : 0;
}

const slotMaps = new Map();

/** For each pixel, the tile slot drawn there (or PADDING / EMPTY); cached per geometry. */
export function slotMap(info) {
  const key = [info.rows, info.cols, info.tile_height, info.tile_width, info.padding, info.kernels.length].join(",");
  let map = slotMaps.get(key);
  if (map) return map;
  const { width, height, tile_height: th, tile_width: tw, padding, cols } = info;
  map = new Int32Array(width * height).fill(PADDING);
  for (let y = 0; y < height; y++) {
    const row = Math.floor(y / (th + padding));
    if (y - row * (th + padding) >= th) continue;
    for (let x = 0; x < width; x++) {
      const col = Math.floor(x / (tw + padding));
      if (x - col * (tw + padding) >= tw) continue;
      const slot = row * cols + col;
      map[y * width + x] = slot < info.kernels.length ? slot : EMPTY;
    }
  }
  slotMaps.set(key, map);
  return map;
}

/** The slot at mosaic pixel (x, y), or PADDING / EMPTY / null outside. */
export function slotAt(info, x, y) {
  if (x < 0 || y < 0 || x >= info.width || y >= info.height) return null;
  return slotMap(info)[y * info.width + x];
}

/** Pixel box {x, y, width, height} of a slot's tile. */
export function tileBox(info, slot) {
  const row = Math.floor(slot / info.cols);
  const col = slot % info.cols;
  return {
    x: col * (info.tile_width + info.padding),
    y: row * (info.tile_height + info.padding),
    width: info.tile_width,
    height: info.tile_height,
  };
}

function storedRange(info, source, slot) {
  const mode = info.normalization.mode;
  if (mode === "fixed") return info.normalization.range;
  if (mode === "layer") return [source.layerMin, source.layerMax];
  return [source.stats.min[slot], source.stats.max[slot]];
}

function targetRange(source, slot, norm, reference) {
  if (norm === "kernel") return [source.stats.min[slot], source.stats.max[slot]];
  if (norm === "locked" && reference) return [reference.layerMin, reference.layerMax];
  return [source.layerMin, source.layerMax];
}

/**
 * Scale and offset per (source, slot) that take a stored pixel to the chosen
 * normalisation. `references[c]` is source c of the reference step ("locked").
 */
function affines(info, norm, references) {
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
 */
export function paint(frame, target, { norm, colour, references }) {
  const { info, pixels } = frame;
  const slots = slotMap(info);
  const maps = affines(info, norm, references);
  const out = target.data;
  const sourceCount = info.sources.length;
  const single = sourceCount === 1 ? 0 : /^source(\d)$/.test(colour) ? Math.min(Number(colour.slice(6)), sourceCount - 1) : -1;
  const value = new Float32Array(3);
  for (let i = 0, n = slots.length; i < n; i++) {
    const slot = slots[i];
    const o = i * 4;
    out[o + 3] = 255;
    if (slot < 0) {
      const fill = slot === PADDING ? PADDING_RGB : EMPTY_RGB;
      out[o] = fill[0];
      out[o + 1] = fill[1];
      out[o + 2] = fill[2];
      continue;
    }
    for (let c = 0; c < sourceCount; c++) {
      const map = maps[c];
      if (slot >= map.shown) {
        value[c] = 0;
        continue;
      }
      const v = pixels[o + c] * map.scale[slot] + map.offset[slot];
      value[c] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
    if (single >= 0) {
      out[o] = out[o + 1] = out[o + 2] = value[single];
    } else if (colour === "recolour") {
      let r = 0, g = 0, b = 0;
      for (let c = 0; c < sourceCount; c++) {
        const w = value[c] / 255;
        r += w * RECOLOUR_PALETTE[c][0];
        g += w * RECOLOUR_PALETTE[c][1];
        b += w * RECOLOUR_PALETTE[c][2];
      }
      out[o] = r;
      out[o + 1] = g;
      out[o + 2] = b;
    } else {
      out[o] = value[0];
      out[o + 1] = sourceCount > 1 ? value[1] : 0;
      out[o + 2] = sourceCount > 2 ? value[2] : 0;
    }
  }
  return target;
}
