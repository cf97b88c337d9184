// What the tab has loaded and what it chooses to show: the listing of runs
// and layers, the selected runs' steps and health metrics for the selected
// layer, the decoded frames, the probe image shown, and the reference step of
// "locked" normalisation.

import { FrameCache, atOrBefore, fetchHealth, fetchLayers, fetchSteps, unionOfSteps } from "./model.js";
import { probeChoices, shownImage } from "./probechoice.js";
import { naturalSort } from "./runfilter.js";

const PREFETCH_RADIUS = 3;

export class TabData {
  constructor(state) {
    this.state = state; // the view state (state.js), shared with the rest of the tab
    this.listing = { runs: [], probe_runs: [], layers: [] };
    this.series = new Map(); // run -> /steps answer for the selected layer
    this.health = new Map(); // run -> /health answer for the selected layer, for runs that logged it
    this.steps = []; // union of the selected runs' steps
    this.cache = new FrameCache();
    this.seriesToken = 0;
  }

  /** Fetch the listing and pick a layer and runs when the state names none that exist. */
  async loadListing() {
    const listing = await fetchLayers();
    this.listing = { ...listing, runs: naturalSort(listing.runs) }; // every list, panel and colour in this order
    this.chooseDefaults();
  }

  chooseDefaults() {
    const names = this.listing.layers.map((layer) => layer.name);
    if (!names.includes(this.state.layer)) this.state.layer = names[0] || null;
    const layer = this.layer();
    if (!this.selectedRuns().length && layer) {  // nothing chosen, or only runs that do not exist
      this.state.runs = this.listing.runs.filter((run) => run in layer.runs).slice(0, 4);
    }
  }

  layer() {
    return this.listing.layers.find((layer) => layer.name === this.state.layer) || null;
  }

  selectedRuns() {
    return this.listing.runs.filter((run) => this.state.runs.includes(run));
  }

  hasProbe(run) {
    return this.listing.probe_runs.includes(run);
  }

  /** The probe image the panels show (its position in a step). */
  image() {
    return shownImage(this.state.image, probeChoices(this.layer(), this.selectedRuns()));
  }

  /** A step entry's key (for /frame) of the shown probe image; null when that step has no such image. */
  frameKey(entry) {
    return entry.keys[this.image()] ?? null;
  }

  /**
   * Load each selected run's steps, and its health alongside: the mosaics do not wait for the
   * health scalars (reading a sweep's scalars can take longer than the first paint), and
   * `onHealth` runs when they arrive. Until then the health of this layer loaded before stays.
   * False when a newer load (other layer or runs) took over.
   */
  async loadSeries(onHealth) {
    const token = ++this.seriesToken;
    const layer = this.layer();
    const runs = layer ? this.selectedRuns().filter((run) => run in layer.runs) : [];
    const logged = runs.filter((run) => layer.runs[run].health);
    const health = Promise.all(logged.map((run) => fetchHealth(run, layer.name).catch(() => null)));
    const answers = await Promise.all(
      runs.map((run) => fetchSteps(run, layer.name).catch(() => ({ run, steps: [], baseline_step: null }))),
    );
    if (token !== this.seriesToken) return false;
    this.series = new Map(answers.map((answer) => [answer.run, answer]));
    this.steps = unionOfSteps(answers.map((answer) => answer.steps));
    const kept = [...this.health].filter(([run, answer]) => logged.includes(run) && answer.layer === layer.name);
    this.health = new Map(kept);
    health.then((loaded) => {
      if (token !== this.seriesToken) return;
      this.health = new Map(loaded.filter(Boolean).map((answer) => [answer.run, answer]));
      onHealth();
    });
    return true;
  }

  /** The chosen step: the state's, or the latest when following. */
  currentStep() {
    if (!this.steps.length) return null;
    if (this.state.step === null) return this.steps[this.steps.length - 1];
    return this.state.step;
  }

  /** The reference for "locked": the chosen run and step, else the first run's baseline. */
  reference() {
    const run = this.series.has(this.state.refRun) ? this.state.refRun : this.selectedRuns().find((r) => this.series.has(r));
    const series = run && this.series.get(run);
    if (!series || !series.steps.length) return null;
    const step = run === this.state.refRun && this.state.refStep !== null ? this.state.refStep : series.baseline_step;
    const entry = series.steps.find((s) => s.step === step) || series.steps[0];
    const key = this.frameKey(entry);
    return key && { run, step: entry.step, key };
  }

  /** Lock the reference to the step the first shown run shows now. */
  lockToShownStep() {
    const run = this.selectedRuns().find((name) => this.series.has(name));
    const entry = run && atOrBefore(this.series.get(run).steps, this.currentStep());
    if (entry) Object.assign(this.state, { refRun: run, refStep: entry.step });
  }

  /** Warm the cache with the PREFETCH_RADIUS steps on each side of `step`. */
  prefetch(runs, step) {
    if (step === null) return;
    const index = this.steps.indexOf(step);
    for (let offset = 1; offset <= PREFETCH_RADIUS; offset++) {
      for (const neighbour of [this.steps[index + offset], this.steps[index - offset]]) {
        if (neighbour === undefined) continue;
        for (const run of runs) {
          const series = this.series.get(run);
          const entry = series && atOrBefore(series.steps, neighbour);
          const key = entry && this.frameKey(entry);
          if (key) this.cache.get(key).catch(() => {});
        }
      }
    }
  }
}
