// Text chunks in an exported PNG (tb_convcam/plugin/static/pngtext.js): placed after the header,
// well formed (length, type, CRC as zlib computes it), the picture's own chunks untouched.
// (tests/test_tab_export_browser.py reads the tab's exported PNG's text with Pillow.)
//
// Run: node --test tests/js/*.test.mjs

import assert from "node:assert/strict";
import { test } from "node:test";
import { crc32 } from "node:zlib";

import { asciiJson, withText } from "../../tb_convcam/plugin/static/pngtext.js";

/** A PNG's chunks: [{type, data, crcOk}]. */
function chunks(png) {
  const view = new DataView(png.buffer, png.byteOffset);
  const found = [];
  for (let at = 8; at < png.length; ) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(...png.subarray(at + 4, at + 8));
    const data = png.subarray(at + 8, at + 8 + length);
    found.push({ type, data: Buffer.from(data), crcOk: view.getUint32(at + 8 + length) === crc32(png.subarray(at + 4, at + 8 + length)) });
    at += 12 + length;
  }
  return found;
}

// A 1x1 grey PNG.
const PIXEL = Uint8Array.from(Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABSK+kcQAAAABJRU5ErkJggg==", "base64"));

test("text chunks go right after the header, each with its keyword, text and CRC", () => {
  const png = withText(PIXEL, [["Software", "tb_convcam"], ["convcam", asciiJson({ run: "Ωμέγα ✓", step: 3 })]]);
  const found = chunks(png);

  assert.deepEqual(found.map((c) => c.type), ["IHDR", "tEXt", "tEXt", "IDAT", "IEND"]);
  assert.ok(found.every((c) => c.crcOk));
  assert.equal(found[1].data.toString("latin1"), "Software\0tb_convcam");
  const [keyword, text] = found[2].data.toString("latin1").split("\0");
  assert.equal(keyword, "convcam");
  assert.deepEqual(JSON.parse(text), { run: "Ωμέγα ✓", step: 3 }, "non-ASCII names survive as JSON escapes");
  assert.deepEqual(chunks(PIXEL).map((c) => c.data), [found[0], found[3], found[4]].map((c) => c.data));
});

test("a keyword that PNG does not allow is refused", () => {
  assert.throws(() => withText(PIXEL, [["", "x"]]), RangeError);
  assert.throws(() => withText(PIXEL, [["k".repeat(80), "x"]]), RangeError);
});
