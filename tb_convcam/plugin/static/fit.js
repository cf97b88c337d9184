// Fit: the largest integer zoom at which a panel's mosaic, with the probe
// image beside it, fits the room the panel has on screen: its own width (the
// panels share the width, wrapping into rows) and its row's share of the
// height left under the toolbar once the health curves and the filmstrip
// have theirs. The
// arithmetic is here (no DOM; Node tests it); room.js measures the room.

export const PROBE_GAP_PX = 8; // between the probe image and the mosaic (.cc-stage's gap)
export const PROBE_CAPTION_PX = 16; // "probe image" under it (.cc-probe figcaption)
export const MIN_ROW_PX = 120; // a row of panels never gets less, however many rows (the page scrolls)

/**
 * The zoom (an integer in 1..maxZoom) at which a `frame` ({width, height})
 * and a probe image of aspect `probe` (width / height; 0: none) beside it,
 * at the mosaic's height, fit `room` ({width, height}: the viewport's content box).
 */
export function fitZoom(frame, probe, room, maxZoom) {
  const width = room.width - (probe ? PROBE_GAP_PX : 0);
  const height = room.height - (probe ? PROBE_CAPTION_PX : 0);
  const zoom = Math.min(width / (frame.width + probe * frame.height), height / frame.height);
  return Math.max(1, Math.min(maxZoom, Math.floor(zoom)));
}

/**
 * The height of each of `rows` rows of panels, `gap` apart, sharing `height`
 * (whole CSS pixels, at least MIN_ROW_PX).
 */
export function rowHeight(height, rows, gap) {
  const count = Math.max(1, rows);
  return Math.max(MIN_ROW_PX, Math.floor((height - gap * (count - 1)) / count));
}
