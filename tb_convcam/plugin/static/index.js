// The Convcam tab. TensorBoard imports this module in an iframe and calls render().
//
// Flow: /layers lists runs and layers; picking a layer loads each selected
// run's /steps; one scrubber runs over the union of those steps and every run
// shows its latest step at or before the chosen one. Mosaics are decoded
// once (FrameCache), neighbours are prefetched, and all re-normalisation and
// colouring happens on a canvas from the stored per-kernel stats.

import { FrameCache, atOrBefore, fetchLayers, fetchSteps, spread, unionOfSteps } from "./static/model.js";
import { paint, slotAt, tileBox } from "./static/pixels.js";
import { MAX_ZOOM, ZOOM_FIT, defaultState, formatState, parseState } from "./static/state.js";
import {
  buildPanel,
  buildSkeleton,
  el,
  renderLayers,
  renderMessage,
  renderRuns,
  renderSegmented,
  renderTooltip,
  runColour,
} from "./static/views.js";

const PLAY_INTERVAL_MS = 350;
const POLL_INTERVAL_MS = 15000;
const PREFETCH_RADIUS = 3;
const FILMSTRIP_STEPS = 24;
const URL_PARAM = "p.convcam.view"; // the view in TensorBoard's own URL when embedded
const URL_WRITE_MS = 250;
const LOGGING_HINT = [
  "from tb_convcam import ConvcamCallback",
  "",
  'model.fit(..., callbacks=[ConvcamCallback("logs/trained", layers=["conv1", "conv2"])])',
  "",
  "# or, in a custom loop:",
  "import tb_convcam",
  'with tf.summary.create_file_writer("logs/trained").as_default():',
  '    tb_convcam.summary.mosaic("conv1", activations, step=step)',
].join("\n");

export async function render() {
  const link = document.createElement("link");
  link.rel = "stylesheet";
  link.href = "static/style.css";
  document.head.append(link);
  document.title = "Convcam";
  new ConvcamTab(document.body).start();
}

class ConvcamTab {
  constructor(root) {
    this.ui = buildSkeleton(root);
    this.state = parseState(readUrlState());
    this.listing = { runs: [], layers: [] };
    this.series = new Map(); // run -> /steps answer for the selected layer
    this.steps = []; // union of the selected runs' steps
    this.panels = new Map(); // run -> panel
    this.cache = new FrameCache();
    this.playTimer = null;
    this.drawToken = 0;
    this.seriesToken = 0;
    this.zoom = 1;
  }

  start() {
    this.bindControls();
    this.renderControls();
    connectToTensorBoard(() => this.refresh());
    followDarkMode();
    setInterval(() => document.visibilityState === "visible" && this.refresh(), POLL_INTERVAL_MS);
    window.addEventListener("resize", () => this.state.zoom === ZOOM_FIT && this.draw());
    this.refresh();
  }

  // Data ----------------------------------------------------------------------

