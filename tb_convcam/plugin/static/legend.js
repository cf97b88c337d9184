// Which colour is which source: the colour each source's highest value is
// drawn in for the colours chosen (RGB: source i in channel i; Colour-safe:
// the Okabe–Ito colours, added; one source alone: grey), the legend naming
// them in the toolbar, and where sources overlap.
//
// The colour facts (no DOM) are imported by Node in tests/js; renderLegend
// builds the toolbar's legend (names only ever as text).

import { RECOLOUR_PALETTE } from "./pixels.js";
import { el } from "./views.js";

const RGB_CHANNELS = [
  [255, 0, 0],
  [0, 255, 0],
  [0, 0, 255],
];
const WHITE = [255, 255, 255];

/** The source a "sourceN" colour choice shows alone (clamped to the sources there are), else -1. */
export function singleSource(count, colour) {
  if (count === 1) return 0;
  return /^source\d$/.test(colour) ? Math.min(Number(colour.slice(6)), count - 1) : -1;
}

/** Per source, the colour its highest value is drawn in ([r, g, b], black its lowest), null for a source not shown. */
export function sourceColours(count, colour) {
  const single = singleSource(count, colour);
  return Array.from({ length: count }, (_, c) => {
    if (single >= 0) return c === single ? WHITE : null;
    return colour === "recolour" ? RECOLOUR_PALETTE[c] : RGB_CHANNELS[c];
  });
}

/**
 * The legend of a merged layer (none for one source): each source shown with
 * its colour, then where all of them are high at once (their colours added),
 * or, for one source alone, that it is drawn in grey and the others hidden.
 * Entries: {name, rgb, role: "source" | "overlap" | "hidden"}.
 */
export function legendEntries(names, colour) {
  if (names.length < 2) return [];
  const colours = sourceColours(names.length, colour);
  const entries = names.map((name, c) =>
    colours[c] ? { name, rgb: colours[c], role: "source" } : { name, rgb: null, role: "hidden" },
  );
  if (singleSource(names.length, colour) < 0) {
    const sum = [0, 1, 2].map((k) => Math.min(255, colours.reduce((total, rgb) => total + rgb[k], 0)));
    entries.push({ name: names.length === 2 ? "both" : `all ${names.length}`, rgb: sum, role: "overlap" });
  }
  return entries;
}

/** A legend entry's text: the source's name, "(alone, grey)" for one source shown alone, "hidden" for the rest. */
export function entryText(entry, colour) {
  if (entry.role === "hidden") return `${entry.name} hidden`;
  if (entry.role === "source" && singleSource(2, colour) >= 0) return `${entry.name} alone, in grey`;
  return entry.name;
}

export const rgbText = ([r, g, b]) => `rgb(${r}, ${g}, ${b})`;

/** Fill the toolbar's legend for a layer's source names; hidden for one source. */
export function renderLegend(container, names, colour) {
  const entries = legendEntries(names, colour);
  container.closest(".cc-control").hidden = !entries.length;
  const signature = JSON.stringify([names, colour]);
  if (container.dataset.signature === signature) return;
  container.dataset.signature = signature;
  container.replaceChildren(
    ...entries.map((entry) =>
      el("span", { className: `cc-legend-entry cc-legend-${entry.role}`, attrs: { "data-source": entry.name } }, [
        el("span", {
          className: "cc-legend-swatch",
          attrs: entry.rgb ? { style: `background:${rgbText(entry.rgb)}` } : {},
        }),
        el("span", { text: entryText(entry, colour) }),
      ]),
    ),
  );
}
