// The filmstrip: one kernel across up to 24 logged steps (evenly spread,
// first and last included) for every selected run, of the probe image the
// panels show. The runs' rows scroll as one, a step in the same column in
// every row, and the current step is brought into view. A click on a tile
// opens it, a click on a frame jumps to that step, Esc or ✕ closes it.

import { atOrBefore, spread } from "./model.js";
import { paint } from "./pixels.js";
import { tileBox } from "./stepinfo.js";
import { buildFilmCell, buildFilmstrip, isTyping, runColour } from "./views.js";

const FILMSTRIP_STEPS = 24;
const TILE_PX = 72; // a filmstrip tile's longer side, at an integer zoom, at least

export class Filmstrip {
  /** `tab`: the controller (index.js); `tab.data` what is loaded, `tab.draw()` redraws. */
  constructor(tab) {
    this.tab = tab;
    this.data = tab.data;
    this.strip = tab.ui.filmstrip;
  }

  bind() {
    document.addEventListener("keydown", (event) => {
      if (isTyping(event) || event.key !== "Escape" || this.tab.state.kernel === null) return;
      this.show(null);
      event.preventDefault();
    });
  }

  /** Open the filmstrip of `kernel`; null closes it. */
  show(kernel) {
    this.tab.state.kernel = kernel;
    this.tab.draw();
  }

  draw(layer, runs, view, token) {
    const strip = this.strip;
    const kernel = this.tab.state.kernel;
    if (kernel === null) {
      strip.hidden = true;
      strip.replaceChildren();
      return;
    }
    strip.hidden = false;
    const data = this.data;
    const scrolled = strip.querySelector(".cc-film-grid")?.scrollLeft ?? null; // null: opening
    const shown = runs.filter((run) => data.series.has(run)).map((run) => [run, spread(data.series.get(run).steps, FILMSTRIP_STEPS)]);
    const columns = [...new Set(shown.flatMap(([, entries]) => entries.map((entry) => entry.step)))].sort((a, b) => a - b);
    const rows = shown.map(([run, entries]) => {
      const steps = data.series.get(run).steps;
      const current = atOrBefore(steps, data.currentStep() ?? -Infinity)?.step;
      const size = tileSize(layer.runs[run]?.layout);
      const cells = entries.map((entry) => {
        const cell = buildFilmCell(entry.step, entry.step === current, size);
        cell.style.gridColumn = String(2 + columns.indexOf(entry.step)); // after the run's name
        const key = data.frameKey(entry);
        if (key === null) {
          cell.classList.add("cc-missing"); // this step has no mosaic of the shown probe image
        } else {
          // Fetched once the panels have asked for their frames: those come first.
          queueMicrotask(() => data.cache.get(key).then(
            (frame) => token === this.tab.drawToken && paintFilmCell(cell, frame, kernel, view),
            () => cell.classList.add("cc-missing"),
          ));
        }
        cell.addEventListener("click", () => {
          this.tab.state.step = entry.step;
          this.tab.draw();
        });
        return cell;
      });
      return { run, colour: runColour(data.listing.runs, run), cells };
    });
    const grid = buildFilmstrip(strip, { kernel, layer: layer.name, rows, onClose: () => this.show(null) });
    if (scrolled !== null) grid.scrollLeft = scrolled;
    showCurrent(grid);
  }
}

/** Scroll the rows so that the current step's cells are in view (past the sticky run names). */
function showCurrent(grid) {
  const current = [...grid.querySelectorAll(".cc-current")].map((cell) => cell.getBoundingClientRect());
  if (!current.length) return;
  const names = grid.querySelector(".cc-film-run").getBoundingClientRect().right; // the visible part starts there
  const end = grid.getBoundingClientRect().left + grid.clientWidth - parseFloat(getComputedStyle(grid).paddingRight);
  const left = Math.min(...current.map((rect) => rect.left));
  const right = Math.max(...current.map((rect) => rect.right));
  if (left < names) grid.scrollLeft -= names - left;
  else if (right > end) grid.scrollLeft += right - end;
}

/** The on-screen size of a tile of `layout` (the listing's, of the latest step), so cells take their place before they paint. */
function tileSize(layout) {
  if (!layout) return null;
  const scale = tileScale(layout.tile_width, layout.tile_height);
  return { width: layout.tile_width * scale, height: layout.tile_height * scale };
}

function tileScale(width, height) {
  return Math.max(1, Math.floor(TILE_PX / Math.max(width, height)));
}

/** Cut the kernel's tile out of a frame, painted like the panels, into a cell. */
function paintFilmCell(cell, frame, kernel, view) {
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
  const scale = tileScale(box.width, box.height);
  canvas.style.width = `${box.width * scale}px`;
  canvas.style.height = `${box.height * scale}px`;
}
