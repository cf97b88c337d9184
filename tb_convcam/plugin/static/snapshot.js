// The view drawn as one picture, for export (export.js): a band naming the
// layer, the normalisation (and the locked reference), the colours, the zoom,
// the step, and the tiles' arrangement and the comparison when on; then each
// run's column, side by side as in the panels: its name and step, its probe
// image and mosaic exactly as the panel shows them (picture.js: painted,
// compared, arranged) at the panels' integer zoom, the dead / dormant and
// clip marks where the tiles are drawn, and its colour bar (the diverging
// one of a difference); then the legend of a merged layer. The same layout
// serves every frame of an animation, so frames keep one size.

import { positionOfSlot } from "./arrange.js";
import { CLIPPED_ABOVE, CLIPPED_BELOW, clippedText, zeroAt } from "./clipping.js";
import { DIVERGING_STOPS } from "./diff.js";
import { tileMarks } from "./kernelhealth.js";
import { entryText, legendEntries, rgbText } from "./legend.js";
import { clipMarks, picture } from "./picture.js";
import { tileBox } from "./stepinfo.js";
import { formatNumber } from "./views.js";

const PAD = 16;
const BAND = 44; // title and view lines
const BAND_LINE = 18; // a band line more: the arrangement, the comparison
const CAPTION = 24; // run name and step over each column
const FRAME_PAD = 8; // the dark surround of a picture, as the panels' viewport
const PROBE_GAP = 8;
const LINE = 17;
const COLUMN_GAP = 16;
const MIN_COLUMN = 300;
const RAMP_WIDTH = 140;
const FONT = 'Roboto, "Helvetica Neue", Arial, sans-serif';
const NORM_TEXT = { kernel: "Per kernel", layer: "Whole layer", locked: "Locked" };
const PER_KERNEL_TEXT = "Per kernel: each tile to its own min..max";
const MARK_COLOURS = { dead: "#e53935", dormant: "#ffc107" };

/**
 * The picture's geometry for `columns` ({frameWidth, frameHeight,
 * probeAspect (0: none), sources (scale rows)}) at `zoom`: {width, height,
 * columns: [{x, width, mosaic: {x, y, width, height}, probe: {...} | null,
 * scaleY}], footerY}.
 */
export function snapshotLayout(columns, { zoom, footerLines, bandLines = 2, minWidth = 0 }) {
  const band = BAND + (bandLines - 2) * BAND_LINE;
  let x = PAD;
  let tallest = 0;
  const placed = columns.map((column) => {
    const height = column.frameHeight * zoom;
    const probeWidth = column.probeAspect ? Math.round(height * column.probeAspect) : 0;
    const pictureWidth = column.frameWidth * zoom + (probeWidth ? probeWidth + PROBE_GAP : 0) + 2 * FRAME_PAD;
    const width = Math.max(MIN_COLUMN, pictureWidth);
    const top = PAD + band + CAPTION;
    const left = x + Math.floor((width - pictureWidth) / 2) + FRAME_PAD;
    const probe = probeWidth ? { x: left, y: top + FRAME_PAD, width: probeWidth, height } : null;
    const mosaic = { x: left + (probeWidth ? probeWidth + PROBE_GAP : 0), y: top + FRAME_PAD, width: column.frameWidth * zoom, height };
    const picture = { x: left - FRAME_PAD, y: top, width: pictureWidth, height: height + 2 * FRAME_PAD };
    const scaleY = picture.y + picture.height + 6;
    const bottom = scaleY + column.sources * 2 * LINE;
    tallest = Math.max(tallest, bottom);
    const placedColumn = { x, width, picture, probe, mosaic, scaleY };
    x += width + COLUMN_GAP;
    return placedColumn;
  });
  const footerY = tallest + 8;
  return { width: Math.max(x - COLUMN_GAP + PAD, minWidth), height: footerY + footerLines * LINE + PAD, columns: placed, footerY, band };
}

/**
 * Draw the view into `context` (a 2D context of a canvas sized to `layout`).
 * `shown`: per column {run, colour (CSS), label, frame | null, note, probe (a loaded <img>) | null,
 * other (the frame it is compared with, of the same layout) | null, compared (what the caption says of the comparison)};
 * `options`: {layer, sources (names), view (with its `order`), reference ({run, step} | null), probeLabel
 * (which probe image, when runs logged several), arranged (the band's text on the order) | null,
 * compare ({how (picture.js), text (the band's), scale ({low, high, unit}: the difference's)}) | null,
 * step, zoom, overlay, clip, theme}.
 */
export function drawSnapshot(context, layout, shown, options) {
  const theme = options.theme;
  context.fillStyle = theme.surface;
  context.fillRect(0, 0, layout.width, layout.height);
  context.textBaseline = "alphabetic";
  drawBand(context, layout, options);
  const clipped = shown.map((column, i) => drawColumn(context, layout, layout.columns[i], column, options));
  drawFooter(context, layout, options, clipped.includes(true));
}

