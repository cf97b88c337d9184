// The kernel health overlay: dead and dormant kernels marked on their tiles.
// An SVG over the canvas whose viewBox is the mosaic's pixels, so a mark sits
// on its tile at every zoom; strokes keep their screen width.

import { positionOfSlot } from "./arrange.js";
import { tileMarks } from "./kernelhealth.js";
import { tileBox } from "./stepinfo.js";
import { svgEl } from "./views.js";

/**
 * Mark `frame`'s dead and dormant tiles on `svg` when `on`, each where its tile is drawn
 * (`arranged`: arrange.js); redrawn only when frame, colours, order or `on` change.
 */
export function drawMarks(svg, frame, colour, on, arranged = null) {
  const key = on ? `${frame.key}|${colour}|${arranged ? arranged.slotAt.join(",") : ""}` : "";
  if (svg.dataset.key === key) return;
  svg.dataset.key = key;
  if (!on) {
    svg.replaceChildren();
    return;
  }
  svg.setAttribute("viewBox", `0 0 ${frame.width} ${frame.height}`);
  const marks = tileMarks(frame.info, colour);
  svg.replaceChildren(
    ...marks.flatMap((mark, slot) =>
      mark ? [markTile(tileBox(frame.info, positionOfSlot(arranged, slot)), mark, frame.info.kernels[slot])] : [],
    ),
  );
}

/** Dead: a red box crossed out. Dormant: an amber dashed box. */
function markTile({ x, y, width, height }, mark, kernel) {
  const shape = { "vector-effect": "non-scaling-stroke" };
  const children = [svgEl("rect", { x, y, width, height, ...shape })];
  if (mark === "dead") {
    children.push(svgEl("path", { d: `M${x} ${y}L${x + width} ${y + height}M${x + width} ${y}L${x} ${y + height}`, ...shape }));
  }
  return svgEl("g", { class: `cc-mark cc-mark-${mark}`, "data-kernel": kernel }, children);
}
