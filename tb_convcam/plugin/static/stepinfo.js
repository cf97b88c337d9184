// The step-info format (the JSON logged next to each mosaic), read in the
// browser. The format's home is tb_convcam/metadata.py; this is its one
// reader here. tests/golden/step_info.json, written from the Python side,
// holds this module to the same tile geometry (tests/js/stepinfo.test.mjs).
//
// No DOM: Node imports this module in the tests.

export const PADDING = -1; // separator pixel between tiles
export const EMPTY = -2; // grid cell without a kernel

/** The kernels a step shows, in tile order; `"kernels": null` means all of them. */
export function shownKernels(info) {
  if (Array.isArray(info.kernels)) return info.kernels;
  return Array.from({ length: Math.min(info.kernel_count, info.rows * info.cols) }, (_, i) => i);
}

/**
 * Decode the step info JSON (version 1 or 2): `kernels` becomes the list of
 * shown kernels, base64 little-endian stats become typed arrays, and each
 * source gets its layer range (`layerMin`, `layerMax`: the finite min of mins,
 * max of maxes) and `health`: {echo, change} per shown kernel (version 2),
 * else null.
 */
export function decodeInfo(info) {
  const sources = info.sources.map((source) => {
    const stats = {
      min: floats(source.stats.min),
      max: floats(source.stats.max),
      mean: floats(source.stats.mean),
      zero_fraction: floats(source.stats.zero_fraction),
      nonfinite: uints(source.stats.nonfinite),
    };
    const health = source.health ? { echo: floats(source.health.echo), change: floats(source.health.change) } : null;
    return { ...source, stats, health, layerMin: finiteMin(stats.min), layerMax: finiteMax(stats.max) };
  });
  return { ...info, kernels: shownKernels(info), sources };
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

/**
 * The slot at mosaic pixel (x, y) of a decoded info: its index in `kernels`,
 * PADDING, EMPTY, or null outside the mosaic. (Python: `Layout.kernel_at`.)
 */
export function slotAt(info, x, y) {
  if (x < 0 || y < 0 || x >= info.width || y >= info.height) return null;
  const row = Math.floor(y / (info.tile_height + info.padding));
  const col = Math.floor(x / (info.tile_width + info.padding));
  if (y - row * (info.tile_height + info.padding) >= info.tile_height) return PADDING;
  if (x - col * (info.tile_width + info.padding) >= info.tile_width) return PADDING;
  const slot = row * info.cols + col;
  return slot < info.kernels.length ? slot : EMPTY;
}

/** Pixel box {x, y, width, height} of a slot's tile. (Python: `Layout.tile_box`.) */
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
