// Comparing: every panel against another run at the same step (each run's
// step at or before it, as the panels show) or against its own baseline step,
// shown as a difference (diff.js: blue below, white equal, red above), a
// swipe (a divider dragged across the mosaic: the panel's run on its left,
// the other frame on its right) or a flicker (the two in turn). The picture
// itself, painted, compared and arranged, is picture.js's; this module keeps
// on the panel what hover and overlay need of it (the true kernels, the difference).

import { viewedSource } from "./arrange.js";
import { DIVERGING_STOPS, kernelDifference, sameLayout } from "./diff.js";
import { atOrBefore } from "./model.js";
import { composed, picture, swipeColumn } from "./picture.js";
import { DIFF_GAINS, formatState, writeUrlState } from "./state.js";
import { el, formatNumber, renderSegmented } from "./views.js";

const COMPARE_OPTIONS = [
  ["", "Off", "Each panel shows its run"],
  ["run", "Run", "Each panel against one run at the same step"],
  ["baseline", "Baseline", "Each panel against its run's baseline step"],
];
const SHOW_OPTIONS = [
  ["difference", "Difference", "This panel − the other: blue lower, white equal, red higher"],
  ["swipe", "Swipe", "Drag the divider: this panel's run on the left, the other on the right"],
  ["flicker", "Flicker", "The two in turn"],
];
const FLICKER_MS = 600;

export class Compare {
  /** `tab`: the controller (index.js); `tab.data` what is loaded, `tab.panels` the panels, `tab.draw()` redraws. */
  constructor(tab) {
    this.tab = tab;
    this.ui = tab.ui;
    this.data = tab.data;
    this.state = tab.state;
    this.showingOther = false; // the flicker's phase
    this.timer = null;
    this.view = null; // the last drawn view (its locked reference sets the colour bar's scale)
  }

  /** The run every panel is compared with under "run": the chosen one while shown, else the first shown. */
  otherRun() {
    const runs = this.data.selectedRuns().filter((run) => this.data.series.has(run));
    return runs.includes(this.state.diffRun) ? this.state.diffRun : runs[0] || null;
  }

  /**
   * What the panel of `run` showing `entry` (at chosen step `step`) is compared with:
   * {key, label} of the other frame, {why} when there is none, null when comparing is off.
   */
  other(run, entry, step) {
    const { data, state } = this;
    if (!state.diff) return null;
    const image = (found, label) => {
      const key = data.frameKey(found);
      return key ? { key, label } : { why: `${label} has no mosaic of this probe image` };
    };
    if (state.diff === "baseline") {
      const series = data.series.get(run);
      const found = series.steps.find((s) => s.step === series.baseline_step) || series.steps[0];
      return image(found, `baseline, step ${found.step}`);
    }
    const other = this.otherRun();
    const series = other && data.series.get(other);
    const found = series && atOrBefore(series.steps, step);
    if (!found) return { why: `${other} has no step at or before ${step}` };
    return image(found, `${other}, step ${found.step}`);
  }

  /**
   * The comparison as an exported picture tells it (null when off): {against ("run" or "baseline"),
   * run (the other run), show, gain, split, how (picture.js), text (the band's line), scale (the difference's)}.
   */
  describe(view, sources) {
    const { diff: against, diffShow: show, diffGain: gain } = this.state;
    if (!against) return null;
    const run = against === "run" ? this.otherRun() : null;
    const other = run ? `${run} at the same step` : "its run's baseline step";
    const scale = differenceScale(this.state.norm, view, viewedSource(view.colour, sources.length), gain);
    const source = sources.length > 1 ? ` of ${sources[viewedSource(view.colour, sources.length)]}` : "";
    const texts = {
      difference: `Difference${source}: each run − ${other}, gain ×${gain} (its scale under each run)`,
      swipe: `Swipe: each run left of the divider (${Math.round(100 * this.state.diffSplit)} % across), ${other} right of it`,
      flicker: `Flicker with ${other}: here each run's own frame`,
    };
    return { against, run, show, gain, split: this.state.diffSplit, how: { ...this.how(), showingOther: false }, text: texts[show], scale };
  }

  /** What an exported column's caption says of its comparison (`what`: other(); `whyNot` when it is not compared). */
  static caption(show, what, whyNot) {
    if (!what) return "";
    if (whyNot) return `· not compared: ${whyNot}`;
    return { difference: `− ${what.label}`, swipe: `◀ | ${what.label} ▶`, flicker: `(flickers with ${what.label})` }[show];
  }