function text(context, value, x, y, { size = 12, weight = 400, colour, maxWidth } = {}) {
  context.font = `${weight} ${size}px ${FONT}`;
  context.fillStyle = colour;
  let shown = String(value);
  if (maxWidth && context.measureText(shown).width > maxWidth) {
    while (shown.length > 1 && context.measureText(`${shown}…`).width > maxWidth) shown = shown.slice(0, -1);
    shown += "…";
  }
  context.fillText(shown, x, y);
  return context.measureText(shown).width;
}

function drawBand(context, layout, { layer, view, reference, probeLabel, arranged, compare, step, zoom, sources, theme }) {
  const width = layout.width - 2 * PAD;
  const stepText = step === null ? "" : `step ${step}`;
  context.font = `500 16px ${FONT}`;
  const stepWidth = context.measureText(stepText).width;
  text(context, stepText, layout.width - PAD - stepWidth, PAD + 15, { size: 16, weight: 500, colour: theme.text });
  text(context, `Convcam · ${layer}`, PAD, PAD + 15, { size: 15, weight: 500, colour: theme.text, maxWidth: width - stepWidth - 16 });
  let normalisation = NORM_TEXT[view.norm];
  if (view.norm === "locked" && reference) normalisation += ` to ${reference.run} at step ${reference.step}`;
  const parts = [`Normalise: ${normalisation}`];
  if (sources.length > 1) parts.push(`Colours: ${colourText(view.colour, sources)}`);
  if (probeLabel) parts.push(`probe image ${probeLabel}`);
  parts.push(`zoom ${zoom}×`);
  text(context, parts.join(" · "), PAD, PAD + 35, { colour: theme.muted, maxWidth: width });
  [arranged, compare && compare.text].filter(Boolean).forEach((line, i) => {
    text(context, line, PAD, PAD + 35 + (i + 1) * BAND_LINE, { colour: theme.muted, maxWidth: width });
  });
}

/** Lines the band needs: a line more for the arrangement, another for the comparison. */
export function bandLines({ arranged, compare }) {
  return 2 + (arranged ? 1 : 0) + (compare ? 1 : 0);
}

/** The width the picture needs so that the arrangement's and the comparison's lines show whole (one narrow column would cut them). */
export function bandWidth({ arranged, compare }) {
  const context = new OffscreenCanvas(1, 1).getContext("2d");
  context.font = `400 12px ${FONT}`;
  const widths = [arranged, compare && compare.text].filter(Boolean).map((line) => context.measureText(line).width);
  return widths.length ? Math.ceil(Math.max(...widths)) + 2 * PAD + 1 : 0;
}

function colourText(colour, sources) {
  if (colour === "recolour") return "Colour-safe";
  if (/^source\d$/.test(colour)) return `${sources[Math.min(Number(colour.slice(6)), sources.length - 1)]} alone`;
  return "RGB";
}

/** One run's column; returns whether it marked clipped pixels. */
function drawColumn(context, layout, place, column, options) {
  const { theme, view, zoom } = options;
  const captionY = PAD + layout.band + 16;
  context.fillStyle = column.colour;
  context.fillRect(place.x, captionY - 10, 10, 10);
  const name = { size: 13, weight: 500, colour: theme.text, maxWidth: place.width - 180 };
  const nameWidth = text(context, column.run, place.x + 16, captionY, name);
  const label = [column.label, column.compared].filter(Boolean).join(" ");
  text(context, label, place.x + 16 + nameWidth + 10, captionY, { colour: theme.muted, maxWidth: place.width - nameWidth - 30 });
  context.fillStyle = theme.canvas;
  const surround = place.picture;
  context.fillRect(surround.x, surround.y, surround.width, surround.height);
  const frame = column.frame;
  if (!frame) {
    text(context, column.note, surround.x + 12, surround.y + surround.height / 2, { colour: "#bdbdbd", maxWidth: surround.width - 24 });
    return false;
  }
  context.imageSmoothingEnabled = false; // integer zoom, nearest pixel: as the panels' pixelated canvas
  if (column.probe && place.probe) {
    const p = place.probe;
    context.drawImage(column.probe, p.x, p.y, p.width, p.height);
  }
  const m = place.mosaic;
  const how = column.other ? options.compare.how : {};
  const buffers = {};
  const shown = picture(frame, column.other, view, how, buffers);
  const marks = clipMarks(frame, column.other, view, how, shown, buffers);
  const clipped = Boolean(options.clip && marks.image);
  drawPixels(context, frame, shown.image, m);
  if (clipped) drawPixels(context, frame, marks.image, m);
  if (options.overlay) drawHealthMarks(context, frame, view.colour, m, zoom, shown.arranged);
  if (shown.values) drawDifferenceScale(context, place, options.compare.scale, theme); // the grey bar does not apply
  else drawScaleRows(context, place, marks.rows, frame.info.sources.length > 1, theme);
  return clipped;
}

/** Draw `image` (an ImageData of the frame's size) scaled into box `m`. */
function drawPixels(context, frame, image, m) {
  const scratch = new OffscreenCanvas(frame.width, frame.height);
  scratch.getContext("2d").putImageData(image, 0, 0);
  context.drawImage(scratch, m.x, m.y, m.width, m.height);
}

