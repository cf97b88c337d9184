// The view state, its URL form, and keeping it in the URL, so that a view can
// be bookmarked and shared.
//
// The state is a flat query string: layer, run (repeated, names may hold any
// character), step, norm, colour, zoom, kernel, overlay (the dead / dormant
// marks), image (which probe image, when runs logged several), and the
// reference (refRun, refStep) that "locked" normalisation uses, and runFilter
// (the run list's regular expression, runfilter.js), the kernels' arrangement
// and the step it is taken from (arrange, arrangeRun, arrangeStep; arrange.js),
// and the comparison (diff: "run" or "baseline", diffRun, diffShow, diffGain, diffSplit; compare.js). It lives in
// the plugin page's hash and, inside TensorBoard, in TensorBoard's own URL as
// ?p.convcam.view=…
// clip=0 turns off the marks on clipped pixels (colourbar.js).

import { embeddingUrl } from "./host.js";

export const NORMALISATIONS = ["kernel", "layer", "locked"];
export const ARRANGEMENTS = ["index", "mean", "echo", "change"];
export const COMPARISONS = ["run", "baseline"];
export const DIFF_SHOWS = ["difference", "swipe", "flicker"];
export const DIFF_GAINS = [1, 4, 16];
export const ZOOM_FIT = 0;
export const MAX_ZOOM = 32;
const URL_PARAM = "p.convcam.view"; // the view in TensorBoard's own URL when embedded
const URL_WRITE_MS = 250;

export function defaultState() {
  return {
    layer: null,
    runs: [],
    step: null, // null: follow the latest step
    norm: "kernel",
    colour: "rgb", // "rgb", "source0".."source2", "recolour"
    zoom: ZOOM_FIT,
    kernel: null, // the kernel shown in the filmstrip
    overlay: false, // mark dead and dormant kernels on the mosaics
    clip: true, // mark clipped pixels on the mosaics ("Whole layer", "Locked"; colourbar.js)
    image: 0, // which probe image the panels show: its position in a step (probechoice.js)
    refRun: null,
    refStep: null,
    runFilter: "", // the run list's filter: a regular expression (runfilter.js)
    arrange: "index", // the order of the tiles (arrange.js), taken from arrangeRun's arrangeStep
    arrangeRun: null,
    arrangeStep: null,
    diff: "", // compare every panel with: "" nothing, "run" diffRun at the same step, "baseline" its baseline
    diffRun: null,
    diffShow: "difference", // how: "difference", "swipe" or "flicker"
    diffGain: 1, // the difference's full colour at 1 / diffGain of the shown range
    diffSplit: 0.5, // the swipe's divider, a fraction of the mosaic's width in steps of 1/10000 (compare.js)
  };
}

export function parseState(text) {
  const params = new URLSearchParams(text.replace(/^[#?]/, ""));
  const state = defaultState();
  state.layer = params.get("layer") || null;
  state.runs = params.getAll("run").filter((run) => run !== "");
  state.step = integerOrNull(params.get("step"));
  if (NORMALISATIONS.includes(params.get("norm"))) state.norm = params.get("norm");
  const colour = params.get("colour");
  if (colour === "rgb" || colour === "recolour" || /^source[0-2]$/.test(colour || "")) state.colour = colour;
  const zoom = integerOrNull(params.get("zoom"));
  if (zoom !== null && zoom >= 0 && zoom <= MAX_ZOOM) state.zoom = zoom;
  state.kernel = integerOrNull(params.get("kernel"));
  state.overlay = params.get("overlay") === "1";
  state.clip = params.get("clip") !== "0";
  const image = integerOrNull(params.get("image"));
  if (image !== null && image >= 0) state.image = image;
  state.refRun = params.get("refRun") || null;
  state.refStep = integerOrNull(params.get("refStep"));
  state.runFilter = (params.get("runFilter") || "").slice(0, 1000);
  if (ARRANGEMENTS.includes(params.get("arrange"))) state.arrange = params.get("arrange");
  state.arrangeRun = params.get("arrangeRun") || null;
  state.arrangeStep = integerOrNull(params.get("arrangeStep"));
  if (COMPARISONS.includes(params.get("diff"))) state.diff = params.get("diff");
  state.diffRun = params.get("diffRun") || null;
  if (DIFF_SHOWS.includes(params.get("diffShow"))) state.diffShow = params.get("diffShow");
  if (DIFF_GAINS.includes(Number(params.get("diffGain")))) state.diffGain = Number(params.get("diffGain"));
  if (/^(0(\.\d{1,4})?|1(\.0{1,4})?)$/.test(params.get("diffSplit") || "")) state.diffSplit = Number(params.get("diffSplit"));
  return state;
}

export function formatState(state) {
  const params = new URLSearchParams();
  if (state.layer) params.set("layer", state.layer);
  for (const run of state.runs) params.append("run", run);
  if (state.step !== null) params.set("step", String(state.step));
  if (state.norm !== "kernel") params.set("norm", state.norm);
  if (state.colour !== "rgb") params.set("colour", state.colour);
  if (state.zoom !== ZOOM_FIT) params.set("zoom", String(state.zoom));
  if (state.kernel !== null) params.set("kernel", String(state.kernel));
  if (state.overlay) params.set("overlay", "1");
  if (!state.clip) params.set("clip", "0");
  if (state.image !== 0) params.set("image", String(state.image));
  if (state.norm === "locked" && state.refRun !== null) {
    params.set("refRun", state.refRun);
    if (state.refStep !== null) params.set("refStep", String(state.refStep));
  }
  if (state.runFilter) params.set("runFilter", state.runFilter);
  if (state.arrange !== "index") {
    params.set("arrange", state.arrange);
    if (state.arrangeRun !== null) params.set("arrangeRun", state.arrangeRun);
    if (state.arrangeStep !== null) params.set("arrangeStep", String(state.arrangeStep));
  }
  if (state.diff) {
    params.set("diff", state.diff);
    if (state.diff === "run" && state.diffRun !== null) params.set("diffRun", state.diffRun);
    if (state.diffShow !== "difference") params.set("diffShow", state.diffShow);
    if (state.diffGain !== 1) params.set("diffGain", String(state.diffGain));
    if (state.diffShow === "swipe" && state.diffSplit !== 0.5) params.set("diffSplit", String(state.diffSplit));
  }
  return params.toString();
}

function integerOrNull(text) {
  if (text === null || !/^-?\d{1,15}$/.test(text)) return null;
  return Number(text);
}

/** The saved view: TensorBoard's URL parameter when embedded, else the page's hash. */
export function readUrlState() {
  const outer = embeddingUrl();
  return (outer && outer.searchParams.get(URL_PARAM)) || window.location.hash;
}

let pendingUrlState = null;

/** Save the view in the URL, at most every URL_WRITE_MS (browsers throttle history updates). */
export function writeUrlState(text) {
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
