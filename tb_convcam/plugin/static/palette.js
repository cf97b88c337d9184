// A GIF frame's palette: at most 256 colours for an RGBA picture.
//
// A picture with at most 256 distinct colours (a greyscale mosaic, one source
// alone, with its grey text and ramps) gets them all: exact. A merged RGB
// mosaic has more, and gets a median cut: colours are binned at 5 bits per
// channel, the bin set is split again and again at the weighted median of its
// widest channel, and each of the (at most 256) boxes becomes the mean colour
// of its pixels. The boxes follow where the picture's colours are (a two-source
// mosaic has no blue, so all 256 colours go to red and green), which a fixed
// palette (3-3-2) cannot do.
//
// No DOM: Node imports this module in tests/js.

const MAX_COLOURS = 256;

/** {palette: r,g,b per entry, indices: one per pixel, exact: whether every colour kept} for RGBA `pixels`. */
export function paletteOf(pixels) {
  return exactPalette(pixels) || medianCut(pixels);
}

function exactPalette(pixels) {
  const byColour = new Map();
  const count = pixels.length >> 2;
  const indices = new Uint8Array(count);
  let last = -1;
  let lastIndex = 0;
  for (let i = 0, o = 0; i < count; i++, o += 4) {
    const colour = (pixels[o] << 16) | (pixels[o + 1] << 8) | pixels[o + 2];
    if (colour !== last) {
      let index = byColour.get(colour);
      if (index === undefined) {
        if (byColour.size === MAX_COLOURS) return null;
        index = byColour.size;
        byColour.set(colour, index);
      }
      last = colour;
      lastIndex = index;
    }
    indices[i] = lastIndex;
  }
  const palette = new Uint8Array(Math.max(1, byColour.size) * 3);
  for (const [colour, index] of byColour) {
    palette[3 * index] = colour >> 16;
    palette[3 * index + 1] = (colour >> 8) & 0xff;
    palette[3 * index + 2] = colour & 0xff;
  }
  return { palette, indices, exact: true };
}

const binOf = (r, g, b) => ((r >> 3) << 10) | ((g >> 3) << 5) | (b >> 3);

function medianCut(pixels) {
  const count = pixels.length >> 2;
  const bins = new Uint32Array(1 << 15);
  const sums = new Float64Array(3 << 15); // exact colour sums per bin, for the boxes' means
  for (let o = 0; o < pixels.length; o += 4) {
    const bin = binOf(pixels[o], pixels[o + 1], pixels[o + 2]);
    bins[bin]++;
    sums[3 * bin] += pixels[o];
    sums[3 * bin + 1] += pixels[o + 1];
    sums[3 * bin + 2] += pixels[o + 2];
  }
  const used = [];
  for (let bin = 0; bin < bins.length; bin++) if (bins[bin]) used.push(bin);
  const boxes = [box(used, bins)];
  while (boxes.length < MAX_COLOURS) {
    // Split the box with the most pixels among those that still span more than one bin.
    let widest = -1;
    for (let i = 0; i < boxes.length; i++) {
      if (boxes[i].bins.length > 1 && (widest < 0 || boxes[i].pixels > boxes[widest].pixels)) widest = i;
    }
    if (widest < 0) break;
    const [low, high] = split(boxes[widest], bins);
    boxes.splice(widest, 1, low, high);
  }
  const palette = new Uint8Array(boxes.length * 3);
  const lookup = new Uint8Array(1 << 15);
  boxes.forEach((b, index) => {
    const mean = [0, 0, 0];
    for (const bin of b.bins) {
      lookup[bin] = index;
      for (let c = 0; c < 3; c++) mean[c] += sums[3 * bin + c];
    }
    for (let c = 0; c < 3; c++) palette[3 * index + c] = Math.round(mean[c] / b.pixels);
  });
  const indices = new Uint8Array(count);
  for (let i = 0, o = 0; i < count; i++, o += 4) indices[i] = lookup[binOf(pixels[o], pixels[o + 1], pixels[o + 2])];
  return { palette, indices, exact: false };
}

/** A box of bins: its pixel count and the channel (0 r, 1 g, 2 b) along which it is widest. */
function box(list, bins) {
  const low = [31, 31, 31];
  const high = [0, 0, 0];
  let pixels = 0;
  for (const bin of list) {
    const channels = [bin >> 10, (bin >> 5) & 31, bin & 31];
    for (let c = 0; c < 3; c++) {
      if (channels[c] < low[c]) low[c] = channels[c];
      if (channels[c] > high[c]) high[c] = channels[c];
    }
    pixels += bins[bin];
  }
  const spans = [0, 1, 2].map((c) => high[c] - low[c]);
  return { bins: list, pixels, channel: spans.indexOf(Math.max(...spans)) };
}

/** Two boxes, split at the weighted median of the box's widest channel (each keeps at least one bin). */
function split({ bins: list, pixels, channel }, bins) {
  const shift = [10, 5, 0][channel];
  const sorted = [...list].sort((a, b) => ((a >> shift) & 31) - ((b >> shift) & 31));
  let seen = 0;
  let cut = 1;
  for (; cut < sorted.length; cut++) {
    seen += bins[sorted[cut - 1]];
    if (seen * 2 >= pixels) break;
  }
  cut = Math.min(cut, sorted.length - 1);
  return [box(sorted.slice(0, cut), bins), box(sorted.slice(cut), bins)];
}
