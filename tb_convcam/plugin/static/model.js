// Fetching and caching: the plugin routes, decoded mosaics, step lookups.
//
// URLs are relative: TensorBoard's plugin page sets <base href="plugin/convcam/">.

import { decodeInfo } from "./pixels.js";

const FRAME_CACHE_SIZE = 240;

async function fetchJson(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response.json();
}

/** {runs: [...], layers: [{name, path, sources, runs: {run: {max_step, layout}}}]} */
export function fetchLayers() {
  return fetchJson("layers");
}

/** {run, layer, baseline_step, steps: [{step, wall_time, key}]} */
export function fetchSteps(run, layer) {
  const query = new URLSearchParams({ run, layer });
  return fetchJson(`steps?${query}`);
}

/**
 * Decoded mosaics by key, most recently used kept: {info, pixels, width, height}.
 * Holding decoded pixels (not PNG bytes) is what makes scrubbing instant.
 */
export class FrameCache {
  constructor(limit = FRAME_CACHE_SIZE) {
    this.limit = limit;
    this.frames = new Map(); // key -> Promise<frame>
  }

  /** The frame if already decoded, else null (never starts a fetch). */
  peek(key) {
    const entry = this.frames.get(key);
    return entry && entry.frame ? entry.frame : null;
  }

  get(key) {
    let entry = this.frames.get(key);
    if (entry) {
      this.frames.delete(key); // re-insert: most recently used last
      this.frames.set(key, entry);
      return entry.promise;
    }
    entry = { frame: null, promise: null };
    entry.promise = loadFrame(key).then(
      (frame) => (entry.frame = frame),
      (error) => {
        this.frames.delete(key); // let a later request retry
        throw error;
      },
    );
    this.frames.set(key, entry);
    while (this.frames.size > this.limit) this.frames.delete(this.frames.keys().next().value);
    return entry.promise;
  }
}

async function loadFrame(key) {
  const [info, pixels] = await Promise.all([fetchJson(`info?${key}`), decodePng(`mosaic?${key}`)]);
  const decoded = decodeInfo(info);
  if (pixels.width !== decoded.width || pixels.height !== decoded.height) {
    throw new Error(`mosaic ${pixels.width}x${pixels.height} does not match its step info`);
  }
  return { key, info: decoded, pixels: pixels.data, width: pixels.width, height: pixels.height };
}

async function decodePng(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  const bitmap = await createImageBitmap(await response.blob(), {
    colorSpaceConversion: "none",
    premultiplyAlpha: "none",
  });
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const context = canvas.getContext("2d", { willReadFrequently: true });
  context.drawImage(bitmap, 0, 0);
  bitmap.close();
  return context.getImageData(0, 0, canvas.width, canvas.height);
}

/** The last entry of sorted `steps` whose step is <= `step`, or null. */
export function atOrBefore(steps, step) {
  let low = 0;
  let high = steps.length - 1;
  let found = null;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if (steps[middle].step <= step) {
      found = steps[middle];
      low = middle + 1;
    } else {
      high = middle - 1;
    }
  }
  return found;
}

/** Sorted union of the step numbers of several step lists. */
export function unionOfSteps(stepLists) {
  const all = new Set();
  for (const steps of stepLists) for (const entry of steps) all.add(entry.step);
  return [...all].sort((a, b) => a - b);
}

/** Up to `limit` entries spread evenly over `steps`, always with the first and the last. */
export function spread(steps, limit) {
  if (steps.length <= limit) return steps;
  const picked = new Set();
  for (let i = 0; i < limit; i++) picked.add(Math.round((i * (steps.length - 1)) / (limit - 1)));
  return [...picked].sort((a, b) => a - b).map((i) => steps[i]);
}
