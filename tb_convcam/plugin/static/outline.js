// Outlines on the mosaics: the hovered kernel, in every run's panel at once,
// and the kernel the filmstrip follows, which stays outlined after the
// pointer leaves. A box over the mosaic placed in percent of its size, so it
// sits on the tile at every zoom without being placed again.

import { positionOfSlot } from "./arrange.js";
import { tileBox } from "./stepinfo.js";

/**
 * Put `box` around `kernel`'s tile in `frame`, where `arranged` (arrange.js; null: index order) draws it;
 * hidden when none (no frame, no kernel, or a kernel this frame does not show).
 */
export function outlineKernel(box, frame, kernel, arranged = null) {
  const slot = frame && kernel !== null ? frame.info.kernels.indexOf(kernel) : -1;
  box.hidden = slot < 0;
  if (slot < 0) return;
  const tile = tileBox(frame.info, positionOfSlot(arranged, slot));
  const percent = (value, whole) => `${(100 * value) / whole}%`;
  Object.assign(box.style, {
    left: `calc(${percent(tile.x, frame.width)} - 1px)`,
    top: `calc(${percent(tile.y, frame.height)} - 1px)`,
    width: `calc(${percent(tile.width, frame.width)} + 2px)`,
    height: `calc(${percent(tile.height, frame.height)} + 2px)`,
  });
}
