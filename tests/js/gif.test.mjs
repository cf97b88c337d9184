// The animated GIF writer (tb_convcam/plugin/static/gif.js) and its palettes (palette.js):
// files read back with a GIF reader written here from the specification, independent of the writer.
// (tests/test_tab_export_browser.py decodes the tab's downloaded GIF with Pillow as well.)
//
// Run: node --test tests/js/*.test.mjs

import assert from "node:assert/strict";
import { test } from "node:test";

import { GifWriter, lzw } from "../../tb_convcam/plugin/static/gif.js";
import { paletteOf } from "../../tb_convcam/plugin/static/palette.js";

/** Read a GIF: {width, height, loops, frames: [{delay, palette, indices}]}. */
function readGif(bytes) {
  const text = (start, length) => String.fromCharCode(...bytes.subarray(start, start + length));
  const word = (at) => bytes[at] | (bytes[at + 1] << 8);
  assert.equal(text(0, 6), "GIF89a");
  const gif = { width: word(6), height: word(8), loops: false, frames: [] };
  let at = 13;
  assert.equal(bytes[10] & 0x80, 0, "no global colour table");
  let delay = null;
  const blocks = () => {
    const parts = [];
    while (bytes[at] !== 0) {
      parts.push(bytes.subarray(at + 1, at + 1 + bytes[at]));
      at += 1 + bytes[at];
    }
    at++;
    return Uint8Array.from(parts.flatMap((part) => [...part]));
  };
  for (;;) {
    const kind = bytes[at++];
    if (kind === 0x3b) break;
    if (kind === 0x21) {
      const label = bytes[at++];
      if (label === 0xf9) delay = word(at + 2);
      if (label === 0xff) gif.loops = text(at + 1, bytes[at]) === "NETSCAPE2.0";
      blocks();
    } else if (kind === 0x2c) {
      const [width, height, flags] = [word(at + 4), word(at + 6), bytes[at + 8]];
      at += 9;
      const size = 2 << (flags & 7);
      const palette = bytes.slice(at, at + 3 * size);
      at += 3 * size;
      const minCodeSize = bytes[at++];
      gif.frames.push({ width, height, delay, palette, indices: unlzw(blocks(), minCodeSize, width * height) });
    } else {
      throw new Error(`unexpected block 0x${kind.toString(16)} at ${at - 1}`);
    }
  }
  return gif;
}

/** LZW decoding as the specification describes it (the reader side). */
function unlzw(data, minCodeSize, pixelCount) {
  const clear = 1 << minCodeSize;
  const end = clear + 1;
  let dictionary;
  let codeSize;
  const reset = () => {
    dictionary = Array.from({ length: clear + 2 }, (_, i) => (i < clear ? [i] : null));
    codeSize = minCodeSize + 1;
  };
  reset();
  const out = [];
  let position = 0;
  let previous = null;
  for (;;) {
    let code = 0;
    for (let bit = 0; bit < codeSize; bit++, position++) {
      if (position >> 3 >= data.length) throw new Error("data ended before the end code");
      code |= ((data[position >> 3] >> (position & 7)) & 1) << bit;
    }
    if (code === clear) {
      reset();
      previous = null;
      continue;
    }
    if (code === end) break;
    let entry;
    if (code < dictionary.length) entry = dictionary[code];
    else if (code === dictionary.length && previous) entry = [...previous, previous[0]];
    else throw new Error(`bad code ${code}`);
    out.push(...entry);
    if (previous && dictionary.length < 4096) dictionary.push([...previous, entry[0]]);
    if (dictionary.length === 1 << codeSize && codeSize < 12) codeSize++;
    previous = entry;
  }
  assert.equal(out.length, pixelCount, "decoded pixel count");
  return Uint8Array.from(out);
}

function noise(length, levels, seed = 1) {
  let state = seed;
  return Uint8Array.from({ length }, () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return (state >>> 16) % levels;
  });
}

