// DOM building. Every run, layer and source name goes in through textContent
// (via `el`), never as HTML: names come from the logdir and may hold markup.

const LOGGING_HINT = [
  "from tb_convcam import ConvcamCallback",
  "",
  'convcam = ConvcamCallback("logs/trained", layers=["conv1", "conv2"], probe=x_train[:2])',
  "model.fit(x_train, y_train, callbacks=[convcam])",
  "",
  "# or, in a custom loop:",
  "import tb_convcam",
  'with tf.summary.create_file_writer("logs/trained").as_default():',
  '    tb_convcam.summary.mosaic("conv1", activations, step=step)',
].join("\n");

export const RUN_COLOURS = ["#f57c00", "#1976d2", "#388e3c", "#7b1fa2", "#c2185b", "#0097a7", "#5d4037", "#455a64"];

/** Create an element; `text` is set as text, never parsed as HTML. */
export function el(tag, { className, text, attrs, on } = {}, children = []) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, value);
  for (const [event, handler] of Object.entries(on || {})) node.addEventListener(event, handler);
  for (const child of children) if (child) node.append(child);
  return node;
}

/** Create an SVG element with attributes (numbers are fine) and children. */
export function svgEl(tag, attrs = {}, children = []) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  for (const child of children) if (child) node.append(child);
  return node;
}

/** Whether a key press is typing into a field (or the slider's own keys), not a shortcut. */
export function isTyping(event) {
  const target = event.target;
  return target instanceof HTMLInputElement && target.type !== "checkbox";
}

