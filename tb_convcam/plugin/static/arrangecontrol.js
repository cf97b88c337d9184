// The Arrange control and its bar: which order the tiles are drawn in
// (arrange.js), the step that order is taken from, and loading that step.
// One order for every panel and every step, so the same tile position is the
// same kernel in every run and tiles do not jump while scrubbing; "Re-sort at
// the shown step" takes it again from the first shown run.

import { ARRANGE_OPTIONS, canArrange, kernelOrder } from "./arrange.js";
import { atOrBefore } from "./model.js";
import { el, renderSegmented } from "./views.js";

const SORTED_BY = { mean: "mean activation", echo: "echo of the input image", change: "change since the baseline" };

export class ArrangeControl {
  /** `tab`: the controller (index.js); `tab.data` what is loaded, `tab.draw()` redraws. */
  constructor(tab) {
    this.tab = tab;
    this.ui = tab.ui;
    this.data = tab.data;
    this.state = tab.state;
    this.loaded = null; // the last order taken: {key, by, colour, info, order}
  }

  /**
   * The step the order is taken from, {run, step, key}: the state's run and
   * step (at or before it) while that run is shown, else the first shown
   * run's latest step; null with nothing loaded.
   */
  reference() {
    const { data, state } = this;
    const runs = data.selectedRuns().filter((run) => data.series.has(run) && data.series.get(run).steps.length);
    const run = runs.includes(state.arrangeRun) ? state.arrangeRun : runs[0];
    if (!run) return null;
    const steps = data.series.get(run).steps;
    const chosen = run === state.arrangeRun && state.arrangeStep !== null ? atOrBefore(steps, state.arrangeStep) : null;
    const entry = chosen || steps[steps.length - 1];
    const key = data.frameKey(entry);
    return key && { run, step: entry.step, key };
  }

  /** A promise of the order every panel draws its tiles in (kernel indices); null: index order. */
  order() {
    const { arrange: by, colour } = this.state;
    const reference = by === "index" ? null : this.reference();
    if (!reference) return Promise.resolve(null);
    return this.data.cache.get(reference.key).then(
      (frame) => {
        const last = this.loaded;
        if (!last || last.key !== reference.key || last.by !== by || last.colour !== colour) {
          // A new array only when the order may change: panels memoise their arrangement by it.
          this.loaded = { key: reference.key, by, colour, info: frame.info, order: kernelOrder(frame.info, by, colour) };
        }
        return this.loaded.order;
      },
      () => null,
    );
  }

  /** The arrangement as an exported picture tells it, for `order` (null: index order, nothing to tell): {by, run, step, text}. */
  describe(order) {
    const reference = order && this.reference();
    if (!reference) return null;
    const by = this.state.arrange;
    return { by, run: reference.run, step: reference.step, text: `Tiles by ${SORTED_BY[by]}, highest first, as at ${reference.run} step ${reference.step}` };
  }

  /** Pick an order, taken from the step the first shown run shows now. */
  pick(by) {
    this.state.arrange = by;
    if (by === "index") Object.assign(this.state, { arrangeRun: null, arrangeStep: null });
    else this.takeFromShownStep();
    this.tab.draw();
  }

  takeFromShownStep() {
    const run = this.data.selectedRuns().find((name) => this.data.series.has(name));
    const entry = run && atOrBefore(this.data.series.get(run).steps, this.data.currentStep());
    if (entry) Object.assign(this.state, { arrangeRun: run, arrangeStep: entry.step });
  }

  /** The control (echo and change disabled when the reference step has no per-kernel health) and the bar. */
  render() {
    const by = this.state.arrange;
    renderSegmented(this.ui.arrange, ARRANGE_OPTIONS, by, (value) => this.pick(value));
    const reference = this.reference();
    const info = reference && this.loaded && this.loaded.key === reference.key ? this.loaded.info : null;
    const frame = !info && reference ? this.data.cache.peek(reference.key) : null;
    const shown = info || (frame && frame.info);
    for (const button of this.ui.arrange.children) {
      const value = button.dataset.value;
      const missing = shown && !canArrange(shown, value, this.state.colour);
      button.disabled = Boolean(missing);
      const [, , title] = ARRANGE_OPTIONS.find(([option]) => option === value);
      button.title = missing
        ? `${title}: needs per-kernel health (step info version 2, logged with health metrics); ${reference.run} step ${reference.step} has none`
        : title;
    }
    this.renderBar(by, reference, shown);
  }

  renderBar(by, reference, shown) {
    const bar = this.ui.arrangeBar;
    bar.hidden = by === "index" || !reference;
    if (bar.hidden) return;
    const usable = !shown || canArrange(shown, by, this.state.colour);
    const signature = JSON.stringify([by, reference.run, reference.step, usable]);
    if (bar.dataset.signature === signature) return; // rebuilt only when it changes, not on every scrub
    bar.dataset.signature = signature;
    bar.replaceChildren(
      el("span", { text: usable ? `Tiles by ${SORTED_BY[by]}, highest first, as at ` : `No ${SORTED_BY[by]} logged at ` }),
      el("strong", { text: reference.run }),
      el("span", {
        text: ` step ${reference.step}` + (usable ? ": one order in every panel and step" : " (step info version 1): tiles in index order"),
      }),
      el("button", {
        className: "cc-link",
        text: "Re-sort at the shown step",
        attrs: { type: "button" },
        on: { click: () => (this.takeFromShownStep(), this.tab.draw()) },
      }),
    );
  }
}
