// Which probe image every panel shows, when runs logged a mosaic for several
// (a logger's `batch_index=[2, 0]`): the choices the selected runs offer, the
// one shown, and the "Probe image" control, hidden when there is one image.
// Everything that shows a step (mosaic, probe image, hover stats, overlay,
// filmstrip, the locked reference) takes the shown image's key, so it all
// follows the choice together (TabData.frameKey in loading.js).
//
// probeChoices and shownImage need no DOM: Node tests them (tests/js).

import { renderSegmented } from "./views.js";

/**
 * The probe images offered by the latest steps of `layer` in `runs`, as the
 * control's [value, label, title] options (value: the image's position in a
 * step, as text). Labelled "item <batch index>", the probe batch item shown,
 * when the runs agree on every image's; else by position from 1. Fewer than
 * two: nothing to choose.
 */
export function probeChoices(layer, runs) {
  const entries = layer ? runs.map((run) => layer.runs[run]).filter(Boolean) : [];
  const count = Math.max(0, ...entries.map((entry) => entry.images || 0));
  const items = Array.from({ length: count }, (_, image) => agreedItem(entries, image));
  const byItem = items.every(Number.isInteger) && new Set(items).size === count;
  return items.map((item, image) => [
    String(image),
    byItem ? `item ${item}` : String(image + 1),
    `Probe image ${image + 1} of ${count}` + (byItem ? `: item ${item} of the probe batch` : ""),
  ]);
}

/** The batch index the entries that logged image `image` agree on, else null. */
function agreedItem(entries, image) {
  const items = new Set(
    entries.filter((entry) => image < (entry.images || 0)).map((entry) => entry.layout?.batch_indices?.[image] ?? null),
  );
  return items.size === 1 ? [...items][0] : null;
}

/** The image shown: the chosen one while the runs offer it, else the first (the chosen one stays in the URL). */
export function shownImage(chosen, choices) {
  return chosen < choices.length ? chosen : 0;
}

export class ProbeChoice {
  /** `tab`: the controller (index.js); `tab.data` what is loaded, `tab.draw()` redraws. */
  constructor(tab) {
    this.tab = tab;
    this.container = tab.ui.probeChoice;
  }

  render() {
    const data = this.tab.data;
    const choices = probeChoices(data.layer(), data.selectedRuns());
    this.container.closest(".cc-control").hidden = choices.length < 2;
    if (choices.length < 2) return;
    renderSegmented(this.container, choices, String(shownImage(this.tab.state.image, choices)), (value) => {
      this.tab.state.image = Number(value);
      this.tab.draw();
    });
  }
}