/** The static skeleton of the tab; returns the nodes the controller updates. */
export function buildSkeleton(root) {
  const parts = {
    runs: el("div", { className: "cc-runs", attrs: { role: "group", "aria-label": "Runs" } }),
    runFilter: el("input", {
      className: "cc-filter cc-run-filter",
      attrs: { type: "search", placeholder: "Filter runs (regex)", "aria-label": "Filter runs (regular expression)", spellcheck: "false" },
    }),
    runFilterNote: el("div", { className: "cc-run-filter-note", attrs: { hidden: "", role: "status" } }),
    runsAll: el("button", { className: "cc-link cc-runs-all", text: "All", attrs: { type: "button", title: "Tick every run the filter shows" } }),
    runsNone: el("button", { className: "cc-link cc-runs-none", text: "None", attrs: { type: "button", title: "Untick every run the filter shows" } }),
    runCount: el("span", { className: "cc-run-count", attrs: { "aria-live": "polite" } }),
    filter: el("input", {
      className: "cc-filter",
      attrs: { type: "search", placeholder: "Filter layers", "aria-label": "Filter layers", spellcheck: "false" },
    }),
    layers: el("nav", { className: "cc-layers", attrs: { "aria-label": "Layers" } }),
    play: el("button", { className: "cc-play", text: "▶", attrs: { type: "button", title: "Play / pause (space)" } }),
    slider: el("input", { className: "cc-slider", attrs: { type: "range", min: "0", max: "0", value: "0", "aria-label": "Step" } }),
    readout: el("span", { className: "cc-readout", attrs: { "aria-live": "polite" } }),
    norm: el("div", { className: "cc-segmented cc-norm", attrs: { role: "radiogroup", "aria-label": "Normalisation" } }),
    colour: el("div", { className: "cc-segmented cc-colour", attrs: { role: "radiogroup", "aria-label": "Colours" } }),
    probeChoice: el("div", { className: "cc-segmented cc-probe-choice", attrs: { role: "radiogroup", "aria-label": "Probe image" } }),
    zoomOut: el("button", { className: "cc-zoom-out", text: "−", attrs: { type: "button", title: "Zoom out" } }),
    zoomLabel: el("span", { className: "cc-zoom-label" }),
    zoomIn: el("button", { className: "cc-zoom-in", text: "+", attrs: { type: "button", title: "Zoom in" } }),
    zoomFit: el("button", { className: "cc-zoom-fit", text: "Fit", attrs: { type: "button", title: "Fit to panel" } }),
    overlay: el("button", {
      className: "cc-overlay-toggle",
      text: "Mark dead / dormant",
      attrs: { type: "button", "aria-pressed": "false", title: "Mark dead (constant) and dormant (barely active) kernels on the mosaics" },
    }),
    overlayLegend: el("span", { className: "cc-overlay-legend", attrs: { hidden: "" } }, [
      el("span", { className: "cc-legend-dead", text: "dead" }),
      el("span", { className: "cc-legend-dormant", text: "dormant" }),
    ]),
    legend: el("div", { className: "cc-legend", attrs: { "aria-label": "Which colour is which source" } }),
    exportPng: el("button", { className: "cc-export-png", text: "PNG", attrs: { type: "button", title: "Download the view as shown, as a PNG" } }),
    exportGif: el("button", { className: "cc-export-gif", text: "GIF…", attrs: { type: "button", title: "Download the layer's evolution over a step range as an animated GIF" } }),
    animation: el("div", { className: "cc-animation", attrs: { hidden: "" } }),
    reference: el("div", { className: "cc-reference" }),
    arrange: el("div", { className: "cc-segmented cc-arrange", attrs: { role: "radiogroup", "aria-label": "Arrange kernels" } }),
    arrangeBar: el("div", { className: "cc-arrange-bar", attrs: { hidden: "" } }),
    compare: el("div", { className: "cc-segmented cc-compare", attrs: { role: "radiogroup", "aria-label": "Compare" } }),
    compareBar: el("div", { className: "cc-compare-bar", attrs: { hidden: "" } }),
    message: el("div", { className: "cc-message" }),
    panels: el("div", { className: "cc-panels" }),
    health: el("section", { className: "cc-health", attrs: { hidden: "", "aria-label": "Layer health" } }),
    filmstrip: el("section", { className: "cc-filmstrip", attrs: { hidden: "" } }),
    tooltip: el("div", { className: "cc-tooltip", attrs: { hidden: "", role: "tooltip" } }),
  };
  const sidebar = el("aside", { className: "cc-sidebar" }, [
    el("div", { className: "cc-brand", text: "Convcam" }),
    el("section", { className: "cc-run-section" }, [
      el("h2", { text: "Runs" }),
      parts.runFilter,
      parts.runFilterNote,
      el("div", { className: "cc-run-tools" }, [parts.runCount, parts.runsAll, parts.runsNone]),
      parts.runs,
    ]),
    el("section", { className: "cc-layer-section" }, [el("h2", { text: "Layers" }), parts.filter, parts.layers]),
  ]);
  const toolbar = el("div", { className: "cc-toolbar" }, [
    // Export at the scrubber's end and the legend beside the colours it explains: the controls keep to two rows at 1680 px.
    el("div", { className: "cc-scrubber" }, [
      parts.play,
      parts.slider,
      parts.readout,
      labelled("Export", el("div", { className: "cc-export" }, [parts.exportPng, parts.exportGif])),
    ]),
    el("div", { className: "cc-controls" }, [
      labelled("Normalise", parts.norm),
      el("div", { className: "cc-control" }, [
        el("span", { className: "cc-control-label", text: "Colours" }),
        parts.colour,
        el("div", { className: "cc-control cc-legend-control" }, [parts.legend]), // legend.js hides it for one source
      ]),
      labelled("Probe image", parts.probeChoice),
      labelled("Zoom", el("div", { className: "cc-zoom" }, [parts.zoomOut, parts.zoomLabel, parts.zoomIn, parts.zoomFit])),
      labelled("Kernels", el("div", { className: "cc-overlay" }, [parts.overlay, parts.overlayLegend])),
      labelled("Arrange", parts.arrange),
      labelled("Compare", parts.compare),
    ]),
    parts.reference,
    parts.arrangeBar,
    parts.compareBar,
    parts.animation,
  ]);
  parts.toolbar = toolbar;
  parts.main = el("main", { className: "cc-main" }, [toolbar, parts.message, parts.panels, parts.health, parts.filmstrip]);
  root.replaceChildren(el("div", { className: "cc-app" }, [sidebar, parts.main]), parts.tooltip);
  return parts;
}

