// The Convcam tab. TensorBoard imports this module in an iframe and calls render().
//
// Flow: /layers lists runs and layers; picking a layer loads each selected
// run's /steps (and /health, where logged); one scrubber runs over the union
// of those steps and every run shows its latest step at or before the chosen
// one, beside its /probe image. Mosaics are decoded once (FrameCache),
// neighbours are prefetched, and all re-normalisation and colouring happens
// on a canvas from the stored per-kernel stats.
//
// This module only wires the parts together; each job has its own module
// under static/ (docs/PLUGIN.md lists them):
//   loading.js    what is loaded and chosen: listing, steps, health, reference, prefetch
//   controls.js   sidebar (runs, layers) and toolbar (normalise, colours, zoom, overlay)
//   runfilter.js  the run list's natural order, regex filter, All / None and count
//   probechoice.js which probe image every panel shows, when runs logged several
//   scrubber.js   step slider, play, step keys
//   panels.js     drawing each run's panel
//   probe.js      the probe image beside a panel's mosaic
//   overlay.js    dead and dormant kernels marked on a mosaic
//   arrangecontrol.js the tiles' order (arrange.js) and the step it is taken from
//   compare.js    each panel against another run or its baseline: difference (diff.js), swipe, flicker
//   picture.js    what a panel shows of a frame (painted, compared, arranged, clip marks): panels and export alike
//   pointer.js    hover, drag to pan, click on a panel
//   fit.js        the zoom that fits a panel's room
//   room.js       the room each panel has on screen, measured from the page and kept while its layout holds
//   outline.js    the hovered and the followed kernel outlined on every panel
//   curves.js     the layer's health metrics over steps
//   filmstrip.js  one kernel across steps
//   legend.js, colourbar.js, clipping.js  which colour is which source; the scale and clipped pixels
//   export.js     the view as a PNG, a step range as a GIF (snapshot.js, gif.js, palette.js, pngtext.js)
//   host.js       inside TensorBoard: reloads, dark mode, its URL, keys pressed in its page
//   state.js      the view state and keeping it in the URL
//   views.js      DOM building
//   model.js, stepinfo.js, kernelhealth.js, pixels.js: fetching and caching, the step-info
//   format, which kernels are dead or dormant, painting

import { ArrangeControl } from "./static/arrangecontrol.js";
import { Compare } from "./static/compare.js";
import { Controls } from "./static/controls.js";
import { HealthCurves } from "./static/curves.js";
import { Exporter } from "./static/export.js";
import { Filmstrip } from "./static/filmstrip.js";
import { followDarkMode, followHostKeys, followReloads } from "./static/host.js";
import { TabData } from "./static/loading.js";
import { Panels } from "./static/panels.js";
import { ProbeChoice } from "./static/probechoice.js";
import { Scrubber } from "./static/scrubber.js";
import { formatState, parseState, readUrlState, writeUrlState } from "./static/state.js";
import { buildSkeleton, renderEmptyState, renderMessage } from "./static/views.js";

export async function render() {
  const link = document.createElement("link");
  link.rel = "stylesheet";
  link.href = "static/style.css";
  document.head.append(link);
  document.title = "Convcam";
  new ConvcamTab(document.body).start();
}

/** The controller: holds the parts, loads, and redraws everything after each change. */
class ConvcamTab {
  constructor(root) {
    this.ui = buildSkeleton(root);
    this.state = parseState(readUrlState()); // mutated in place by the parts, never replaced
    this.data = new TabData(this.state);
    this.drawToken = 0; // a draw's frames paint only while it is the latest
    this.controls = new Controls(this);
    this.probeChoice = new ProbeChoice(this);
    this.scrubber = new Scrubber(this);
    this.panels = new Panels(this);
    this.filmstrip = new Filmstrip(this);
    this.curves = new HealthCurves(this);
    this.arrange = new ArrangeControl(this);
    this.compare = new Compare(this);
    this.exporter = new Exporter(this);
  }

  start() {
    this.controls.bind();
    this.scrubber.bind();
    this.filmstrip.bind();
    this.exporter.bind();
    this.controls.render();
    this.probeChoice.render();
    followReloads(() => this.refresh());
    followDarkMode();
    followHostKeys();
    this.refresh();
  }

  async refresh() {
    try {
      await this.data.loadListing();
    } catch (error) {
      renderMessage(this.ui.message, "Could not reach the Convcam plugin", String(error.message || error));
      return;
    }
    this.controls.renderSidebar();
    await this.loadSeries();
  }

  async loadSeries() {
    // Else a newer load (other layer or runs) draws; the health curves draw again when they arrive.
    if (await this.data.loadSeries(() => this.draw())) this.draw();
  }

  /** Bring every visible part in line with the state, then save the state in the URL. */
  draw() {
    writeUrlState(formatState(this.state));
    this.controls.render();
    this.probeChoice.render();
    this.scrubber.render();
    this.arrange.render();
    this.compare.render(null);
    this.exporter.render();
    const token = ++this.drawToken;
    const layer = this.data.layer();
    const runs = this.data.selectedRuns();
    renderEmptyState(this.ui.message, { hasData: this.data.listing.layers.length > 0, hasRuns: runs.length > 0 });
    this.panels.sync(layer ? runs : []);
    const step = this.data.currentStep();
    this.curves.draw(layer, runs, step); // first: it sets the room the panels fit in
    if (!layer) return;
    const reference = this.state.norm === "locked" ? this.data.reference() : null;
    const ready = reference ? this.data.cache.get(reference.key).then((f) => f.info.sources, () => null) : Promise.resolve(null);
    Promise.all([ready, this.arrange.order()]).then(([referenceSources, order]) => {
      if (token !== this.drawToken) return;
      const view = { norm: this.state.norm, colour: this.state.colour, references: referenceSources, order };
      this.arrange.render(); // its reference step is loaded now: echo and change are offered or not
      this.compare.render(view);
      this.filmstrip.draw(layer, runs, view, token); // first, like the curves: it takes room from the panels
      const shown = runs.map((run) => this.panels.draw(run, layer, step, view, token));
      // Neighbours only once the shown frames are in: they must not queue ahead of them.
      Promise.allSettled(shown).then(() => token === this.drawToken && this.data.prefetch(runs, step));
    });
  }
}
