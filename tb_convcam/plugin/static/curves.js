// The layer's health over steps: one small SVG chart per metric, one curve per
// selected run (in the run's colour) and source (a merged layer's sources told
// apart by dashes), the scrubber's step marked. A click on a chart moves the
// scrubber to the nearest logged step. Charts are rebuilt only when the data
// changes; a scrub just moves the marker.

import { el, runColour, svgEl } from "./views.js";

// In the order of metadata.METRICS: [metric, label, what it means].
const METRICS = [
  ["dead_fraction", "Dead", "share of kernels whose output never changes, whatever the input"],
  ["dormant_fraction", "Dormant", "share of kernels that barely respond (mean |activation| ≤ 2.5 % of the layer's)"],
  ["echo", "Echo", "how much the maps still show the input image (1: a copy of it)"],
  ["drift", "Drift", "how far the layer's responses moved from the baseline (0: not at all)"],
];
const SOURCE_DASHES = ["", "6 3", "1.5 3"];
const BOX = { width: 280, height: 136, left: 30, right: 12, top: 10, bottom: 22 };
const MAX_DOTS = 60; // per curve; beyond, dots only clutter (a click still finds every step)

export class HealthCurves {
  /** `tab`: the controller (index.js); `tab.data.health` the loaded answers, `tab.scrubber` moves the step. */
  constructor(tab) {
    this.tab = tab;
    this.section = tab.ui.health;
    this.built = null; // what the charts show: {health, key}
    this.markers = [];
    this.x = null; // step -> chart x
  }

  /** Show `layer`'s curves for `runs` with `step` marked; hidden when none of them logged any. */
  draw(layer, runs, step) {
    const data = this.tab.data;
    const curves = layer ? collectCurves(layer, runs, data) : [];
    this.section.hidden = curves.length === 0;
    if (!curves.length) {
      this.built = null;
      return;
    }
    const key = [layer.name, ...runs].join("\u0000");
    if (!this.built || this.built.health !== data.health || this.built.key !== key) {
      const silent = runs.filter((run) => run in layer.runs && !curves.some((curve) => curve.run === run));
      this.build(layer, curves, data.steps, silent);
      this.built = { health: data.health, key };
    }
    for (const marker of this.markers) {
      marker.setAttribute("visibility", step === null ? "hidden" : "visible");
      if (step === null) continue;
      marker.setAttribute("x1", this.x(step));
      marker.setAttribute("x2", this.x(step));
    }
  }

  build(layer, curves, steps, silent) {
    const all = new Set(steps);
    for (const curve of curves) for (const points of Object.values(curve.metrics)) for (const [step] of points) all.add(step);
    const sorted = [...all].sort((a, b) => a - b);
    const [first, last] = [sorted[0], sorted[sorted.length - 1]];
    const plotWidth = BOX.width - BOX.left - BOX.right;
    const plotHeight = BOX.height - BOX.top - BOX.bottom;
    this.x = (step) => BOX.left + (last === first ? plotWidth / 2 : ((step - first) / (last - first)) * plotWidth);
    const y = (value) => BOX.top + (1 - Math.min(1, Math.max(0, value))) * plotHeight;
    this.markers = [];
    const sources = layer.sources.map((source) => source.name);
    this.section.replaceChildren(
      el("header", { className: "cc-health-header" }, [
        el("h3", { text: "Layer health" }),
        el("span", { className: "cc-hint", text: "click a chart to go to that step" }),
        sources.length > 1 && sourceLegend(sources),
        silent.length > 0 && el("span", { className: "cc-hint cc-health-silent", text: `not logged by ${silent.join(", ")}` }),
      ]),
      el("div", { className: "cc-charts" }, METRICS.map((metric) => this.chart(metric, curves, sorted, y))),
    );
  }

