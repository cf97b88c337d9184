// An animated GIF89a writer: the file format every browser plays and GitHub
// issues and slides accept. Frames come as palette indices (palette.js makes
// them); each frame carries its own (local) colour table, so frames are
// encoded one by one as they are drawn and nothing but the output is kept.
//
// Written from the GIF89a specification: logical screen without a global
// colour table, the NETSCAPE2.0 extension to loop, and per frame a graphic
// control extension (delay), an image descriptor with a local colour table,
// and LZW-compressed indices in sub-blocks of at most 255 bytes.
//
// No DOM: Node imports this module in tests/js.

const MAX_CODES = 4096; // LZW codes are at most 12 bits

/** Bytes appended to a growing buffer. */
class ByteSink {
  constructor(capacity = 1 << 16) {
    this.bytes = new Uint8Array(capacity);
    this.length = 0;
  }

  byte(value) {
    if (this.length === this.bytes.length) this.grow(1);
    this.bytes[this.length++] = value;
  }

  word(value) {
    this.byte(value & 0xff);
    this.byte((value >> 8) & 0xff);
  }

  ascii(text) {
    for (let i = 0; i < text.length; i++) this.byte(text.charCodeAt(i));
  }

  array(values) {
    if (this.length + values.length > this.bytes.length) this.grow(values.length);
    this.bytes.set(values, this.length);
    this.length += values.length;
  }

  grow(extra) {
    const bigger = new Uint8Array(Math.max(this.bytes.length * 2, this.length + extra));
    bigger.set(this.bytes.subarray(0, this.length));
    this.bytes = bigger;
  }

  result() {
    return this.bytes.slice(0, this.length);
  }
}

export class GifWriter {
  /** A looping animation of `width` × `height` pixels (each at most 65535). */
  constructor(width, height) {
    if (!(width >= 1 && height >= 1 && width <= 0xffff && height <= 0xffff)) throw new RangeError(`GIF size ${width}x${height}`);
    this.width = width;
    this.height = height;
    this.frames = 0;
    this.out = new ByteSink();
    const out = this.out;
    out.ascii("GIF89a");
    out.word(width);
    out.word(height);
    out.byte(0x70); // no global colour table; 8 bits of colour resolution
    out.byte(0); // background colour index
    out.byte(0); // no aspect ratio
    out.array([0x21, 0xff, 0x0b]); // application extension: loop forever
    out.ascii("NETSCAPE2.0");
    out.array([0x03, 0x01, 0x00, 0x00, 0x00]);
  }

  /**
   * Add a full-size frame: `indices` (one palette index per pixel, rows top
   * down), `palette` (r, g, b per entry, at most 256 entries), shown for
   * `delayCs` hundredths of a second.
   */
  addFrame(indices, palette, delayCs) {
    const colours = palette.length / 3;
    if (indices.length !== this.width * this.height) throw new RangeError("frame size differs from the GIF's");
    if (!(colours >= 1 && colours <= 256 && Number.isInteger(colours))) throw new RangeError(`palette of ${colours} colours`);
    let highest = 0;
    for (let i = 0; i < indices.length; i++) if (indices[i] > highest) highest = indices[i];
    if (highest >= colours) throw new RangeError(`index ${highest} past a palette of ${colours} colours`);
    const bits = Math.max(1, Math.ceil(Math.log2(colours))); // the table holds 2^bits entries
    const out = this.out;
    out.array([0x21, 0xf9, 0x04, 0x04]); // graphic control: disposal 1 (leave in place), no transparency
    out.word(Math.max(0, Math.min(0xffff, Math.round(delayCs))));
    out.array([0x00, 0x00]);
    out.byte(0x2c); // image descriptor
    out.word(0);
    out.word(0);
    out.word(this.width);
    out.word(this.height);
    out.byte(0x80 | (bits - 1)); // local colour table of 2^bits entries, not interlaced
    const table = new Uint8Array(3 << bits);
    table.set(palette);
    out.array(table);
    const minCodeSize = Math.max(2, bits);
    out.byte(minCodeSize);
    writeSubBlocks(out, lzw(indices, minCodeSize));
    this.frames++;
  }

  /** The whole file (the trailer appended); the writer is done after this. */
  finish() {
    this.out.byte(0x3b);
    return this.out.result();
  }
}

/**
 * Variable-length LZW, as GIF uses it: codes start at minCodeSize + 1 bits,
 * grow as the table fills, a clear code restarts the table when 4096 codes
 * are in use; codes are packed least significant bit first.
 */
export function lzw(indices, minCodeSize) {
  const clear = 1 << minCodeSize;
  const end = clear + 1;
  // The table: code of (prefix code, next index), -1 where none; prefix < 4096, index < 256.
  const table = new Int16Array(MAX_CODES * 256).fill(-1);
  const out = new ByteSink(Math.max(1024, indices.length >> 1));
  let codeSize = minCodeSize + 1;
  let nextCode = end + 1;
  let bitBuffer = 0;
  let bitCount = 0;
  const emit = (code) => {
    bitBuffer |= code << bitCount;
    bitCount += codeSize;
    while (bitCount >= 8) {
      out.byte(bitBuffer & 0xff);
      bitBuffer >>>= 8;
      bitCount -= 8;
    }
  };
  emit(clear);
  if (!indices.length) {
    emit(end);
    if (bitCount > 0) out.byte(bitBuffer & 0xff);
    return out.result();
  }
  let prefix = indices[0];
  for (let i = 1; i < indices.length; i++) {
    const index = indices[i];
    const key = prefix * 256 + index;
    const known = table[key];
    if (known >= 0) {
      prefix = known;
      continue;
    }
    emit(prefix);
    if (nextCode === MAX_CODES) {
      // Table full: restart it. The decoder reads this clear code at the current (12-bit) size.
      emit(clear);
      table.fill(-1);
      codeSize = minCodeSize + 1;
      nextCode = end + 1;
    } else {
      // The decoder adds this code one step later, so it widens its codes when nextCode passes 2^size.
      if (nextCode >= 1 << codeSize) codeSize++;
      table[key] = nextCode++;
    }
    prefix = index;
  }
  emit(prefix);
  emit(end);
  if (bitCount > 0) out.byte(bitBuffer & 0xff);
  return out.result();
}

/** Data as sub-blocks of at most 255 bytes, each after its length, then the empty block. */
function writeSubBlocks(out, data) {
  for (let start = 0; start < data.length; start += 255) {
    const block = data.subarray(start, Math.min(data.length, start + 255));
    out.byte(block.length);
    out.array(block);
  }
  out.byte(0);
}
