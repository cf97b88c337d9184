// Under each panel, the picture's scale: for "Whole layer" and "Locked" a
// colour bar per shown source (its lo..hi and the ramp from black to its
// colour, zero ticked on it) with how much of it is clipped; for "Per kernel" a line saying
// there is no single scale. Clipped pixels are marked on the mosaic (a canvas
// over it: magenta above the range, cyan below), which "mark clipped" turns
// off and on for every panel (kept in the URL as clip=0 when off), each
// tile's marks where its tile is drawn (Arrange), a swipe's or flicker's
// marks those of the frame shown there (picture.js). A panel showing a
// difference has neither: its colours are the compare bar's diverging scale.

import { CLIPPED_ABOVE, CLIPPED_BELOW, clippedText, zeroAt } from "./clipping.js";
import { rgbText } from "./legend.js";
import { clipMarks } from "./picture.js";
import { el, formatNumber } from "./views.js";

const PER_KERNEL_TEXT = "Per kernel: each tile is stretched to its own min..max, so there is no single scale (hover a tile for its range).";

/** The scale under `panel` and the clip marks over its mosaic, for `frame` painted with `view`; `tab` is the controller. */
export function drawScale(panel, frame, view, tab) {
  const on = tab.state.clip;
  const marks = clipMarks(frame, panel.otherFrame, view, tab.compare.how(), panel.shown, panel.buffers);
  panel.clipPair = on && marks.image ? marks.pair : null; // a swipe's or flicker's marks, put together again as it moves (compare.js)
  drawMarks(panel.clip, frame, on ? marks.image : null);
  panel.scale.hidden = Boolean(panel.difference);
  const rows = marks.rows;
  const clipped = Boolean(rows && rows.some((row) => row.above || row.below));
  if (panel.difference) return;
  if (!rows) {
    panel.scale.replaceChildren(el("div", { className: "cc-scale-none", text: PER_KERNEL_TEXT, attrs: { title: PER_KERNEL_TEXT } }));
    return;
  }
  const merged = frame.info.sources.length > 1;
  const toggle = el("input", {
    attrs: { type: "checkbox" },
    on: {
      change: () => {
        tab.state.clip = toggle.checked;
        tab.draw();
      },
    },
  });
  toggle.checked = on;
  panel.scale.replaceChildren(
    ...rows.map((row) =>
      el(
        "div",
        {
          className: "cc-scale-row",
          attrs: {
            "data-source": row.name,
            "data-lo": row.lo,
            "data-hi": row.hi,
            "data-above": row.above,
            "data-below": row.below,
            "data-pixels": row.pixels,
          },
        },
        [
          merged && el("span", { className: "cc-scale-name", text: row.name, attrs: { title: row.name } }),
          el("span", { className: "cc-scale-lo", text: formatNumber(row.lo) }),
          ramp(row),
          el("span", { className: "cc-scale-hi", text: formatNumber(row.hi) }),
          el("span", { className: clipped ? "cc-scale-clipped cc-has-clipped" : "cc-scale-clipped", text: clippedText(row) }),
        ],
      ),
    ),
    (clipped || view.norm === "locked") &&
      el("label", { className: "cc-clip-toggle", attrs: { title: "Mark the pixels outside the scale on the mosaic" } }, [
        toggle,
        el("span", { text: "mark clipped" }),
        el("span", { className: "cc-clip-swatch", attrs: { style: `background:${rgbText(CLIPPED_ABOVE)}` } }),
        el("span", { text: "above max" }),
        el("span", { className: "cc-clip-swatch", attrs: { style: `background:${rgbText(CLIPPED_BELOW)}` } }),
        el("span", { text: "below min" }),
      ]),
  );
}

/** The ramp from black (lo) to the source's colour (hi), with a tick where zero is when the range crosses it. */
function ramp(row) {
  const zero = zeroAt(row);
  return el("span", { className: "cc-ramp", attrs: { style: `background:linear-gradient(to right, #000, ${rgbText(row.rgb)})` } }, [
    zero !== null && el("span", { className: "cc-ramp-zero", attrs: { style: `left:${(100 * zero).toFixed(2)}%`, title: "0" } }),
  ]);
}

/** The clip marks canvas over the mosaic: `image` (picture.js's clip marks), hidden without. */
function drawMarks(canvas, frame, image) {
  canvas.hidden = !image;
  if (!image) return;
  if (canvas.width !== frame.width || canvas.height !== frame.height) {
    canvas.width = frame.width;
    canvas.height = frame.height;
  }
  canvas.getContext("2d").putImageData(image, 0, 0);
}