function labelled(label, control) {
  return el("div", { className: "cc-control" }, [el("span", { className: "cc-control-label", text: label }), control]);
}

/** A segmented radio control; `options` is [[value, label, title]]. Rebuilt only when they change. */
export function renderSegmented(container, options, selected, onPick) {
  const signature = JSON.stringify(options);
  if (container.dataset.options === signature) {
    for (const button of container.children) {
      const on = button.dataset.value === selected;
      button.classList.toggle("cc-selected", on);
      button.setAttribute("aria-checked", String(on));
    }
    return;
  }
  container.dataset.options = signature;
  container.replaceChildren(
    ...options.map(([value, label, title]) =>
      el("button", {
        className: value === selected ? "cc-segment cc-selected" : "cc-segment",
        text: label,
        attrs: { type: "button", role: "radio", "aria-checked": String(value === selected), "data-value": value, title: title || label },
        on: { click: () => onPick(value) },
      }),
    ),
  );
}

/** Run checkboxes with a colour swatch each: the `shown` ones of `runs` (the run filter's matches). */
export function renderRuns(container, runs, selected, onToggle, shown = runs) {
  if (!runs.length) {
    container.replaceChildren(el("p", { className: "cc-hint", text: "No runs with convcam data." }));
    return;
  }
  if (!shown.length) {
    container.replaceChildren(el("p", { className: "cc-hint", text: "No run matches the filter." }));
    return;
  }
  const ticked = new Set(selected);
  container.replaceChildren(
    ...shown.map((run) => {
      const box = el("input", { attrs: { type: "checkbox" }, on: { change: () => onToggle(run, box.checked) } });
      box.checked = ticked.has(run);
      return el("label", { className: "cc-run", attrs: { title: run, "data-run": run } }, [
        box,
        el("span", { className: "cc-swatch", attrs: { style: `background:${runColour(runs, run)}` } }),
        el("span", { className: "cc-run-label", text: run }),
      ]);
    }),
  );
}

export function runColour(runs, run) {
  const index = runs.indexOf(run);
  return RUN_COLOURS[(index < 0 ? 0 : index) % RUN_COLOURS.length];
}

/** Layers grouped by path prefix, filtered by substring, with kernel count and tile size. */
export function renderLayers(container, layers, { filter, selected, runs, onPick }) {
  const needle = filter.trim().toLowerCase();
  const shown = layers.filter((layer) => layer.name.toLowerCase().includes(needle));
  if (!shown.length) {
    container.replaceChildren(el("p", { className: "cc-hint", text: layers.length ? "No layer matches the filter." : "No layers yet." }));
    return;
  }
  const groups = new Map();
  for (const layer of shown) {
    const group = layer.path.length > 1 ? layer.path.slice(0, -1).join("/") + "/" : "";
    if (!groups.has(group)) groups.set(group, []);
    groups.get(group).push(layer);
  }
  const nodes = [];
  for (const [group, members] of groups) {
    if (group) nodes.push(el("div", { className: "cc-group", text: group }));
    for (const layer of members) {
      const layout = layoutFor(layer, runs);
      nodes.push(
        el(
          "button",
          {
            className: layer.name === selected ? "cc-layer cc-selected" : "cc-layer",
            attrs: { type: "button", "data-layer": layer.name, title: layer.name },
            on: { click: () => onPick(layer.name) },
          },
          [
            el("span", { className: "cc-layer-name", text: layer.path[layer.path.length - 1] || layer.name }),
            el("span", { className: "cc-layer-meta", text: layoutSummary(layout, layer) }),
          ],
        ),
      );
    }
  }
  container.replaceChildren(...nodes);
}

function layoutFor(layer, runs) {
  for (const run of runs) if (layer.runs[run] && layer.runs[run].layout) return layer.runs[run].layout;
  for (const entry of Object.values(layer.runs)) if (entry.layout) return entry.layout;
  return null;
}

