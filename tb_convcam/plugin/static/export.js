// Export: the view as shown, as a PNG (snapshot.js draws it; the file also
// carries the view as PNG text), and a layer's evolution over a step range as
// an animated GIF (gif.js, palette.js): one frame per logged step in range,
// the step printed on each. Frames are drawn and encoded one at a time,
// yielding to the page between frames, with a progress bar and Cancel, so a
// long run (hundreds of steps) never freezes the tab.

import { Compare } from "./compare.js";
import { sameLayout } from "./diff.js";
import { GifWriter } from "./gif.js";
import { sourceColours } from "./legend.js";
import { atOrBefore } from "./model.js";
import { paletteOf } from "./palette.js";
import { probeChoices } from "./probechoice.js";
import { asciiJson, withText } from "./pngtext.js";
import { bandLines, bandWidth, drawSnapshot, footerLines, snapshotLayout } from "./snapshot.js";
import { formatState } from "./state.js";
import { el, runColour } from "./views.js";

const MAX_PNG_PIXELS = 64e6; // beyond this a lower zoom is used (canvases have limits)
const MAX_GIF_FRAME_PIXELS = 1.5e6; // per frame: keeps encoding at tens of ms a frame
const FRAME_DELAYS_CS = [10, 25, 50, 100]; // the choices of time per frame, in GIF's hundredths of a second
const FRAME_DELAY_CS = 25; // the default: 4 frames a second
const LAST_FRAME_HOLD_CS = 150; // the last step is held at least this long before the loop starts again

export class Exporter {
  /** `tab`: the controller (index.js); `tab.data` what is loaded, `tab.panels` what is shown. */
  constructor(tab) {
    this.tab = tab;
    this.ui = tab.ui;
    this.data = tab.data;
    this.job = null; // the animation being made: {cancelled}
  }

  bind() {
    this.ui.exportPng.addEventListener("click", () => this.exportPng().catch((error) => this.fail(error)));
    this.ui.exportGif.addEventListener("click", () => {
      this.ui.animation.hidden = !this.ui.animation.hidden;
      if (!this.ui.animation.hidden) this.renderAnimationBar(true);
    });
  }

  /** Buttons usable only with something drawn; the animation bar follows new steps while idle. */
  render() {
    const nothing = !this.data.layer() || !this.data.steps.length || !this.data.selectedRuns().length;
    this.ui.exportPng.disabled = this.ui.exportGif.disabled = nothing;
    if (nothing) this.ui.animation.hidden = true;
    if (!this.ui.animation.hidden && !this.job) this.renderAnimationBar();
  }

  fail(error) {
    this.ui.animation.hidden = false;
    this.ui.animation.replaceChildren(el("span", { className: "cc-animation-note", text: `Export failed: ${error.message || error}` }));
  }

  /** Everything a picture of the view needs but the frames: layer, runs, view (its tiles' order), arrangement, comparison, theme. */
  async scene() {
    const state = this.tab.state;
    const layer = this.data.layer();
    const runs = this.data.selectedRuns().filter((run) => run in layer.runs && this.data.series.has(run));
    const reference = state.norm === "locked" ? this.data.reference() : null;
    const references = reference ? (await this.data.cache.get(reference.key)).info.sources : null;
    const style = getComputedStyle(document.documentElement);
    const theme = Object.fromEntries(
      ["surface", "text", "muted", "canvas", "accent"].map((name) => [name, style.getPropertyValue(`--cc-${name}`).trim()]),
    );
    const order = await this.tab.arrange.order();
    const view = { norm: state.norm, colour: state.colour, references, order };
    const choices = probeChoices(layer, this.data.selectedRuns());
    const sources = layer.sources.map((source) => source.name);
    const arrangement = this.tab.arrange.describe(order);
    const comparison = this.tab.compare.describe(view, sources);
    return {
      layer: layer.name,
      runs,
      sources,
      view,
      arrangement,
      arranged: arrangement && arrangement.text,
      compare: comparison,
      reference: reference && { run: reference.run, step: reference.step },
      image: this.data.image(),
      probeLabel: choices.length > 1 ? choices[this.data.image()][1] : null, // which probe image, when runs logged several
      overlay: state.overlay,
      clip: state.clip,
      theme,
    };
  }

