// The filmstrip: one kernel across up to 24 logged steps (evenly spread,
// first and last included) for every selected run, of the probe image the
// panels show. A click on a tile opens it, a click on a frame jumps to that
// step, Esc or ✕ closes it.

import { atOrBefore, spread } from "./model.js";
import { paint } from "./pixels.js";
import { tileBox } from "./stepinfo.js";
import { buildFilmCell, buildFilmstrip, isTyping, runColour } from "./views.js";

const FILMSTRIP_STEPS = 24;

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
    const rows = runs
      .filter((run) => data.series.has(run))
      .map((run) => {
        const steps = data.series.get(run).steps;
        const current = atOrBefore(steps, data.currentStep() ?? -Infinity)?.step;
        const cells = spread(steps, FILMSTRIP_STEPS).map((entry) => {
          const cell = buildFilmCell(entry.step, entry.step === current);
          const key = data.frameKey(entry);
          if (key === null) {
            cell.classList.add("cc-missing"); // this step has no mosaic of the shown probe image
          } else {
            data.cache.get(key).then(
              (frame) => token === this.tab.drawToken && paintFilmCell(cell, frame, kernel, view),
              () => cell.classList.add("cc-missing"),
            );
          }
          cell.addEventListener("click", () => {
            this.tab.state.step = entry.step;
            this.tab.draw();
          });
          return cell;
        });
        return { run, colour: runColour(data.listing.runs, run), cells };
      });
    buildFilmstrip(strip, { kernel, layer: layer.name, rows, onClose: () => this.show(null) });
  }
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
  const scale = Math.max(1, Math.floor(72 / Math.max(box.width, box.height)));
  canvas.style.width = `${box.width * scale}px`;
  canvas.style.height = `${box.height * scale}px`;
}
