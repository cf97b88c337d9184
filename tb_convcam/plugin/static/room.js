// The room the panels have on screen, which Fit fills (fit.js does the
// arithmetic): each row's height under the toolbar once the health curves and
// the filmstrip have theirs, and per panel the height its header and colour
// bar take and its viewport's width. Reading these from the page makes the
// browser lay it out first, again after each panel's paint wrote its styles:
// 6.4 of a scrub step's 11 ms (profiled). So they are measured once, each
// panel's at its paint as before, and kept while nothing that shapes the
// layout changed: a scrub, which only moves the step, reads no layout at all.
// They are measured again
//  - at the paints of a draw whose view (the state but its step) or loaded
//    data (listing, steps, health: the curves' and filmstrip's heights) differ
//    from those they were measured under;
//  - when a ResizeObserver sees the main area (the window), the toolbar, the
//    health curves, the filmstrip or a panel change size and the layout it
//    then reads differs from the one kept (a label that wraps, a bar that
//    appears): then the tab draws again. A layout that did not change draws
//    nothing, so drawing (which resizes the panels) cannot loop.

import { rowHeight } from "./fit.js";
import { formatState } from "./state.js";

const BORDER_BOX = { box: "border-box" }; // what a ResizeObserver watches: padding and borders take room too

export class Room {
  /** `tab`: the controller (index.js): its page (`ui`), what shapes it (`state`, `data`), `draw()`; `panels()` the panels shown. */
  constructor(tab, panels) {
    this.tab = tab;
    this.panels = panels;
    this.under = null; // what the kept layout was measured under (shapedBy)
    this.row = null; // each row's height, once measured
    this.boxes = new Map(); // panel -> {chrome, width, padding}, once measured
    const { main, toolbar, health, filmstrip } = tab.ui;
    this.observer = new ResizeObserver(() => this.check());
    for (const part of [main, toolbar, health, filmstrip]) this.observer.observe(part, BORDER_BOX);
  }

  observe(panel) {
    this.observer.observe(panel.root, BORDER_BOX);
  }

  unobserve(panel) {
    this.observer.unobserve(panel.root);
    this.boxes.delete(panel);
  }

  /**
   * Set `panel`'s viewport's max-height (a zoom beyond Fit scrolls inside it) to its row's height less
   * the panel's header and colour bar (so draw the bar first); returns its content box then ({width,
   * height}), which Fit fills. Measured unless kept.
   */
  viewport(panel) {
    const under = shapedBy(this.tab);
    if (!this.isUnder(under)) this.forget(under);
    if (this.row === null) this.row = this.measureRow();
    let box = this.boxes.get(panel);
    if (!box) this.boxes.set(panel, (box = measureBox(panel)));
    const height = this.row - box.chrome;
    panel.viewport.style.maxHeight = `${height}px`;
    return { width: box.width - box.padding, height: height - box.padding };
  }

  /**
   * A ResizeObserver's callback (the layout is fresh there: reading it is cheap): draw again if the kept
   * layout is out of date, whatever it was measured under (the state may have changed with no draw, as a
   * swipe's divider does).
   */
  check() {
    if (this.row === null) return; // nothing kept: the next paint measures
    // A panel showing no mosaic (a note instead) is measured when it shows one again.
    const shown = [...this.panels()].filter((panel) => this.boxes.has(panel) && !panel.viewport.hidden);
    if (this.measureRow() === this.row && shown.every((panel) => sameBox(this.boxes.get(panel), measureBox(panel)))) return;
    this.forget(this.under);
    this.tab.draw();
  }

  isUnder(under) {
    return this.under !== null && under.every((input, i) => input === this.under[i]);
  }

  forget(under) {
    this.under = under;
    this.row = null;
    this.boxes.clear();
  }

  /** Each row's height: the main area under the toolbar, less the health curves and the filmstrip, shared by the rows of panels. */
  measureRow() {
    const { main, toolbar, panels, health, filmstrip } = this.tab.ui;
    const style = getComputedStyle(panels);
    const below = [health, filmstrip].reduce((sum, part) => sum + (part.hidden ? 0 : part.offsetHeight + parseFloat(getComputedStyle(part).marginBottom)), 0);
    const padding = parseFloat(style.paddingTop) + parseFloat(style.paddingBottom);
    const rows = new Set([...this.panels()].map((panel) => panel.root.offsetTop)).size;
    return rowHeight(main.clientHeight - toolbar.offsetHeight - below - padding, rows, parseFloat(style.rowGap) || 0);
  }
}

/** What shapes the layout besides the sizes the ResizeObserver sees: the view but its step, and the data loaded (each load a new object). */
function shapedBy(tab) {
  const { listing, series, health } = tab.data;
  return [formatState({ ...tab.state, step: null }), listing, series, health];
}

/**
 * `panel`'s header, note and colour bar (`chrome`: the height besides its viewport), and its viewport's
 * width and padding. The width with no scrollbar (the viewport has no border): Fit's mosaic needs none,
 * and a mosaic drawn larger before, still there as this is measured, must not make Fit smaller.
 */
function measureBox(panel) {
  const { root, viewport } = panel;
  const style = getComputedStyle(viewport);
  return {
    chrome: root.offsetHeight - viewport.offsetHeight,
    width: viewport.offsetWidth,
    padding: parseFloat(style.paddingLeft) + parseFloat(style.paddingRight),
  };
}

function sameBox(a, b) {
  return a.chrome === b.chrome && a.width === b.width && a.padding === b.padding;
}