  /**
   * Per run: its step at or before `step` and that step's decoded frame (null when it has none),
   * and, when comparing, the frame the panel compares it with (`other`, null when it cannot be).
   */
  async columnsAt(scene, step) {
    return Promise.all(
      scene.runs.map(async (run) => {
        const entry = atOrBefore(this.data.series.get(run).steps, step);
        const key = entry && this.data.frameKey(entry);
        const panel = [...this.tab.panels.all()].find((p) => p.run === run);
        const probe = panel && !panel.probe.hidden && panel.probeImage.complete && panel.probeImage.naturalWidth ? panel.probeImage : null;
        const column = { run, colour: runColour(this.data.listing.runs, run), probe, frame: null, step: entry ? entry.step : null };
        if (!entry) return { ...column, label: "", note: `no step at or before ${step}` };
        column.label = entry.step === step ? `step ${entry.step}` : `step ${entry.step} (nearest ≤ ${step})`;
        if (key === null) return { ...column, note: `step ${entry.step} has no mosaic of this probe image` };
        try {
          column.frame = await this.data.cache.get(key);
        } catch {
          return { ...column, note: `could not load step ${entry.step}` };
        }
        return { ...column, ...(await this.comparedAt(scene, run, entry, step, column.frame)) };
      }),
    );
  }

  /** What a column of `frame` is compared with, as its panel would: {other (a frame of the same layout) | null, compared (caption)}. */
  async comparedAt(scene, run, entry, step, frame) {
    const what = scene.compare && this.tab.compare.other(run, entry, step);
    if (!what) return { other: null, compared: "" };
    const other = what.key ? await this.data.cache.get(what.key).catch(() => null) : null;
    const usable = other && sameLayout(frame.info, other.info);
    const whyNot = usable ? null : what.why || (other ? "its kernels are tiled differently" : `${what.label} could not be loaded`);
    return { other: usable ? other : null, compared: Compare.caption(scene.compare.show, what, whyNot) };
  }

  /** The layout for these columns at the panels' zoom, lowered until a picture fits `maxPixels`. */
  layoutFor(scene, columns, templates, maxPixels) {
    const sizes = columns.map((column, i) => {
      const frame = templates[i] || column.frame; // an animation keeps each run's latest size
      const probe = column.probe;
      return {
        frameWidth: frame ? frame.width : 0,
        frameHeight: frame ? frame.height : 0,
        probeAspect: probe ? probe.naturalWidth / probe.naturalHeight : 0,
        sources: scene.view.norm === "kernel" ? 1 : shownSourceCount(frame, scene.view.colour),
      };
    });
    let zoom = this.tab.panels.zoom;
    for (;;) {
      const band = { bandLines: bandLines(scene), minWidth: bandWidth(scene) };
      const layout = snapshotLayout(sizes, { zoom, footerLines: footerLines(scene), ...band });
      if (zoom === 1 || layout.width * layout.height <= maxPixels) return { layout, zoom };
      zoom--;
    }
  }

  async exportPng() {
    const scene = await this.scene();
    const step = this.data.currentStep();
    const columns = await this.columnsAt(scene, step);
    const { layout, zoom } = this.layoutFor(scene, columns, [], MAX_PNG_PIXELS);
    const canvas = document.createElement("canvas");
    canvas.width = layout.width;
    canvas.height = layout.height;
    drawSnapshot(canvas.getContext("2d"), layout, columns, { ...scene, step, zoom });
    const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/png"));
    const png = withText(new Uint8Array(await blob.arrayBuffer()), [
      ["Software", "tb_convcam"],
      ["Title", `Convcam ${scene.layer} step ${step}`],
      ["convcam", asciiJson(this.description(scene, columns, layout, zoom, step))],
    ]);
    download(new Blob([png], { type: "image/png" }), `${fileStem(scene, step)}.png`);
  }