  async refresh() {
    try {
      this.listing = await fetchLayers();
    } catch (error) {
      renderMessage(this.ui.message, "Could not reach the Convcam plugin", String(error.message || error));
      return;
    }
    this.chooseDefaults();
    this.renderSidebar();
    await this.loadSeries();
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

  async loadSeries() {
    const token = ++this.seriesToken;
    const layer = this.layer();
    const runs = layer ? this.selectedRuns().filter((run) => run in layer.runs) : [];
    const answers = await Promise.all(
      runs.map((run) => fetchSteps(run, layer.name).catch(() => ({ run, steps: [], baseline_step: null }))),
    );
    if (token !== this.seriesToken) return; // a newer load (other layer or runs) draws instead
    this.series = new Map(answers.map((answer) => [answer.run, answer]));
    this.steps = unionOfSteps(answers.map((answer) => answer.steps));
    this.draw();
  }

  /** The chosen step: the state's, or the latest when following. */
  currentStep() {
    if (!this.steps.length) return null;
    if (this.state.step === null) return this.steps[this.steps.length - 1];
    return this.state.step;
  }

  // Controls --------------------------------------------------------------------

  bindControls() {
    const ui = this.ui;
    ui.filter.addEventListener("input", () => this.renderSidebar());
    ui.slider.addEventListener("input", () => this.setStepIndex(Number(ui.slider.value)));
    ui.play.addEventListener("click", () => this.togglePlay());
    ui.zoomIn.addEventListener("click", () => this.setZoom(Math.min(MAX_ZOOM, this.zoom + 1)));
    ui.zoomOut.addEventListener("click", () => this.setZoom(Math.max(1, this.zoom - 1)));
    ui.zoomFit.addEventListener("click", () => this.setZoom(ZOOM_FIT));
    document.addEventListener("keydown", (event) => this.onKey(event));
  }

  onKey(event) {
    const target = event.target;
    if (target instanceof HTMLInputElement && target.type !== "checkbox") return; // typing, or the slider's own keys
    const index = this.stepIndex();
    if (event.key === "ArrowRight" || event.key === "ArrowLeft") {
      this.setStepIndex(index + (event.key === "ArrowRight" ? 1 : -1));
    } else if (event.key === "Home" || event.key === "End") {
      this.setStepIndex(event.key === "Home" ? 0 : this.steps.length - 1);
    } else if (event.key === " " && !(target instanceof HTMLButtonElement)) {
      this.togglePlay();
    } else if (event.key === "Escape" && this.state.kernel !== null) {
      this.setKernel(null);
    } else {
      return;
    }
    event.preventDefault();
  }

  stepIndex() {
    const step = this.currentStep();
    const index = this.steps.findIndex((s) => s >= step);
    return index < 0 ? this.steps.length - 1 : index;
  }

  setStepIndex(index) {
    if (!this.steps.length) return;
    const clamped = Math.max(0, Math.min(this.steps.length - 1, index));
    // The last index means "follow the latest", so new steps keep showing up.
    this.state.step = clamped === this.steps.length - 1 ? null : this.steps[clamped];
    this.renderScrubber();
    this.draw();
  }

  togglePlay() {
    if (this.playTimer !== null) {
      this.stopPlay();
      return;
    }
    if (this.stepIndex() >= this.steps.length - 1) this.setStepIndex(0);
    this.ui.play.textContent = "❚❚";
    this.ui.play.classList.add("cc-playing");
    this.playTimer = setInterval(() => {
      if (this.stepIndex() >= this.steps.length - 1) this.stopPlay();
      else this.setStepIndex(this.stepIndex() + 1);
    }, PLAY_INTERVAL_MS);
  }

  stopPlay() {
    clearInterval(this.playTimer);
    this.playTimer = null;
    this.ui.play.textContent = "▶";
    this.ui.play.classList.remove("cc-playing");
  }

  setZoom(zoom) {
    this.state.zoom = zoom;
    this.draw();
  }

  setKernel(kernel) {
    this.state.kernel = kernel;
    this.draw();
  }

  pickLayer(name) {
    if (name === this.state.layer) return;
    this.state.layer = name;
    this.state.kernel = null;
    this.renderSidebar();
    this.loadSeries();
  }

  toggleRun(run, on) {
    const runs = new Set(this.state.runs);
    if (on) runs.add(run);
    else runs.delete(run);
    this.state.runs = this.listing.runs.filter((name) => runs.has(name));
    this.loadSeries();
  }

  renderControls() {
    renderSegmented(
      this.ui.norm,
      [
        ["kernel", "Per kernel", "Stretch each kernel to its own min..max"],
        ["layer", "Whole layer", "One min..max for the whole layer at this step"],
        ["locked", "Locked", "One scale for every run and step: the reference step's layer range"],
      ],
      this.state.norm,
      (norm) => {
        this.state.norm = norm;
        this.draw();
      },
    );
    const layer = this.layer();
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
        this.draw();
      });
    }
    this.renderReference();
  }

  renderReference() {
    const ui = this.ui;
    if (this.state.norm !== "locked") {
      ui.reference.hidden = true;
      return;
    }
    const reference = this.reference();
    ui.reference.hidden = false;
    ui.reference.replaceChildren(
      el("span", { text: "Scale locked to " }),
      el("strong", { text: reference ? reference.run : "—" }),
      el("span", { text: reference ? ` at step ${reference.step}` : "" }),
      el("button", {
        className: "cc-link",
        text: "Lock to the shown step",
        attrs: { type: "button" },
        on: {
          click: () => {
            const run = this.selectedRuns().find((name) => this.series.has(name));
            const entry = run && atOrBefore(this.series.get(run).steps, this.currentStep());
            if (entry) Object.assign(this.state, { refRun: run, refStep: entry.step });
            this.draw();
          },
        },
      }),
      el("button", {
        className: "cc-link",
        text: "Baseline",
        attrs: { type: "button" },
        on: {
          click: () => {
            Object.assign(this.state, { refRun: null, refStep: null });
            this.draw();
          },
        },
      }),
    );
  }

  /** The reference for "locked": the chosen run and step, else the first run's baseline. */
  reference() {
    const run = this.series.has(this.state.refRun) ? this.state.refRun : this.selectedRuns().find((r) => this.series.has(r));
    const series = run && this.series.get(run);
    if (!series || !series.steps.length) return null;
    const step = run === this.state.refRun && this.state.refStep !== null ? this.state.refStep : series.baseline_step;
    const entry = series.steps.find((s) => s.step === step) || series.steps[0];
    return { run, step: entry.step, key: entry.key };
  }

  renderSidebar() {
    renderRuns(this.ui.runs, this.listing.runs, this.state.runs, (run, on) => this.toggleRun(run, on));
    renderLayers(this.ui.layers, this.listing.layers, {
      filter: this.ui.filter.value,
      selected: this.state.layer,
      runs: this.state.runs,
      onPick: (name) => this.pickLayer(name),
    });
  }

  renderScrubber() {
    const ui = this.ui;
    const count = this.steps.length;
    ui.slider.max = String(Math.max(0, count - 1));
    ui.slider.value = String(this.stepIndex());
    ui.slider.disabled = count < 2;
    ui.play.disabled = count < 2;
    const step = this.currentStep();
    ui.readout.textContent = step === null ? "No steps" : `Step ${step}`;
    ui.readout.title = count ? `${count} logged steps, ${this.steps[0]}–${this.steps[count - 1]}` : "";
    ui.readout.classList.toggle("cc-following", this.state.step === null && count > 0);
  }

  // Drawing ---------------------------------------------------------------------

  /** Bring every visible part in line with the state, then save the state in the URL. */
  draw() {
    writeUrlState(formatState(this.state));
    this.renderControls();
    this.renderScrubber();
    const token = ++this.drawToken;
    const layer = this.layer();
    const runs = this.selectedRuns();
    if (!this.listing.layers.length) {
      renderMessage(
        this.ui.message,
        "No convcam data yet",
        "Log mosaics of your conv layers into this logdir, then reload. For example:",
        LOGGING_HINT,
      );
    } else if (!runs.length) {
      renderMessage(this.ui.message, "No run selected", "Pick one or more runs on the left to see them side by side.");
    } else {
      renderMessage(this.ui.message, null);
    }
    this.syncPanels(layer ? runs : []);
    if (!layer) return;
    const step = this.currentStep();
    const reference = this.state.norm === "locked" ? this.reference() : null;
    const ready = reference ? this.cache.get(reference.key).then((f) => f.info.sources, () => null) : Promise.resolve(null);
    ready.then((referenceSources) => {
      if (token !== this.drawToken) return;
      const view = { norm: this.state.norm, colour: this.state.colour, references: referenceSources };
      const shown = runs.map((run) => this.drawPanel(this.panels.get(run), layer, step, view, token));
      this.drawFilmstrip(layer, runs, view, token);
      // Neighbours only once the shown frames are in: they must not queue ahead of them.
      Promise.allSettled(shown).then(() => token === this.drawToken && this.prefetch(runs, step));
    });
  }

  syncPanels(runs) {
    for (const [run, panel] of this.panels) {
      if (!runs.includes(run)) {
        panel.root.remove();
        this.panels.delete(run);
      }
    }
    for (const run of runs) {
      if (!this.panels.has(run)) {
        const panel = buildPanel(run, runColour(this.listing.runs, run));
        this.bindPanel(panel);
        this.panels.set(run, panel);
      }
    }
    this.ui.panels.replaceChildren(...runs.map((run) => this.panels.get(run).root));
  }

  drawPanel(panel, layer, step, view, token) {
    const series = this.series.get(panel.run);
    const note = (text) => {
      panel.note.hidden = !text;
      panel.note.textContent = text || "";
    };
    if (!(panel.run in layer.runs) || !series) {
      note(`This run has no data for layer ${layer.name}.`);
      panel.stepLabel.textContent = "";
      panel.viewport.hidden = true;
      panel.frame = null;
      return;
    }
    const entry = step === null ? null : atOrBefore(series.steps, step);
    if (!entry) {
      const first = series.steps.length ? series.steps[0].step : null;
      note(first === null ? "No steps logged yet." : `No step at or before ${step}; this run starts at step ${first}.`);
      panel.stepLabel.textContent = "";
      panel.viewport.hidden = true;
      panel.frame = null;
      return;
    }
    note(null);
    panel.viewport.hidden = false;
    panel.stepLabel.textContent = entry.step === step ? `step ${entry.step}` : `step ${entry.step} (nearest ≤ ${step})`;
    panel.root.dataset.step = String(entry.step);
    const show = (frame) => {
      if (token !== this.drawToken) return;
      panel.frame = frame;
      this.paintPanel(panel, frame, view);
    };
    const cached = this.cache.peek(entry.key);
    if (cached) return show(cached);
    return this.cache.get(entry.key).then(show, (error) => token === this.drawToken && note(`Could not load this step: ${error.message}`));
  }

  paintPanel(panel, frame, view) {
    const canvas = panel.canvas;
    if (canvas.width !== frame.width || canvas.height !== frame.height) {
      canvas.width = frame.width;
      canvas.height = frame.height;
    }
    const context = canvas.getContext("2d");
    if (!panel.image || panel.image.width !== frame.width || panel.image.height !== frame.height) {
      panel.image = context.createImageData(frame.width, frame.height); // reused while the size holds
    }
    context.putImageData(paint(frame, panel.image, view), 0, 0);
    this.zoom = this.state.zoom === ZOOM_FIT ? this.fitZoom(panel, frame) : this.state.zoom;
    canvas.style.width = `${frame.width * this.zoom}px`;
    canvas.style.height = `${frame.height * this.zoom}px`;
    this.ui.zoomLabel.textContent = `${this.zoom}×`;
    panel.root.dataset.drawn = `${frame.key}|${view.norm}|${view.colour}`;
  }

  /** The largest integer zoom at which the mosaic fits the panel's viewport (at least 1). */
  fitZoom(panel, frame) {
    const style = getComputedStyle(panel.viewport);
    const padding = parseFloat(style.paddingLeft) + parseFloat(style.paddingRight);
    const width = panel.viewport.clientWidth - padding;
    const height = (parseFloat(style.maxHeight) || window.innerHeight) - padding;
    return Math.max(1, Math.min(MAX_ZOOM, Math.floor(Math.min(width / frame.width, height / frame.height))));
  }

  prefetch(runs, step) {
    if (step === null) return;
    const index = this.steps.indexOf(step);
    for (let offset = 1; offset <= PREFETCH_RADIUS; offset++) {
      for (const neighbour of [this.steps[index + offset], this.steps[index - offset]]) {
        if (neighbour === undefined) continue;
        for (const run of runs) {
          const series = this.series.get(run);
          const entry = series && atOrBefore(series.steps, neighbour);
          if (entry) this.cache.get(entry.key).catch(() => {});
        }
      }
    }
  }

  // Hover, pan, click -----------------------------------------------------------------

  bindPanel(panel) {
    const { viewport, canvas } = panel;
    let drag = null;
    canvas.addEventListener("pointermove", (event) => {
      if (drag) return;
      this.hover(panel, event);
    });
    canvas.addEventListener("pointerleave", () => this.hideHover(panel));
    viewport.addEventListener("pointerdown", (event) => {
      drag = { x: event.clientX, y: event.clientY, left: viewport.scrollLeft, top: viewport.scrollTop, moved: false };
      viewport.setPointerCapture(event.pointerId);
    });
    viewport.addEventListener("pointermove", (event) => {
      if (!drag) return;
      const dx = event.clientX - drag.x;
      const dy = event.clientY - drag.y;
      if (Math.abs(dx) + Math.abs(dy) > 4) drag.moved = true;
      if (!drag.moved) return;
      viewport.classList.add("cc-panning");
      viewport.scrollLeft = drag.left - dx;
      viewport.scrollTop = drag.top - dy;
    });
    viewport.addEventListener("pointerup", (event) => {
      const clicked = drag && !drag.moved;
      drag = null;
      viewport.classList.remove("cc-panning");
      if (clicked) {
        const hit = this.hit(panel, event);
        if (hit) this.setKernel(hit.kernel);
      }
    });
    // Panels pan together, so the same kernels stay side by side.
    viewport.addEventListener("scroll", () => {
      for (const other of this.panels.values()) {
        if (other === panel) continue;
        if (other.viewport.scrollLeft !== viewport.scrollLeft) other.viewport.scrollLeft = viewport.scrollLeft;
        if (other.viewport.scrollTop !== viewport.scrollTop) other.viewport.scrollTop = viewport.scrollTop;
      }
    });
  }

  hit(panel, event) {
    const frame = panel.frame;
    if (!frame) return null;
    const rect = panel.canvas.getBoundingClientRect();
    const x = Math.floor(((event.clientX - rect.left) / rect.width) * frame.width);
    const y = Math.floor(((event.clientY - rect.top) / rect.height) * frame.height);
    const slot = slotAt(frame.info, x, y);
    if (slot === null || slot < 0) return null;
    return { slot, kernel: frame.info.kernels[slot], frame };
  }

  hover(panel, event) {
    const hit = this.hit(panel, event);
    if (!hit) {
      this.hideHover(panel);
      return;
    }
    const { slot, kernel, frame } = hit;
    const box = tileBox(frame.info, slot);
    const zoom = panel.canvas.getBoundingClientRect().width / frame.width;
    Object.assign(panel.hoverBox.style, {
      left: `${panel.canvas.offsetLeft + box.x * zoom - 1}px`,
      top: `${panel.canvas.offsetTop + box.y * zoom - 1}px`,
      width: `${box.width * zoom + 2}px`,
      height: `${box.height * zoom + 2}px`,
    });
    panel.hoverBox.hidden = false;
    const sources = frame.info.sources.map((source) => ({
      name: source.name,
      stats:
        slot < source.stats.min.length
          ? {
              min: source.stats.min[slot],
              max: source.stats.max[slot],
              mean: source.stats.mean[slot],
              zero_fraction: source.stats.zero_fraction[slot],
              nonfinite: source.stats.nonfinite[slot],
            }
          : null,
    }));
    const tooltip = this.ui.tooltip;
    renderTooltip(tooltip, { run: panel.run, step: panel.root.dataset.step, kernel, sources });
    tooltip.hidden = false;
    const x = Math.min(event.clientX + 16, window.innerWidth - tooltip.offsetWidth - 8);
    const y = Math.min(event.clientY + 16, window.innerHeight - tooltip.offsetHeight - 8);
    tooltip.style.left = `${Math.max(8, x)}px`;
    tooltip.style.top = `${Math.max(8, y)}px`;
  }

  hideHover(panel) {
    panel.hoverBox.hidden = true;
    this.ui.tooltip.hidden = true;
  }

  // Filmstrip ---------------------------------------------------------------------

  drawFilmstrip(layer, runs, view, token) {
    const strip = this.ui.filmstrip;
    const kernel = this.state.kernel;
    if (kernel === null) {
      strip.hidden = true;
      strip.replaceChildren();
      return;
    }
    strip.hidden = false;
    const rows = runs
      .filter((run) => this.series.has(run))
      .map((run) => {
        const cells = spread(this.series.get(run).steps, FILMSTRIP_STEPS).map((entry) => {
          const cell = el("figure", { className: "cc-film-cell" }, [
            el("canvas", { className: "cc-film-tile", attrs: { width: "1", height: "1" } }),
            el("figcaption", { text: String(entry.step) }),
          ]);
          if (entry.step === atOrBefore(this.series.get(run).steps, this.currentStep() ?? -Infinity)?.step) {
            cell.classList.add("cc-current");
          }
          this.cache.get(entry.key).then(
            (frame) => token === this.drawToken && this.paintFilmCell(cell, frame, kernel, view),
            () => cell.classList.add("cc-missing"),
          );
          cell.addEventListener("click", () => {
            this.state.step = entry.step;
            this.draw();
          });
          return cell;
        });
        return el("div", { className: "cc-film-row" }, [
          el("div", { className: "cc-film-run" }, [
            el("span", { className: "cc-swatch", attrs: { style: `background:${runColour(this.listing.runs, run)}` } }),
            el("span", { text: run }),
          ]),
          el("div", { className: "cc-film-cells" }, cells),
        ]);
      });
    strip.replaceChildren(
      el("header", { className: "cc-film-header" }, [
        el("h3", { text: `Kernel ${kernel} across steps` }),
        el("span", { className: "cc-hint", text: `${layer.name} · click a step to jump there` }),
        el("button", { className: "cc-close", text: "✕", attrs: { type: "button", title: "Close (Esc)" }, on: { click: () => this.setKernel(null) } }),
      ]),
      ...rows,
    );
  }

  paintFilmCell(cell, frame, kernel, view) {
    const slot = frame.info.kernels.indexOf(kernel);
    const canvas = cell.querySelector("canvas");
    if (slot < 0) {
      cell.classList.add("cc-missing");
      return;
    }
    const box = tileBox(frame.info, slot);
    const scratch = new ImageData(frame.width, frame.height);
    paint(frame, scratch, view);
    canvas.width = box.width;
    canvas.height = box.height;
    canvas.getContext("2d").putImageData(scratch, -box.x, -box.y, box.x, box.y, box.width, box.height);
    const scale = Math.max(1, Math.floor(72 / Math.max(box.width, box.height)));
    canvas.style.width = `${box.width * scale}px`;
    canvas.style.height = `${box.height * scale}px`;
  }
}