/** The dead / dormant marks, each where its tile is drawn (`arranged`: arrange.js). */
function drawHealthMarks(context, frame, colour, m, zoom, arranged) {
  tileMarks(frame.info, colour).forEach((mark, slot) => {
    if (!mark) return;
    const box = tileBox(frame.info, positionOfSlot(arranged, slot));
    const [x, y, w, h] = [m.x + box.x * zoom + 1, m.y + box.y * zoom + 1, box.width * zoom - 2, box.height * zoom - 2];
    context.strokeStyle = MARK_COLOURS[mark];
    context.lineWidth = 2;
    context.setLineDash(mark === "dormant" ? [4, 3] : []);
    context.strokeRect(x, y, w, h);
    if (mark === "dead") {
      context.beginPath();
      context.moveTo(x, y);
      context.lineTo(x + w, y + h);
      context.moveTo(x + w, y);
      context.lineTo(x, y + h);
      context.stroke();
    }
    context.setLineDash([]);
  });
}

function drawScaleRows(context, place, rows, merged, theme) {
  let y = place.scaleY + 12;
  if (!rows) {
    text(context, PER_KERNEL_TEXT, place.x, y, { colour: theme.muted, maxWidth: place.width });
    return;
  }
  for (const row of rows) {
    let x = place.x;
    if (merged) x += text(context, row.name, x, y, { colour: theme.text, maxWidth: 110 }) + 8;
    x += text(context, formatNumber(row.lo), x, y, { colour: theme.text }) + 6;
    const gradient = context.createLinearGradient(x, 0, x + RAMP_WIDTH, 0);
    gradient.addColorStop(0, "#000");
    gradient.addColorStop(1, rgbText(row.rgb));
    context.fillStyle = gradient;
    context.fillRect(x, y - 10, RAMP_WIDTH, 10);
    const zero = zeroAt(row);
    if (zero !== null) {
      context.fillStyle = theme.accent;
      context.fillRect(x + Math.round(zero * RAMP_WIDTH) - 1, y - 12, 2, 14);
    }
    x += RAMP_WIDTH + 6;
    text(context, formatNumber(row.hi), x, y, { colour: theme.text });
    text(context, clippedText(row), place.x, y + LINE, { colour: theme.muted, maxWidth: place.width });
    y += 2 * LINE;
  }
}

/** The difference's bar: full blue at `low`, white at 0, full red at `high`, in `unit`. */
function drawDifferenceScale(context, place, { low, high, unit }, theme) {
  const y = place.scaleY + 12;
  let x = place.x + text(context, low, place.x, y, { colour: theme.text }) + 6;
  const gradient = context.createLinearGradient(x, 0, x + RAMP_WIDTH, 0);
  for (const [t, rgb] of DIVERGING_STOPS) gradient.addColorStop((t + 1) / 2, rgbText(rgb));
  context.fillStyle = gradient;
  context.fillRect(x, y - 10, RAMP_WIDTH, 10);
  x += RAMP_WIDTH + 6;
  text(context, high, x, y, { colour: theme.text });
  text(context, unit, place.x, y + LINE, { colour: theme.muted, maxWidth: place.width });
}

/** Footer lines a view needs: the legend of a merged layer, the marks' key when marks can show. */
export function footerLines({ sources, overlay, clip, view }) {
  return (sources.length > 1 ? 1 : 0) + (overlay || (clip && view.norm !== "kernel") ? 1 : 0);
}

function drawFooter(context, layout, { sources, view, overlay, theme }, clipped) {
  let y = layout.footerY + 12;
  const entries = legendEntries(sources, view.colour);
  if (entries.length) {
    let x = PAD + text(context, "Legend", PAD, y, { colour: theme.muted }) + 10;
    for (const entry of entries) {
      x = swatch(context, x, y, entry.rgb && rgbText(entry.rgb), entryText(entry, view.colour), theme);
    }
    y += LINE;
  }
  if (!overlay && !clipped) return;
  let x = PAD;
  if (clipped) {
    x = swatch(context, x, y, rgbText(CLIPPED_ABOVE), "clipped above max", theme);
    x = swatch(context, x, y, rgbText(CLIPPED_BELOW), "clipped below min", theme);
  }
  if (overlay) {
    x = swatch(context, x, y, MARK_COLOURS.dead, "dead kernel", theme);
    swatch(context, x, y, MARK_COLOURS.dormant, "dormant kernel", theme);
  }
}

/** A colour square and its label at (x, baseline y); returns where the next one starts. */
function swatch(context, x, y, colour, label, theme) {
  if (colour) {
    context.fillStyle = colour;
    context.fillRect(x, y - 10, 11, 11);
  } else {
    context.strokeStyle = theme.muted;
    context.lineWidth = 1;
    context.strokeRect(x + 0.5, y - 9.5, 10, 10);
  }
  return x + 16 + text(context, label, x + 16, y, { colour: theme.text }) + 14;
}