  /** What the PNG text says: the view, each run's step and where its mosaic (and probe image) is in the picture. */
  description(scene, columns, layout, zoom, step) {
    return {
      layer: scene.layer,
      step,
      normalisation: scene.view.norm,
      colours: scene.view.colour,
      reference: scene.reference,
      arrangement: scene.arrangement && { by: scene.arrangement.by, run: scene.arrangement.run, step: scene.arrangement.step, order: scene.view.order },
      comparison: scene.compare && (({ against, run, show, gain, split }) => ({ against, run, show, gain, split }))(scene.compare),
      image: scene.image,
      zoom,
      runs: columns.map((column, i) => ({
        run: column.run,
        step: column.step,
        mosaic: column.frame ? layout.columns[i].mosaic : null, // where the picture holds each run's mosaic and probe image
        probe: column.frame && column.probe ? layout.columns[i].probe : null,
        comparedWith: column.compared || null,
      })),
      view: formatState(this.tab.state),
    };
  }

  /** The step range bar: from, to, how many frames, Make GIF; rebuilt when the steps change, or when `force`d. */
  renderAnimationBar(force = false) {
    const steps = this.data.steps;
    const bar = this.ui.animation;
    if (!force && bar.dataset.steps === steps.join(",")) return; // an open choice list stays open
    bar.dataset.steps = steps.join(",");
    const previous = bar.querySelectorAll("select");
    const choose = (values, selected, label) =>
      el("select", { attrs: { "aria-label": label } }, values.map((step) => {
        const option = el("option", { text: String(step), attrs: { value: String(step) } });
        option.selected = step === selected;
        return option;
      }));
    const oldFrom = previous[0] ? Number(previous[0].value) : steps[0];
    const oldTo = previous[1] ? Number(previous[1].value) : steps[steps.length - 1];
    const oldDelay = previous[2] ? Number(previous[2].value) : FRAME_DELAY_CS;
    const delay = el("select", { className: "cc-gif-delay", attrs: { "aria-label": "Time per frame" } }, FRAME_DELAYS_CS.map((cs) => {
      const option = el("option", { text: `${cs / 100} s`, attrs: { value: String(cs) } });
      option.selected = cs === oldDelay;
      return option;
    }));
    const from = choose(steps, steps.includes(oldFrom) ? oldFrom : steps[0], "First step");
    const to = choose(steps, steps.includes(oldTo) ? oldTo : steps[steps.length - 1], "Last step");
    from.classList.add("cc-gif-from");
    to.classList.add("cc-gif-to");
    const count = el("span", { className: "cc-animation-note" });
    const inRange = () => steps.filter((step) => step >= Number(from.value) && step <= Number(to.value));
    const make = el("button", { className: "cc-make-gif", text: "Make GIF", attrs: { type: "button" } });
    const update = () => {
      const n = inRange().length;
      count.textContent = n ? `${n} frame${n === 1 ? "" : "s"}, one per logged step` : "the first step is after the last";
      make.disabled = !n;
    };
    from.addEventListener("change", update);
    to.addEventListener("change", update);
    make.addEventListener("click", () => this.makeGif(inRange(), Number(delay.value)).catch((error) => this.fail(error)));
    update();
    bar.replaceChildren(
      el("span", { text: "Animate this layer from step" }), from, el("span", { text: "to" }), to,
      el("span", { text: "a frame every" }), delay, count, make,
      el("button", { className: "cc-link", text: "Close", attrs: { type: "button" }, on: { click: () => (bar.hidden = true) } }),
    );
  }

