// Drawing the panels: one per selected run, side by side, each showing that
// run's latest step at or before the chosen one, painted with the chosen
// normalisation and colours at an integer zoom, beside the run's probe image,
// with the health marks when they are on.

import { atOrBefore } from "./model.js";
import { drawScale } from "./colourbar.js";
import { fitZoom } from "./fit.js";
import { outlineKernel } from "./outline.js";
import { drawMarks } from "./overlay.js";
import { bindPointer } from "./pointer.js";
import { showProbe, sizeProbe } from "./probe.js";
import { Room } from "./room.js";
import { MAX_ZOOM, ZOOM_FIT } from "./state.js";
import { buildPanel, runColour } from "./views.js";

export class Panels {
  /** `tab`: the controller (index.js); `tab.data` what is loaded, `tab.drawToken` the current draw. */
  constructor(tab) {
    this.tab = tab;
    this.ui = tab.ui;
    this.data = tab.data;
    this.byRun = new Map(); // run -> panel
    this.zoom = 1; // the zoom the panels are drawn at (Fit resolved)
    this.room = new Room(tab, () => this.all()); // the room each panel has on screen, measured once and kept
  }

  all() {
    return this.byRun.values();
  }

  /** Keep exactly one panel per run, in the runs' order. */
  sync(runs) {
    for (const [run, panel] of this.byRun) {
      if (!runs.includes(run)) {
        panel.root.remove();
        this.room.unobserve(panel);
        this.byRun.delete(run);
      }
    }
    for (const run of runs) {
      if (!this.byRun.has(run)) {
        const panel = buildPanel(run, runColour(this.data.listing.runs, run));
        bindPointer(panel, this.tab);
        this.room.observe(panel);
        this.byRun.set(run, panel);
      }
    }
    this.ui.panels.replaceChildren(...runs.map((run) => this.byRun.get(run).root));
  }

  /** Show `run`'s step at or before `step`; a promise while its frame loads. */
  draw(run, layer, step, view, token) {
    const panel = this.byRun.get(run);
    const series = this.data.series.get(run);
    const note = (text) => {
      panel.note.hidden = !text;
      panel.note.textContent = text || "";
    };
    const nothingToShow = (text) => {
      note(text);
      panel.stepLabel.textContent = "";
      panel.viewport.hidden = true;
      panel.frame = null;
    };
    if (!(run in layer.runs) || !series) return nothingToShow(`This run has no data for layer ${layer.name}.`);
    const entry = step === null ? null : atOrBefore(series.steps, step);
    if (!entry) {
      const first = series.steps.length ? series.steps[0].step : null;
      return nothingToShow(first === null ? "No steps logged yet." : `No step at or before ${step}; this run starts at step ${first}.`);
    }
    const key = this.data.frameKey(entry);
    if (key === null) {
      return nothingToShow(`Step ${entry.step} has no mosaic of the chosen probe image; this run logged ${entry.keys.length}.`);
    }
    note(null);
    panel.compareWith = this.tab.compare.other(run, entry, step); // another frame to compare with (compare.js), or null
    const otherKey = panel.compareWith && panel.compareWith.key;
    panel.viewport.hidden = false;
    showProbe(panel, this.data.hasProbe(run), this.data.image(), () => this.tab.state.zoom === ZOOM_FIT && this.tab.draw());
    panel.stepLabel.textContent = entry.step === step ? `step ${entry.step}` : `step ${entry.step} (nearest ≤ ${step})`;
    panel.root.dataset.step = String(entry.step);
    const show = (frame, other) => {
      if (token !== this.tab.drawToken) return;
      panel.frame = frame;
      panel.otherFrame = other || null;
      this.paint(panel, frame, view);
    };
    const cache = this.data.cache;
    const cached = cache.peek(key);
    const cachedOther = otherKey ? cache.peek(otherKey) : null;
    if (cached && (!otherKey || cachedOther)) return show(cached, cachedOther);
    const other = otherKey ? cache.get(otherKey).catch(() => null) : null;
    return Promise.all([cache.get(key), other]).then(
      ([frame, otherFrame]) => show(frame, otherFrame),
      (error) => token === this.tab.drawToken && note(`Could not load this step: ${error.message}`),
    );
  }

  paint(panel, frame, view) {
    const canvas = panel.canvas;
    if (canvas.width !== frame.width || canvas.height !== frame.height) {
      canvas.width = frame.width;
      canvas.height = frame.height;
    }
    // Painted, compared and arranged there (its buffers are reused while the size holds).
    canvas.getContext("2d").putImageData(this.tab.compare.image(panel, frame, view), 0, 0);
    drawScale(panel, frame, view, this.tab); // before the room is measured: the bar takes some of the panel's height
    const zoom = this.tab.state.zoom;
    const content = this.room.viewport(panel);
    this.zoom = zoom === ZOOM_FIT ? fitZoom(frame, this.widestProbe(), content, MAX_ZOOM) : zoom;
    canvas.style.width = `${frame.width * this.zoom}px`;
    canvas.style.height = `${frame.height * this.zoom}px`;
    sizeProbe(panel, frame.height * this.zoom);
    drawMarks(panel.marks, frame, view.colour, this.tab.state.overlay, panel.arrangement);
    outlineKernel(panel.followBox, frame, this.tab.state.kernel, panel.arrangement);
    this.ui.zoomLabel.textContent = `${this.zoom}×`;
    panel.root.dataset.drawn = `${frame.key}|${view.norm}|${view.colour}`;
  }

  /** The widest width / height of the probe images shown (0: none): every panel leaves that room, so all share one Fit zoom. */
  widestProbe() {
    let widest = 0;
    for (const panel of this.byRun.values()) if (!panel.probe.hidden) widest = Math.max(widest, panel.probeAspect);
    return widest;
  }
}