/** Last path components of source names, or the full names where those collide. */
function sourceLabels(names) {
  const short = names.map((name) => String(name).split("/").pop() || String(name));
  return new Set(short).size === short.length ? short : names.map(String);
}

// TensorBoard integration ---------------------------------------------------------

/** Listen for TensorBoard's reloads over its plugin message channel (when embedded). */
function connectToTensorBoard(onReload) {
  if (window.parent === window) return;
  const channel = new MessageChannel();
  channel.port1.onmessage = (event) => {
    let message;
    try {
      message = JSON.parse(event.data);
    } catch {
      return;
    }
    if (message.isReply) return;
    if (message.type === "experimental.DataReloaded") onReload();
    channel.port1.postMessage(JSON.stringify({ type: message.type, id: message.id, payload: null, error: null, isReply: true }));
  };
  window.parent.postMessage("experimental.bootstrap", window.location.origin, [channel.port2]);
}

/** Mirror TensorBoard's dark mode (a class on its body) when embedded. */
function followDarkMode() {
  let body;
  try {
    body = window.parent !== window ? window.parent.document.body : null;
  } catch {
    return; // a cross-origin embedder
  }
  if (!body) return;
  const sync = () => document.documentElement.classList.toggle("cc-dark", body.classList.contains("dark-mode"));
  new MutationObserver(sync).observe(body, { attributes: true, attributeFilter: ["class"] });
  sync();
}

function embeddingUrl() {
  try {
    return window.parent !== window ? new URL(window.parent.location.href) : null;
  } catch {
    return null; // a cross-origin embedder
  }
}

function readUrlState() {
  const outer = embeddingUrl();
  return (outer && outer.searchParams.get(URL_PARAM)) || window.location.hash;
}

let pendingUrlState = null;

/** Save the view in the URL, at most every URL_WRITE_MS (browsers throttle history updates). */
function writeUrlState(text) {
  const idle = pendingUrlState === null;
  pendingUrlState = text;
  if (idle) setTimeout(flushUrlState, URL_WRITE_MS);
}

function flushUrlState() {
  const text = pendingUrlState;
  pendingUrlState = null;
  if (window.location.hash.replace(/^#/, "") !== text) history.replaceState(null, "", `${location.pathname}${location.search}#${text}`);
  const outer = embeddingUrl();
  if (!outer || outer.searchParams.get(URL_PARAM) === text) return;
  if (text) outer.searchParams.set(URL_PARAM, text);
  else outer.searchParams.delete(URL_PARAM);
  window.parent.history.replaceState(window.parent.history.state, "", outer.toString());
}
