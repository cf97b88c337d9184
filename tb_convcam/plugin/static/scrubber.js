// The step scrubber: slider, play / pause, readout, and the keys that move
// the step (←/→, Home/End, space). The last position means "follow the
// latest step", so new steps keep showing up.

import { isTyping } from "./views.js";

const PLAY_INTERVAL_MS = 350;

export class Scrubber {
  /** `tab`: the controller (index.js); `tab.data` holds the steps, `tab.draw()` redraws. */
  constructor(tab) {
    this.tab = tab;
    this.ui = tab.ui;
    this.data = tab.data;
    this.playTimer = null;
  }

  bind() {
    this.ui.slider.addEventListener("input", () => this.setIndex(Number(this.ui.slider.value)));
    this.ui.play.addEventListener("click", () => this.togglePlay());
    document.addEventListener("keydown", (event) => this.onKey(event));
  }

  onKey(event) {
    if (isTyping(event)) return;
    const steps = this.data.steps;
    if (event.key === "ArrowRight" || event.key === "ArrowLeft") {
      this.setIndex(this.index() + (event.key === "ArrowRight" ? 1 : -1));
    } else if (event.key === "Home" || event.key === "End") {
      this.setIndex(event.key === "Home" ? 0 : steps.length - 1);
    } else if (event.key === " " && !(event.target instanceof HTMLButtonElement)) {
      this.togglePlay();
    } else {
      return;
    }
    event.preventDefault();
  }

  /** Index of the chosen step in the union of steps. */
  index() {
    const steps = this.data.steps;
    const step = this.data.currentStep();
    const index = steps.findIndex((s) => s >= step);
    return index < 0 ? steps.length - 1 : index;
  }

  setIndex(index) {
    const steps = this.data.steps;
    if (!steps.length) return;
    const clamped = Math.max(0, Math.min(steps.length - 1, index));
    // The last index means "follow the latest", so new steps keep showing up.
    this.tab.state.step = clamped === steps.length - 1 ? null : steps[clamped];
    this.render();
    this.tab.draw();
  }

  /** Move to `step` (one clicked on a health curve); the latest step means following it. */
  goToStep(step) {
    const steps = this.data.steps;
    this.tab.state.step = steps.length && step >= steps[steps.length - 1] ? null : step;
    this.render();
    this.tab.draw();
  }

  togglePlay() {
    if (this.playTimer !== null) {
      this.stopPlay();
      return;
    }
    if (this.index() >= this.data.steps.length - 1) this.setIndex(0);
    this.ui.play.textContent = "❚❚";
    this.ui.play.classList.add("cc-playing");
    this.playTimer = setInterval(() => {
      if (this.index() >= this.data.steps.length - 1) this.stopPlay();
      else this.setIndex(this.index() + 1);
    }, PLAY_INTERVAL_MS);
  }

  stopPlay() {
    clearInterval(this.playTimer);
    this.playTimer = null;
    this.ui.play.textContent = "▶";
    this.ui.play.classList.remove("cc-playing");
  }

  render() {
    const ui = this.ui;
    const steps = this.data.steps;
    const count = steps.length;
    ui.slider.max = String(Math.max(0, count - 1));
    ui.slider.value = String(this.index());
    ui.slider.disabled = count < 2;
    ui.play.disabled = count < 2;
    const step = this.data.currentStep();
    ui.readout.textContent = step === null ? "No steps" : `Step ${step}`;
    ui.readout.title = count ? `${count} logged steps, ${steps[0]}–${steps[count - 1]}` : "";
    ui.readout.classList.toggle("cc-following", this.tab.state.step === null && count > 0);
  }
}