  /**
   * The picture `panel` shows of `frame` (compared with `panel.otherFrame` when
   * that is set; picture.js): an ImageData of the frame's size, its tiles in
   * `view.order`. Also sets `panel.arrangement`, `panel.difference`, `panel.pair`
   * and the panel's compare label.
   */
  image(panel, frame, view) {
    const other = panel.otherFrame;
    const what = panel.compareWith;
    const comparing = other && sameLayout(frame.info, other.info);
    const unlike = other ? "its kernels are tiled differently" : `${what?.label} could not be loaded`;
    this.label(panel, what, comparing ? null : what?.why || unlike);
    panel.buffers ??= {};
    const shown = picture(frame, comparing ? other : null, view, this.how(), panel.buffers);
    panel.shown = shown; // its clip marks are drawn next (colourbar.js, picture.js)
    panel.arrangement = shown.arranged;
    panel.pair = shown.pair;
    const source = viewedSource(view.colour, frame.info.sources.length);
    const unit = unitOf(this.state.norm, view, source);
    panel.difference = shown.values && { values: shown.values, info: frame.info, label: what.label, ...unit };
    panel.root.dataset.order = view.order ? Array.from(shown.arranged.slotAt, (slot) => frame.info.kernels[slot]).join(",") : "";
    panel.root.dataset.compared = comparing ? `${this.state.diffShow}|${other.key}` : "";
    if (panel.pair) this.placeHandle(panel);
    return shown.image;
  }

  /** How the panels compare now (picture.js's `how`). */
  how() {
    const { diffShow: show, diffGain: gain } = this.state;
    return { show, gain, split: this.state.diffSplit, showingOther: this.showingOther };
  }

  /** The flicker's phase on the panel's label; the swipe's divider over its canvas. */
  placeHandle(panel) {
    panel.compareLabel.classList.toggle("cc-showing-other", this.state.diffShow === "flicker" && this.showingOther);
    const width = panel.pair.own.width;
    panel.swipeHandle.style.left = `${(100 * swipeColumn(this.state.diffSplit, width)) / width}%`;
  }

  /** Put the swipe or flicker pictures on every panel again (the divider moved, the flicker turned). */
  recompose() {
    for (const panel of this.tab.panels.all()) {
      if (!panel.pair) continue;
      this.placeHandle(panel);
      panel.canvas.getContext("2d").putImageData(composed(panel.pair, this.how(), panel.buffers), 0, 0);
      if (panel.clipPair) panel.clip.getContext("2d").putImageData(composed(panel.clipPair, this.how(), panel.buffers, "clipSwiped"), 0, 0);
    }
  }

  /** The line under the panel's header: what it is compared with (`what`: other(); null, not comparing), or why not. */
  label(panel, what, whyNot) {
    if (!panel.compareLabel) {
      panel.compareLabel = el("div", { className: "cc-compare-label" });
      panel.root.querySelector(".cc-panel-header").after(panel.compareLabel);
      panel.swipeHandle = el("div", { className: "cc-swipe", attrs: { title: "Drag to swipe" } }, [el("span", { className: "cc-swipe-grip" })]);
      panel.canvas.parentElement.append(panel.swipeHandle);
      this.bindSwipe(panel);
    }
    const show = this.state.diffShow;
    panel.compareLabel.hidden = !what;
    panel.swipeHandle.hidden = !what || Boolean(whyNot) || show !== "swipe";
    if (!what) return;
    const own = panel.run;
    const parts = {
      swipe: [el("span", { text: `◀ ${own}` }), el("span", { className: "cc-compare-other", text: `${what.label} ▶` })],
      flicker: [el("span", { className: "cc-compare-own", text: own }), el("span", { className: "cc-compare-other", text: `⇄ ${what.label}` })],
      difference: [el("span", { text: `− ${what.label}` })],
    };
    panel.compareLabel.replaceChildren(...(whyNot ? [el("span", { text: `Not compared: ${whyNot}` })] : parts[show]));
  }

  bindSwipe(panel) {
    const handle = panel.swipeHandle;
    const move = (event) => {
      const rect = panel.canvas.getBoundingClientRect();
      // In steps of 1/10000, as the URL keeps it: the same column after a reload on any mosaic under 5000 pixels wide.
      this.state.diffSplit = Math.round(1e4 * Math.max(0, Math.min(1, (event.clientX - rect.left) / rect.width))) / 1e4;
      this.recompose();
    };
    handle.addEventListener("pointerdown", (event) => {
      event.stopPropagation(); // not a pan, not a click on a tile
      handle.setPointerCapture(event.pointerId);
      handle.classList.add("cc-dragging");
    });
    handle.addEventListener("pointermove", (event) => handle.hasPointerCapture(event.pointerId) && move(event));
    handle.addEventListener("pointerup", (event) => {
      event.stopPropagation();
      handle.classList.remove("cc-dragging");
      writeUrlState(formatState(this.state)); // where the divider was left, kept in the URL
    });
  }

