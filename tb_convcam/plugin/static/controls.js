// The controls around the panels: the sidebar (run filter, All / None, run
// checkboxes, layer list and its filter) and the toolbar's normalisation, colours, reference bar,
// zoom and health overlay toggle. Each changes the view state and asks the
// controller to redraw.

import { renderLegend } from "./legend.js";
import { filterRuns, runCount, tickShown } from "./runfilter.js";
import { MAX_ZOOM, ZOOM_FIT, formatState, writeUrlState } from "./state.js";
import { renderLayers, renderReference, renderRuns, renderSegmented } from "./views.js";

const NORMALISE_OPTIONS = [
  ["kernel", "Per kernel", "Stretch each kernel to its own min..max"],
  ["layer", "Whole layer", "One min..max for the whole layer at this step"],
  ["locked", "Locked", "One scale for every run and step: the reference step's layer range"],
];

export class Controls {
  /** `tab`: the controller (index.js); `tab.data` what is loaded, `tab.draw()` redraws. */
  constructor(tab) {
    this.tab = tab;
    this.ui = tab.ui;
    this.data = tab.data;
    this.state = tab.state;
  }

  bind() {
    const ui = this.ui;
    ui.filter.addEventListener("input", () => this.renderSidebar());
    ui.runFilter.value = this.state.runFilter;
    ui.runFilter.addEventListener("input", () => {
      this.state.runFilter = ui.runFilter.value;
      this.renderSidebar();
      writeUrlState(formatState(this.state)); // nothing to redraw: the panels follow the ticks, not the filter
    });
    ui.runsAll.addEventListener("click", () => this.tickShownRuns(true));
    ui.runsNone.addEventListener("click", () => this.tickShownRuns(false));
    ui.zoomIn.addEventListener("click", () => this.setZoom(Math.min(MAX_ZOOM, this.tab.panels.zoom + 1)));
    ui.zoomOut.addEventListener("click", () => this.setZoom(Math.max(1, this.tab.panels.zoom - 1)));
    ui.zoomFit.addEventListener("click", () => this.setZoom(ZOOM_FIT));
    ui.overlay.addEventListener("click", () => {
      this.state.overlay = !this.state.overlay;
      this.tab.draw();
    });
  }

  setZoom(zoom) {
    this.state.zoom = zoom;
    this.tab.draw();
  }

  pickLayer(name) {
    if (name === this.state.layer) return;
    this.state.layer = name;
    this.state.kernel = null;
    this.renderSidebar();
    this.tab.loadSeries();
  }

  toggleRun(run, on) {
    const runs = new Set(this.state.runs);
    if (on) runs.add(run);
    else runs.delete(run);
    this.state.runs = this.data.listing.runs.filter((name) => runs.has(name));
    this.tab.loadSeries();
  }

  /** "All" / "None": tick or untick every run the filter shows; hidden runs keep their ticks. */
  tickShownRuns(on) {
    const runs = this.data.listing.runs;
    this.state.runs = tickShown(runs, this.state.runs, filterRuns(runs, this.state.runFilter).shown, on);
    this.renderSidebar();
    this.tab.loadSeries();
  }

  /** Normalisation, colours (merged layers only), the overlay toggle and the reference bar. */
  render() {
    this.ui.overlay.classList.toggle("cc-selected", this.state.overlay);
    this.ui.overlay.setAttribute("aria-pressed", String(this.state.overlay));
    this.ui.overlayLegend.hidden = !this.state.overlay;
    renderSegmented(this.ui.norm, NORMALISE_OPTIONS, this.state.norm, (norm) => {
      this.state.norm = norm;
      this.tab.draw();
    });
    const layer = this.data.layer();
    const sources = layer ? layer.sources : [];
    const colourControl = this.ui.colour.closest(".cc-control");
    colourControl.hidden = sources.length < 2;
    if (sources.length >= 2) {
      const options = [["rgb", "RGB", "Source i in channel i (red, green, blue)"]];
      const labels = sourceLabels(sources.map((source) => source.name));
      sources.forEach((source, i) => options.push([`source${i}`, labels[i], `Only ${source.name}`]));
      options.push(["recolour", "Colour-safe", "Orange / sky blue / green (Okabe–Ito), safe for colour-blind viewers"]);
      renderSegmented(this.ui.colour, options, this.state.colour, (colour) => {
        this.state.colour = colour;
        this.tab.draw();
      });
    }
    renderLegend(this.ui.legend, sources.map((source) => source.name), this.state.colour);
    this.renderReference();
  }

  renderReference() {
    if (this.state.norm !== "locked") {
      this.ui.reference.hidden = true;
      return;
    }
    this.ui.reference.hidden = false;
    renderReference(this.ui.reference, this.data.reference(), {
      onLockShown: () => {
        this.data.lockToShownStep();
        this.tab.draw();
      },
      onBaseline: () => {
        Object.assign(this.state, { refRun: null, refStep: null });
        this.tab.draw();
      },
    });
  }

  renderSidebar() {
    const runs = this.data.listing.runs;
    const { shown, error } = filterRuns(runs, this.state.runFilter);
    renderRuns(this.ui.runs, runs, this.state.runs, (run, on) => this.toggleRun(run, on), shown);
    this.ui.runCount.textContent = runCount(shown.length, runs.length);
    this.ui.runFilterNote.textContent = error || "";
    this.ui.runFilterNote.hidden = !error;
    this.ui.runFilter.classList.toggle("cc-invalid", Boolean(error));
    this.ui.runsAll.disabled = this.ui.runsNone.disabled = !shown.length;
    renderLayers(this.ui.layers, this.data.listing.layers, {
      filter: this.ui.filter.value,
      selected: this.state.layer,
      runs: this.state.runs,
      onPick: (name) => this.pickLayer(name),
    });
  }
}

/** Last path components of source names, or the full names where those collide. */
function sourceLabels(names) {
  const short = names.map((name) => String(name).split("/").pop() || String(name));
  return new Set(short).size === short.length ? short : names.map(String);
}
