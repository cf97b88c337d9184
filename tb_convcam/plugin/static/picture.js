// What a panel shows of a frame: painted (pixels.js), compared with another
// frame (diff.js: the difference in diverging colours, a swipe, a flicker)
// and its tiles arranged (arrange.js), and the clip marks over it
// (clipping.js). One home for that picture: the panels (compare.js,
// colourbar.js) and the exported PNG and GIF frames (snapshot.js) all take it
// from here, so an export is exactly what is shown.
//
// No DOM but ImageData (made only when a picture is asked for).

import { arrangement, rearrange, viewedSource } from "./arrange.js";
import { paintClipMask, scaleOf } from "./clipping.js";
import { difference, paintDifference, swipe } from "./diff.js";
import { paint } from "./pixels.js";

/**
 * The picture of `frame` painted with `view` (its `order` arranges the tiles),
 * compared with `other` (a decoded frame of the same layout, or null) as `how`
 * says: {show ("difference", "swipe", "flicker"), gain, split (the swipe's
 * divider, a fraction of the width), showingOther (the flicker's phase)}.
 * Returns {image (an ImageData of the frame's size), arranged (arrange.js's,
 * null in index order), values (the difference per pixel in slot positions,
 * or null), pair ({own, other} pictures of a swipe or flicker, or null)}.
 * `buffers`: ImageData reused between calls while the size holds (a panel's;
 * a fresh {} for a picture of its own).
 */
export function picture(frame, other, view, how, buffers) {
  const arranged = arrangement(frame.info, view.order);
  const painted = (name, source) => paint(source, buffer(buffers, name, frame), view);
  const shown = { arranged, values: null, pair: null };
  if (!other) return { ...shown, image: place(buffers, "own", painted("painted", frame), frame.info, arranged) };
  if (how.show === "difference") {
    const values = difference(frame, other, viewedSource(view.colour, frame.info.sources.length), view);
    const image = buffer(buffers, "painted", frame);
    paintDifference(values, image.data, 1 / how.gain);
    return { ...shown, values, image: place(buffers, "own", image, frame.info, arranged) };
  }
  const pair = {
    own: place(buffers, "own", painted("painted", frame), frame.info, arranged),
    other: place(buffers, "other", painted("otherPainted", other), other.info, arrangement(other.info, view.order)),
  };
  return { ...shown, pair, image: composed(pair, how, buffers) };
}

/**
 * The scale and clip marks of `shown` (picture()'s answer for `frame`, `other`, `view`, `how`):
 * {rows (clipping.js's scale of `frame`; null under "Per kernel"), image (the marks, an ImageData
 * of the frame's size where the tiles are drawn; null when nothing shown is clipped), pair (a
 * swipe's or flicker's marks of each frame, put together as their pictures are; or null)}.
 * A difference has neither scale nor marks: its colours are not the grey scale's.
 */
export function clipMarks(frame, other, view, how, shown, buffers) {
  // Per kernel nothing clips and there is no scale: no mask, no clearing of a frame-sized buffer on every scrub.
  if (shown.values || view.norm === "kernel") return { rows: null, image: null, pair: null };
  const marks = (source, arranged, name) => {
    const mask = new Uint8Array(source.width * source.height);
    const rows = scaleOf(source, view, mask);
    const clipped = Boolean(rows && rows.some((row) => row.above || row.below));
    const image = buffer(buffers, name, frame);
    if (clipped) paintClipMask(mask, image.data, source.info, arranged);
    else image.data.fill(0);
    return { rows, clipped, image };
  };
  const own = marks(frame, shown.arranged, "clip");
  if (!shown.pair) return { rows: own.rows, image: own.clipped ? own.image : null, pair: null };
  const theirs = marks(other, arrangement(other.info, view.order), "otherClip");
  const pair = { own: own.image, other: theirs.image };
  return { rows: own.rows, image: own.clipped || theirs.clipped ? composed(pair, how, buffers, "clipSwiped") : null, pair };
}

/** A swipe's or flicker's picture from its two pictures (`pair`), as `how` says. */
export function composed(pair, how, buffers, name = "swiped") {
  if (how.show === "flicker") return how.showingOther ? pair.other : pair.own;
  const { own, other } = pair;
  const out = buffer(buffers, name, own);
  swipe(own.data, other.data, out.data, own.width, swipeColumn(how.split, own.width));
  return out;
}

/** The first column of a swipe's right side. */
export function swipeColumn(split, width) {
  return Math.max(0, Math.min(width, Math.round(split * width)));
}

/** A reusable ImageData of `like`'s size in `buffers`, by name. */
function buffer(buffers, name, like) {
  const image = buffers[name];
  if (image && image.width === like.width && image.height === like.height) return image;
  return (buffers[name] = new ImageData(like.width, like.height));
}

/** `image` with its tiles moved to their positions (itself when in index order). */
function place(buffers, name, image, info, arranged) {
  if (!arranged) return image;
  const out = buffer(buffers, `${name}Arranged`, image);
  rearrange(image.data, out.data, info, arranged);
  return out;
}
