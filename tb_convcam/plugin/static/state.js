// The view state, its URL form, and keeping it in the URL, so that a view can
// be bookmarked and shared.
//
// The state is a flat query string: layer, run (repeated, names may hold any
// character), step, norm, colour, zoom, kernel, overlay (the dead / dormant
// marks), image (which probe image, when runs logged several), and the
// reference (refRun, refStep) that "locked" normalisation uses, and runFilter
// (the run list's regular expression, runfilter.js). It lives in
// the plugin page's hash and, inside TensorBoard, in TensorBoard's own URL as
// ?p.convcam.view=…
// clip=0 turns off the marks on clipped pixels (colourbar.js).

import { embeddingUrl } from "./host.js";

export const NORMALISATIONS = ["kernel", "layer", "locked"];
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