function layoutSummary(layout, layer) {
  if (!layout) return "";
  const kernels = layout.shown < layout.kernel_count ? `${layout.shown}/${layout.kernel_count}` : `${layout.kernel_count}`;
  const sources = layer.sources.length > 1 ? ` · ${layer.sources.length} sources` : "";
  return `${kernels} kernels · ${layout.tile_height}×${layout.tile_width}${sources}`;
}

/**
 * One run's panel: header with the run name and shown step, then a scrollable
 * viewport holding the probe image (hidden until the run has one) beside the
 * mosaic canvas, with the health marks and the outlines (outline.js) laid over it.
 */
export function buildPanel(run, colour) {
  const canvas = el("canvas", { className: "cc-mosaic", attrs: { width: "1", height: "1" } });
  const hoverBox = el("div", { className: "cc-hover-box", attrs: { hidden: "" } });
  const followBox = el("div", { className: "cc-follow-box", attrs: { hidden: "" } });
  const marks = svgEl("svg", { class: "cc-marks", preserveAspectRatio: "none", "aria-hidden": "true" });
  const probeImage = el("img", { className: "cc-probe-image", attrs: { alt: `probe image of ${run}` } });
  const probe = el("figure", { className: "cc-probe", attrs: { hidden: "" } }, [
    probeImage,
    el("figcaption", { text: "probe image" }),
  ]);
  const clip = el("canvas", { className: "cc-clip", attrs: { width: "1", height: "1", hidden: "" } });
  const stage = el("div", { className: "cc-stage" }, [probe, el("div", { className: "cc-mosaic-box" }, [canvas, clip, marks, followBox, hoverBox])]);
  const panel = {
    run,
    root: null,
    canvas,
    hoverBox,
    followBox,
    marks,
    clip, // clipped pixels marked (colourbar.js)
    scale: el("div", { className: "cc-scale" }), // the colour bar (colourbar.js)
    probe,
    probeImage,
    probeAspect: 0, // the probe image's width / height once loaded (0: none shown)
    viewport: el("div", { className: "cc-viewport" }, [stage]),
    stepLabel: el("span", { className: "cc-panel-step" }),
    note: el("div", { className: "cc-note", attrs: { hidden: "" } }),
    frame: null,
    image: null,
  };
  panel.root = el("section", { className: "cc-panel" }, [
    el("header", { className: "cc-panel-header" }, [
      el("span", { className: "cc-swatch", attrs: { style: `background:${colour}` } }),
      el("span", { className: "cc-run-name", text: run, attrs: { title: run } }),
      panel.stepLabel,
    ]),
    panel.note,
    panel.viewport,
    panel.scale,
  ]);
  return panel;
}

/** The reference bar of "locked" normalisation: which run and step set the scale. */
export function renderReference(container, reference, { onLockShown, onBaseline }) {
  container.replaceChildren(
    el("span", { text: "Scale locked to " }),
    el("strong", { text: reference ? reference.run : "—" }),
    el("span", { text: reference ? ` at step ${reference.step}` : "" }),
    el("button", { className: "cc-link", text: "Lock to the shown step", attrs: { type: "button" }, on: { click: onLockShown } }),
    el("button", { className: "cc-link", text: "Baseline", attrs: { type: "button" }, on: { click: onBaseline } }),
  );
}

/** One filmstrip frame: an empty canvas (painted later, `size` on screen until then) over its step number. */
export function buildFilmCell(step, current, size) {
  const style = size ? `width:${size.width}px;height:${size.height}px` : "";
  const cell = el("figure", { className: "cc-film-cell" }, [
    el("canvas", { className: "cc-film-tile", attrs: { width: "1", height: "1", style } }),
    el("figcaption", { text: String(step) }),
  ]);
  if (current) cell.classList.add("cc-current");
  return cell;
}

/**
 * The filmstrip: a header, then one row per run (`rows`: [{run, colour, cells}], each cell
 * placed in its step's grid column) in one grid that scrolls as a whole; returns the grid.
 */