  /** One GIF frame per step of `steps`, each shown `delayCs` hundredths of a second, drawn as the view is now. */
  async makeGif(steps, delayCs) {
    const job = { cancelled: false };
    this.job = job;
    const bar = this.ui.animation;
    const progress = el("progress", { attrs: { max: String(steps.length), value: "0" } });
    const note = el("span", { className: "cc-animation-note", attrs: { "aria-live": "polite" }, text: `frame 0 of ${steps.length}` });
    const cancel = el("button", {
      className: "cc-gif-cancel",
      text: "Cancel",
      attrs: { type: "button" },
      on: { click: () => (job.cancelled = true) },
    });
    bar.replaceChildren(el("span", { text: `GIF of steps ${steps[0]}–${steps[steps.length - 1]}` }), progress, note, cancel);
    try {
      const scene = await this.scene();
      const templates = await this.latestFrames(scene);
      let next = this.columnsAt(scene, steps[0]);
      let layout = null;
      let zoom = 1;
      let writer = null;
      let canvas = null;
      for (let i = 0; i < steps.length; i++) {
        const columns = await next;
        if (job.cancelled) break;
        if (i + 1 < steps.length) next = this.columnsAt(scene, steps[i + 1]); // fetched while this one encodes
        if (!layout) {
          ({ layout, zoom } = this.layoutFor(scene, columns, templates, MAX_GIF_FRAME_PIXELS));
          canvas = new OffscreenCanvas(layout.width, layout.height);
          writer = new GifWriter(layout.width, layout.height);
        }
        // Draw, quantise, encode: the page gets its turn between the stages, so no stage of no frame holds it long.
        const context = canvas.getContext("2d", { willReadFrequently: true });
        drawSnapshot(context, layout, columns, { ...scene, step: steps[i], zoom });
        const pixels = context.getImageData(0, 0, layout.width, layout.height).data;
        await breathe();
        const { palette, indices } = paletteOf(pixels);
        await breathe();
        writer.addFrame(indices, palette, i === steps.length - 1 ? Math.max(delayCs, LAST_FRAME_HOLD_CS) : delayCs);
        progress.value = i + 1;
        note.textContent = `frame ${i + 1} of ${steps.length}`;
        await breathe();
      }
      if (job.cancelled) {
        this.renderAnimationBar(true);
        return;
      }
      const gif = writer.finish();
      download(new Blob([gif], { type: "image/gif" }), `${fileStem(scene, `${steps[0]}-${steps[steps.length - 1]}`)}.gif`);
      this.renderAnimationBar(true);
      const size = `${(gif.length / 1e6).toFixed(1)} MB`;
      bar.append(el("span", { className: "cc-animation-note cc-gif-done", text: `saved ${steps.length} frames, ${size}` }));
    } finally {
      if (this.job === job) this.job = null;
    }
  }

  /** Each run's latest frame: the size its column keeps in every frame, also before the run starts. */
  latestFrames(scene) {
    return Promise.all(
      scene.runs.map((run) => {
        const steps = this.data.series.get(run).steps;
        const key = steps.length ? this.data.frameKey(steps[steps.length - 1]) : null;
        return key ? this.data.cache.get(key).catch(() => null) : null;
      }),
    );
  }
}

/** How many sources a frame shows with these colours: its colour bar's rows. */
function shownSourceCount(frame, colour) {
  return frame ? sourceColours(frame.info.sources.length, colour).filter(Boolean).length : 1;
}

/** A file name: layer, runs and step(s), with anything but letters, digits and ._=+- as "_". */
function fileStem(scene, steps) {
  const name = `convcam_${scene.layer}_${scene.runs.join("+")}_step${steps}`.replace(/[^A-Za-z0-9._=+-]+/g, "_");
  return name.length > 150 ? `${name.slice(0, 120)}_step${String(steps).replace(/[^0-9-]/g, "")}` : name;
}

/** Let the page handle input and paint before going on. */
function breathe() {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** Save `blob` as `name` through a download link. */
function download(blob, name) {
  const url = URL.createObjectURL(blob);
  const link = el("a", { attrs: { href: url, download: name, hidden: "" } });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}