test("LZW round-trips runs, noise and pictures long enough to fill the code table many times", () => {
  const cases = [
    [new Uint8Array(0), 2],
    [Uint8Array.of(0), 2],
    [new Uint8Array(5000), 2],
    [noise(7, 4), 2],
    [noise(100000, 256), 8], // incompressible: many clear codes at 12 bits
    [noise(100000, 3), 2],
    [Uint8Array.from({ length: 60000 }, (_, i) => (i >> 6) & 255), 8],
  ];
  for (const [indices, minCodeSize] of cases) {
    assert.deepEqual(unlzw(lzw(indices, minCodeSize), minCodeSize, indices.length), indices);
  }
});

test("an animation has one frame per added frame, its size, delays, palettes and pixels, and loops", () => {
  const writer = new GifWriter(5, 3);
  const greys = Uint8Array.from({ length: 256 * 3 }, (_, i) => Math.floor(i / 3));
  const first = Uint8Array.from({ length: 15 }, (_, i) => i * 17);
  const second = Uint8Array.from({ length: 15 }, (_, i) => i % 3);
  writer.addFrame(first, greys, 20);
  writer.addFrame(second, Uint8Array.of(0, 0, 0, 255, 0, 255, 9, 9, 9), 100);
  const gif = readGif(writer.finish());

  assert.equal(gif.width, 5);
  assert.equal(gif.height, 3);
  assert.equal(gif.loops, true);
  assert.deepEqual(gif.frames.map((f) => [f.width, f.height, f.delay]), [[5, 3, 20], [5, 3, 100]]);
  assert.deepEqual(gif.frames[0].indices, first);
  assert.deepEqual(gif.frames[1].indices, second);
  assert.deepEqual([...gif.frames[1].palette.slice(0, 9)], [0, 0, 0, 255, 0, 255, 9, 9, 9]);
  assert.equal(gif.frames[1].palette.length, 4 * 3, "a 3-colour palette is stored as 4 entries");
});

test("a frame of the wrong size, a palette of more than 256 colours or an index past the palette is refused", () => {
  const writer = new GifWriter(2, 2);
  assert.throws(() => writer.addFrame(new Uint8Array(3), Uint8Array.of(0, 0, 0), 10), RangeError);
  assert.throws(() => writer.addFrame(new Uint8Array(4), new Uint8Array(257 * 3), 10), RangeError);
  assert.throws(() => writer.addFrame(Uint8Array.of(0, 1, 2, 3), Uint8Array.of(0, 0, 0, 9, 9, 9), 10), RangeError);
  assert.throws(() => new GifWriter(0, 5), RangeError);
});

function rgba(colours) {
  return Uint8ClampedArray.from(colours.flatMap(([r, g, b]) => [r, g, b, 255]));
}

function decoded({ palette, indices }) {
  return Array.from(indices, (i) => [palette[3 * i], palette[3 * i + 1], palette[3 * i + 2]]);
}

test("a picture of at most 256 colours keeps every colour exactly", () => {
  const greys = Array.from({ length: 256 }, (_, i) => [i, i, i]).reverse();
  const picture = [...greys, ...greys, [7, 7, 7]];
  const result = paletteOf(rgba(picture));

  assert.equal(result.exact, true);
  assert.equal(result.palette.length, 256 * 3);
  assert.deepEqual(decoded(result), picture);
});

test("a picture of more colours gets 256 that follow its colours, each pixel near its own", () => {
  // A two-source RGB mosaic: red and green vary, blue is always 0.
  const picture = [];
  for (let r = 0; r < 256; r += 3) for (let g = 0; g < 256; g += 5) picture.push([r, g, 0]);
  const result = paletteOf(rgba(picture));
  const shown = decoded(result);

  assert.equal(result.exact, false);
  assert.ok(result.palette.length / 3 <= 256);
  const errors = picture.map((colour, i) => Math.max(...colour.map((v, c) => Math.abs(v - shown[i][c]))));
  assert.ok(Math.max(...errors) <= 24, `worst channel error ${Math.max(...errors)}`);
  assert.ok(shown.every(([, , b]) => b === 0), "no palette entry wasted on blue");
});