export function buildFilmstrip(strip, { kernel, layer, rows, onClose }) {
  const grid = el(
    "div",
    { className: "cc-film-grid" },
    rows.map(({ run, colour, cells }, index) => {
      for (const cell of cells) cell.style.gridRow = String(index + 1);
      const name = el("div", { className: "cc-film-run", attrs: { title: run, style: `grid-row:${index + 1}` } }, [
        el("span", { className: "cc-swatch", attrs: { style: `background:${colour}` } }),
        el("span", { text: run }),
      ]);
      return el("div", { className: "cc-film-row" }, [name, ...cells]);
    }),
  );
  strip.replaceChildren(
    el("header", { className: "cc-film-header" }, [
      el("h3", { text: `Kernel ${kernel} across steps` }),
      el("span", { className: "cc-hint", text: `${layer} · click a step to jump there` }),
      el("button", { className: "cc-close", text: "✕", attrs: { type: "button", title: "Close (Esc)" }, on: { click: onClose } }),
    ]),
    grid,
  );
  return grid;
}

/** The empty state / guidance text, with an optional code sample. */
export function renderMessage(container, title, body, code) {
  if (!title) {
    container.replaceChildren();
    container.hidden = true;
    return;
  }
  container.hidden = false;
  const parts = [el("h3", { text: title })];
  if (body) parts.push(el("p", { text: body }));
  if (code) parts.push(el("pre", {}, [el("code", { text: code })]));
  container.replaceChildren(...parts);
}

/** What to do when there is nothing to draw: no data yet (with a logging example), no run chosen. */
export function renderEmptyState(container, { hasData, hasRuns }) {
  if (!hasData) {
    renderMessage(container, "No convcam data yet", "Log mosaics of your conv layers into this logdir, then reload. For example:", LOGGING_HINT);
  } else if (!hasRuns) {
    renderMessage(container, "No run selected", "Pick one or more runs on the left to see them side by side.");
  } else {
    renderMessage(container, null);
  }
}

export function formatNumber(value) {
  if (!Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude !== 0 && (magnitude >= 1e4 || magnitude < 1e-3)) return value.toExponential(2);
  return value.toFixed(magnitude >= 100 ? 1 : 3);
}

const MARK_TEXT = {
  dead: "dead: the same value everywhere on the probe image",
  dormant: "dormant: barely active (mean |a| ≤ 2.5 % of the layer's)",
};

/**
 * Tooltip content: kernel, run, step and each source's stats at that kernel,
 * its health since the baseline when the step logged it ({echo, change}),
 * and its mark ("dead", "dormant" or null); `difference`: a line on the kernel's difference view (compare.js).
 */
export function renderTooltip(tooltip, { run, step, kernel, sources, difference = null }) {
  tooltip.replaceChildren(
    el("div", { className: "cc-tip-title", text: `Kernel ${kernel}` }),
    el("div", { className: "cc-tip-sub", text: `${run} · step ${step}` }),
    ...sources.map((source) =>
      el("div", { className: "cc-tip-source" }, [
        el("div", { className: "cc-tip-name", text: source.name || "activation" }),
        source.stats
          ? el("div", {
              className: "cc-tip-stats",
              text:
                `min ${formatNumber(source.stats.min)} · max ${formatNumber(source.stats.max)} · ` +
                `mean ${formatNumber(source.stats.mean)} · zeros ${(100 * source.stats.zero_fraction).toFixed(1)}%` +
                (source.stats.nonfinite ? ` · non-finite ${source.stats.nonfinite}` : ""),
            })
          : el("div", { className: "cc-tip-stats", text: "no such kernel in this source" }),
        source.health &&
          el("div", {
            className: "cc-tip-health",
            text: `echo ${formatNumber(source.health.echo)} · change since baseline ${formatNumber(source.health.change)}`,
          }),
        source.mark && el("div", { className: `cc-tip-mark cc-tip-${source.mark}`, text: MARK_TEXT[source.mark] }),
      ]),
    ),
    ...(difference ? [el("div", { className: "cc-tip-difference", text: difference })] : []),
    el("div", { className: "cc-tip-hint", text: "Click to follow this kernel across steps" }),
  );
}