  chart([metric, label, hint], curves, steps, y) {
    const x = this.x;
    const marker = svgEl("line", { class: "cc-chart-marker", y1: BOX.top - 4, y2: BOX.height - BOX.bottom });
    this.markers.push(marker);
    const svg = svgEl(
      "svg",
      { class: "cc-chart-plot", width: BOX.width, height: BOX.height, viewBox: `0 0 ${BOX.width} ${BOX.height}`, role: "img", "aria-label": `${label} over steps` },
      [
        ...axes(steps[0], steps[steps.length - 1], y),
        ...curves.map((curve) => curvePath(curve, metric, x, y)),
        ...curves.flatMap((curve) => curveDots(curve, metric, label, x, y)),
        marker,
      ],
    );
    svg.addEventListener("click", (event) => {
      const rect = svg.getBoundingClientRect();
      const at = ((event.clientX - rect.left) / rect.width) * BOX.width;
      const nearest = steps.reduce((best, step) => (Math.abs(x(step) - at) < Math.abs(x(best) - at) ? step : best));
      this.tab.scrubber.goToStep(nearest);
    });
    return el("figure", { className: "cc-chart", attrs: { "data-metric": metric } }, [
      el("figcaption", {}, [el("strong", { text: label }), " ", el("span", { className: "cc-chart-hint", text: hint })]),
      svg,
    ]);
  }
}

/** One curve per run and source with points: {run, colour, source, dash, metrics}. */
function collectCurves(layer, runs, data) {
  const curves = [];
  for (const run of runs) {
    const answer = data.health.get(run);
    if (!answer || answer.layer !== layer.name) continue; // a load for another layer
    answer.sources.forEach((source, index) => {
      if (!Object.values(source.metrics).some((points) => points.length)) return;
      const colour = runColour(data.listing.runs, run);
      curves.push({ run, colour, source: source.name, dash: SOURCE_DASHES[index % SOURCE_DASHES.length], metrics: source.metrics });
    });
  }
  return curves;
}

/** An SVG element holding `content` as text: a <text> label, or a <title> tooltip. */
function text(content, attrs, tag = "text") {
  const node = svgEl(tag, attrs);
  node.textContent = content;
  return node;
}

/** Grid lines and labels at 0, 0.5 and 1; the first and last step under the x axis. */
function axes(first, last, y) {
  const [left, right, bottom] = [BOX.left, BOX.width - BOX.right, BOX.height - 6];
  return [
    ...[0, 0.5, 1].flatMap((value) => [
      svgEl("line", { class: value === 0 ? "cc-chart-axis" : "cc-chart-grid", x1: left, x2: right, y1: y(value), y2: y(value) }),
      text(String(value), { class: "cc-chart-tick", x: left - 5, y: y(value), "text-anchor": "end", "dominant-baseline": "middle" }),
    ]),
    text(`step ${first}`, { class: "cc-chart-tick", x: left, y: bottom, "text-anchor": "start" }),
    first !== last && text(String(last), { class: "cc-chart-tick", x: right, y: bottom, "text-anchor": "end" }),
  ];
}

/** The curve as one path; a null value (not finite when logged) breaks it. */
function curvePath(curve, metric, x, y) {
  let d = "";
  let pen = "M";
  for (const [step, value] of curve.metrics[metric] || []) {
    if (value === null) {
      pen = "M";
      continue;
    }
    d += `${pen}${x(step).toFixed(1)} ${y(value).toFixed(1)}`;
    pen = "L";
  }
  return svgEl("path", {
    class: "cc-curve",
    d,
    stroke: curve.colour,
    "stroke-dasharray": curve.dash || "none",
    "data-run": curve.run,
    "data-source": curve.source,
  });
}

/** A dot per point, its value in a native tooltip; none on long curves. */
function curveDots(curve, metric, label, x, y) {
  const points = (curve.metrics[metric] || []).filter(([, value]) => value !== null);
  if (points.length > MAX_DOTS) return [];
  return points.map(([step, value]) =>
    svgEl("circle", { class: "cc-point", cx: x(step), cy: y(value), r: 2.5, fill: curve.colour, "data-run": curve.run, "data-source": curve.source, "data-step": step }, [
      text(`${curve.run} · ${curve.source} · step ${step}: ${label.toLowerCase()} ${value.toFixed(3)}`, {}, "title"),
    ]),
  );
}

/** For a merged layer: which dash is which source. */
function sourceLegend(sources) {
  return el(
    "span",
    { className: "cc-health-legend" },
    sources.map((source, index) =>
      el("span", { className: "cc-legend-source" }, [
        svgEl("svg", { width: 26, height: 8, "aria-hidden": "true" }, [
          svgEl("line", { class: "cc-legend-line", x1: 1, x2: 25, y1: 4, y2: 4, "stroke-dasharray": SOURCE_DASHES[index % SOURCE_DASHES.length] || "none" }),
        ]),
        el("span", { text: source }),
      ]),
    ),
  );
}
