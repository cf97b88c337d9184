// Fetching and caching: the plugin routes, decoded mosaics, step lookups.
//
// URLs are relative: TensorBoard's plugin page sets <base href="plugin/convcam/">.

import { decodeInfo } from "./stepinfo.js";

// Decoded RGBA pixels kept for instant scrubbing: 256 MB is 64 frames of a
// 1 Mpx mosaic (the writer's default pixel budget), hundreds of small ones.
const FRAME_CACHE_BYTES = 256 * 1024 * 1024;

async function fetchJson(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response.json();
}

/** {runs: [...], probe_runs: [...], layers: [{name, path, sources, runs: {run: {max_step, images, layout, health}}}]} */
export function fetchLayers() {
  return fetchJson("layers");
}

/** {run, layer, baseline_step, steps: [{step, wall_time, key, keys}]}: `keys`, one per probe image the step shows (`key` is the first). */
export function fetchSteps(run, layer) {
  const query = new URLSearchParams({ run, layer });
  return fetchJson(`steps?${query}`);
}

/** {run, layer, metrics: [...], sources: [{name, metrics: {metric: [[step, value or null], ...]}}]} */
export function fetchHealth(run, layer) {
  const query = new URLSearchParams({ run, layer });
  return fetchJson(`health?${query}`);
}

/** The URL of a run's probe image number `image` (a PNG); the first's has no `image`, as before. */
export function probeUrl(run, image) {
  return `probe?${new URLSearchParams(image ? { run, image } : { run })}`;
}

/**
 * Decoded mosaics by key, most recently used kept: {info, pixels, width, height}.
 * Holding decoded pixels (not PNG bytes) is what makes scrubbing instant.
 */
export class FrameCache {
  constructor(budget = FRAME_CACHE_BYTES) {
    this.budget = budget;
    this.bytes = 0;
    this.entries = new Map(); // key -> {frame, promise, bytes}, least recently used first
  }

  /** The frame if already decoded, else null (never starts a fetch). */
  peek(key) {
    const entry = this.entries.get(key);
    return entry && entry.frame ? entry.frame : null;
  }

  get(key) {
    let entry = this.entries.get(key);
    if (entry) {
      this.entries.delete(key); // re-insert: most recently used last
      this.entries.set(key, entry);
      return entry.promise;
    }
    entry = { frame: null, promise: null, bytes: 0 };
    entry.promise = loadFrame(key).then(
      (frame) => {
        if (this.entries.get(key) === entry) {
          entry.frame = frame;
          entry.bytes = frame.pixels.byteLength;
          this.bytes += entry.bytes;
          this.evict(key);
        }
        return frame;
      },
      (error) => {
        if (this.entries.get(key) === entry) this.entries.delete(key); // let a later request retry
        throw error;
      },
    );
    this.entries.set(key, entry);
    return entry.promise;
  }

  /** Drop least recently used frames until within budget, never `keep`. */
  evict(keep) {
    for (const [key, entry] of this.entries) {
      if (this.bytes <= this.budget) break;
      if (key === keep || !entry.frame) continue;
      this.entries.delete(key);
      this.bytes -= entry.bytes;
    }
  }
}

async function loadFrame(key) {
  // One request per step (not info + mosaic): [4-byte big-endian info length][info JSON][PNG].
  const response = await fetch(`frame?${key}`);
  if (!response.ok) throw new Error(`frame?${key}: HTTP ${response.status}`);
  const bytes = await response.arrayBuffer();
  const infoLength = new DataView(bytes).getUint32(0);
  const info = JSON.parse(new TextDecoder().decode(new Uint8Array(bytes, 4, infoLength)));
  const pixels = await decodePng(new Blob([new Uint8Array(bytes, 4 + infoLength)], { type: "image/png" }));
  const decoded = decodeInfo(info);
  if (pixels.width !== decoded.width || pixels.height !== decoded.height) {
    throw new Error(`mosaic ${pixels.width}x${pixels.height} does not match its step info`);
  }
  return { key, info: decoded, pixels: pixels.data, width: pixels.width, height: pixels.height };
}

async function decodePng(blob) {
  const bitmap = await createImageBitmap(blob, {
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
