// Text inside an exported PNG: what the picture shows (layer, runs, steps,
// normalisation, the view's URL state), as tEXt chunks any PNG reader lists
// (Pillow: `Image.open(f).text`), so a picture attached to an issue still says
// where it came from.
//
// No DOM: Node imports this module in tests/js.

const SIGNATURE_LENGTH = 8;
const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes) {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = CRC_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** Latin-1 bytes (tEXt's encoding); other characters become "?", so keep values ASCII (JSON escapes the rest). */
function latin1(text) {
  return Uint8Array.from(text, (ch) => (ch.charCodeAt(0) < 256 ? ch.charCodeAt(0) : 63));
}

function textChunk(keyword, value) {
  if (!/^[\x20-\x7e]{1,79}$/.test(keyword)) throw new RangeError(`PNG keyword ${keyword}`);
  const data = new Uint8Array([...latin1(keyword), 0, ...latin1(value)]);
  const chunk = new Uint8Array(12 + data.length);
  const view = new DataView(chunk.buffer);
  view.setUint32(0, data.length);
  chunk.set(latin1("tEXt"), 4);
  chunk.set(data, 8);
  view.setUint32(8 + data.length, crc32(chunk.subarray(4, 8 + data.length)));
  return chunk;
}

/** `png` (bytes of a PNG file) with a tEXt chunk per [keyword, value] of `entries` right after its header chunk. */
export function withText(png, entries) {
  const headerEnd = SIGNATURE_LENGTH + 12 + new DataView(png.buffer, png.byteOffset).getUint32(SIGNATURE_LENGTH);
  const chunks = entries.map(([keyword, value]) => textChunk(keyword, value));
  const out = new Uint8Array(png.length + chunks.reduce((n, chunk) => n + chunk.length, 0));
  out.set(png.subarray(0, headerEnd));
  let at = headerEnd;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  out.set(png.subarray(headerEnd), at);
  return out;
}

/** JSON with every non-ASCII character escaped, so it survives tEXt's Latin-1 intact. */
export function asciiJson(value) {
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