  /**
   * The Compare control, its bar (other run, how to show, the colour scale) and the flicker's
   * timer; `view` (with the locked reference the scale needs) once known, else the last one.
   */
  render(view) {
    if (view) this.view = view;
    view = this.view;
    const state = this.state;
    renderSegmented(this.ui.compare, COMPARE_OPTIONS, state.diff, (value) => {
      state.diff = value;
      this.tab.draw();
    });
    const bar = this.ui.compareBar;
    bar.hidden = !state.diff;
    this.flicker(Boolean(state.diff) && state.diffShow === "flicker");
    const runs = this.data.selectedRuns().filter((run) => this.data.series.has(run)); // the loaded ones
    const ranges = view && view.references && view.references.map((source) => [source.layerMin, source.layerMax]);
    const signature = JSON.stringify([state.diff, state.diffShow, state.diffGain, this.otherRun(), runs, state.layer, state.norm, state.colour, ranges]);
    if (!state.diff || bar.dataset.signature === signature) return; // rebuilt only when it changes: scrubbing keeps an open choice open
    bar.dataset.signature = signature;
    const shows = el("div", { className: "cc-segmented cc-diff-show", attrs: { role: "radiogroup", "aria-label": "Show" } });
    renderSegmented(shows, SHOW_OPTIONS, state.diffShow, (value) => {
      state.diffShow = value;
      this.tab.draw();
    });
    const parts = [
      el("span", { text: "Each panel against " }),
      state.diff === "run" ? this.runChoice() : el("strong", { text: "its run's baseline step" }),
      shows,
    ];
    if (state.diff === "run" && runs.length < 2) {
      parts.push(el("span", { className: "cc-hint", text: "Tick a second run: a run against itself is white everywhere." }));
    }
    if (state.diffShow === "difference") parts.push(this.scale(view));
    bar.replaceChildren(...parts);
  }

  /** The other run, among the shown ones (names only ever as text). */
  runChoice() {
    const choice = el("select", { className: "cc-diff-run", attrs: { "aria-label": "Run to compare with" } });
    const other = this.otherRun();
    for (const run of this.data.selectedRuns().filter((name) => this.data.series.has(name))) {
      const option = el("option", { text: run });
      option.value = run;
      option.selected = run === other;
      choice.append(option);
    }
    choice.addEventListener("change", () => {
      this.state.diffRun = choice.value;
      this.tab.draw();
    });
    const span = el("span", { text: " at the same step" });
    return el("span", {}, [choice, span]);
  }

  /** The colour bar: what full blue and full red mean under the normalisation shown. */
  scale(view) {
    const stops = DIVERGING_STOPS.map(([t, [r, g, b]]) => `rgb(${r},${g},${b}) ${50 + 50 * t}%`).join(", ");
    const layer = this.data.layer();
    const sources = layer ? layer.sources : [];
    const c = viewedSource(this.state.colour, sources.length);
    const { low, high, unit } = differenceScale(this.state.norm, view, c, this.state.diffGain);
    const gains = el("div", { className: "cc-segmented cc-diff-gain", attrs: { role: "radiogroup", "aria-label": "Gain" } });
    const options = DIFF_GAINS.map((gain) => [String(gain), `×${gain}`, `Full colour at ${gain === 1 ? "the whole" : `1/${gain} of the`} range`]);
    renderSegmented(gains, options, String(this.state.diffGain), (value) => {
      this.state.diffGain = Number(value);
      this.tab.draw();
    });
    return el("span", { className: "cc-diff-scale" }, [
      gains,
      el("span", { text: low }),
      el("span", { className: "cc-diff-ramp", attrs: { style: `background: linear-gradient(to right, ${stops})` } }),
      el("span", { text: high }),
      el("span", { className: "cc-hint", text: ` ${unit}` + (sources.length > 1 ? ` · source ${sources[c].name}` : "") }),
    ]);
  }

  /** Run the flicker's timer while asked (one for every panel, so they turn together). */
  flicker(on) {
    if (on === (this.timer !== null)) return;
    if (!on) {
      clearInterval(this.timer);
      this.timer = null;
      this.showingOther = false;
      return;
    }
    this.timer = setInterval(() => {
      this.showingOther = !this.showingOther;
      this.recompose();
    }, FLICKER_MS);
  }
}

/**
 * The difference's colour scale: full blue at `low`, full red at `high` (text), in `unit`,
 * for source `c` at `gain` (the compare bar and the exported picture say the same).
 */
export function differenceScale(norm, view, c, gain) {
  const { factor, unit } = unitOf(norm, view, c);
  const full = factor === 1 ? String(1 / gain) : formatNumber(factor / gain); // 1, 0.25, 0.0625
  return { low: `−${full}`, high: `+${full}`, unit };
}

/**
 * What a difference of 1 is under normalisation `norm`: {factor, unit}; `factor` turns it into
 * the unit (activation under Locked: the reference's layer range of source `c`).
 */
function unitOf(norm, view, c) {
  const reference = norm === "locked" && view && view.references && view.references[c];
  const span = reference ? reference.layerMax - reference.layerMin : 0;
  if (span > 0) return { factor: span, unit: "activation (the locked scale)" };
  return { factor: 1, unit: norm === "layer" ? "of each step's layer range" : "of each kernel's range" };
}

/** The hover tooltip's line for a kernel (`slot`) of a panel showing a difference, else null. */
export function differenceLine(panel, slot) {
  const shown = panel.difference;
  const found = shown && kernelDifference(shown.values, shown.info, slot);
  if (!found) return null;
  const signed = (value) => (value > 0 ? "+" : "") + formatNumber(value * shown.factor);
  return `− ${shown.label}: mean ${signed(found.mean)} · largest ${signed(found.largest)} ${shown.unit}`;
}
