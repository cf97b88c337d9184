// The pointer on a panel: hover outlines the kernel in every run's panel and
// shows its stats (and its health, when logged), a drag pans (every panel follows), a
// click opens the filmstrip of that kernel.

import { slotAtPosition } from "./arrange.js";
import { differenceLine } from "./compare.js";
import { kernelMarks } from "./kernelhealth.js";
import { outlineKernel } from "./outline.js";
import { slotAt } from "./stepinfo.js";
import { renderTooltip } from "./views.js";

const DRAG_THRESHOLD_PX = 4; // a press that moves less is a click

/** Wire a new panel; `tab` is the controller (index.js). */
export function bindPointer(panel, tab) {
  const { viewport, canvas } = panel;
  let drag = null;
  canvas.addEventListener("pointermove", (event) => {
    if (drag) return;
    hover(panel, event, tab);
  });
  canvas.addEventListener("pointerleave", () => hideHover(tab));
  viewport.addEventListener("pointerdown", (event) => {
    drag = { x: event.clientX, y: event.clientY, left: viewport.scrollLeft, top: viewport.scrollTop, moved: false };
    viewport.setPointerCapture(event.pointerId);
  });
  viewport.addEventListener("pointermove", (event) => {
    if (!drag) return;
    const dx = event.clientX - drag.x;
    const dy = event.clientY - drag.y;
    if (Math.abs(dx) + Math.abs(dy) > DRAG_THRESHOLD_PX) drag.moved = true;
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
      const found = hit(panel, event);
      if (found) tab.filmstrip.show(found.kernel);
    }
  });
  // Panels pan together, so the same kernels stay side by side.
  viewport.addEventListener("scroll", () => {
    for (const other of tab.panels.all()) {
      if (other === panel) continue;
      if (other.viewport.scrollLeft !== viewport.scrollLeft) other.viewport.scrollLeft = viewport.scrollLeft;
      if (other.viewport.scrollTop !== viewport.scrollTop) other.viewport.scrollTop = viewport.scrollTop;
    }
  });
}

/** The tile under the pointer: {position, slot, kernel, frame}, or null; `slot` the true one of the tile drawn at `position` (arrange.js). */
function hit(panel, event) {
  const frame = panel.frame;
  if (!frame) return null;
  const rect = panel.canvas.getBoundingClientRect();
  const x = Math.floor(((event.clientX - rect.left) / rect.width) * frame.width);
  const y = Math.floor(((event.clientY - rect.top) / rect.height) * frame.height);
  const position = slotAt(frame.info, x, y);
  if (position === null || position < 0) return null;
  const slot = slotAtPosition(panel.arrangement, position);
  return { position, slot, kernel: frame.info.kernels[slot], frame };
}

function hover(panel, event, tab) {
  const tooltip = tab.ui.tooltip;
  const found = hit(panel, event);
  if (!found) {
    hideHover(tab);
    return;
  }
  const { slot, kernel, frame } = found;
  for (const other of tab.panels.all()) outlineKernel(other.hoverBox, other.frame, kernel, other.arrangement); // the same kernel in every run
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
    health: source.health && slot < source.health.echo.length ? { echo: source.health.echo[slot], change: source.health.change[slot] } : null,
    mark: kernelMarks(source)[slot] || null,
  }));
  renderTooltip(tooltip, { run: panel.run, step: panel.root.dataset.step, kernel, sources, difference: differenceLine(panel, slot) });
  tooltip.hidden = false;
  const x = Math.min(event.clientX + 16, window.innerWidth - tooltip.offsetWidth - 8);
  const y = Math.min(event.clientY + 16, window.innerHeight - tooltip.offsetHeight - 8);
  tooltip.style.left = `${Math.max(8, x)}px`;
  tooltip.style.top = `${Math.max(8, y)}px`;
}

function hideHover(tab) {
  for (const panel of tab.panels.all()) panel.hoverBox.hidden = true;
  tab.ui.tooltip.hidden = true;
}
