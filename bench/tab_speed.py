"""The Convcam tab in headless Chromium: first paint and scrubbing, against TensorBoard's own pages.

What is timed (on the browser's clock; marks are set by hooks injected into
every page before its own scripts, see PAGE_HOOKS_JS):

- opening the tab: TensorBoard loaded on its (empty) Scalars page, browser
  cache cleared, then the "Convcam" tab clicked, until the first panel has
  painted a mosaic (its `data-drawn` attribute, set right after
  `putImageData`) and until all selected runs' panels have (the tab selects
  the first 4 runs). Alternated with clicking "Images" until TensorBoard's
  Images dashboard has loaded its first image. -> tab_first_paint_ms
- cold load: the same, but navigating straight to `/#convcam` or `/#images`,
  TensorBoard's own start-up included.
- with more than 40 runs (a sweep) TensorBoard ticks no run, so its Images
  page opens empty: there the Images side is TensorBoard loaded on its Images
  page (empty cache), then the runs the tab shows ticked in its run
  selector, until its first image has loaded; no cold Images load.
- scrub: on the tab's own page, from a settled page (no fetch in flight), the
  slider is set and its `input` event fired, until every panel has painted
  the step it must show (its latest step at or before the chosen one,
  computed from `/steps`). "jump": 100 moves to random slider positions
  (mostly not prefetched) -> scrub_p50_ms; "step": 100 moves one position
  right (the prefetched neighbours). Each move alternates with a plain fetch +
  decode of as many Images-plugin PNGs of the same layer (`cache:
  "no-store"`), the least a page needs to show new pictures.
"""

from __future__ import annotations

import contextlib
import random
import statistics
import urllib.parse
from collections.abc import Iterator

from harness.chromium import chromium
from harness.tensorboard import PLUGIN_PAGE, PLUGIN_ROUTES, Server, fetch_json

TIMEOUT_S = 60
# The tab's PREFETCH_RADIUS (static/loading.js): each shown step also loads this many neighbours each side.
PREFETCH_RADIUS = 3

# Injected into every document before its own scripts. Records when the tab's
# panels first paint (epoch ms on the shared high-resolution clock) in the top
# window, so the top page can read what its iframe saw; counts fetches in
# flight, so a measurement can start from a settled page.
PAGE_HOOKS_JS = """
(() => {
  const mark = (name) => {
    const at = performance.timeOrigin + performance.now();
    try { const top = window.top; top.__paints = top.__paints || {}; if (!(name in top.__paints)) top.__paints[name] = at; } catch (e) {}
  };
  window.__inflight = 0;
  const fetch = window.fetch;
  window.fetch = (...args) => {
    window.__inflight++;
    const done = () => { window.__inflight--; };
    const answer = fetch(...args);
    answer.then((response) => response.clone().arrayBuffer().then(done, done), done);
    return answer;
  };
  new MutationObserver(() => {
    const panels = [...document.querySelectorAll('.cc-panel')];
    const drawn = panels.filter((p) => p.dataset.drawn);
    if (drawn.length) mark('first');
    if (drawn.length && drawn.length === panels.length) mark('all');
  }).observe(document, {attributes: true, attributeFilter: ['data-drawn'], subtree: true});
  if (window.top === window) {
    // The Images dashboard lives in shadow DOM: once an image was requested
    // (after __armedAt), look for one that has loaded.
    window.__armedAt = 0;
    const loadedImage = (root) => {
      for (const node of root.querySelectorAll('*')) {
        if (node.tagName === 'IMG' && node.src.includes('individualImage') && node.complete && node.naturalWidth) return true;
        if (node.shadowRoot && loadedImage(node.shadowRoot)) return true;
      }
      return false;
    };
    setInterval(() => {
      if (window.__paints && 'image' in window.__paints) return;
      const requested = performance.getEntriesByType('resource')
        .some((e) => e.name.includes('individualImage') && e.startTime >= window.__armedAt);
      if (requested && loadedImage(document)) mark('image');
    }, 10);
  }
})();
"""

WAIT_MARK_JS = """
const [name, done] = [arguments[0], arguments[arguments.length - 1]];
const poll = () => {
  const at = window.__paints && window.__paints[name];
  if (at) done(at); else setTimeout(poll, 20);
};
poll();
"""

# The run selector's boxes (in shadow roots) of the runs named, unticked; clicks them, returns how many.
TICK_RUNS_JS = """
const names = new Set(arguments[0]);
const boxes = [];
const walk = (root) => {
  for (const node of root.querySelectorAll('*')) {
    if (node.tagName === 'PAPER-CHECKBOX') boxes.push(node);
    if (node.shadowRoot) walk(node.shadowRoot);
  }
};
walk(document);
const row = (box) => box.parentElement && box.parentElement.parentElement;  // the box, then the run's name
const runs = boxes.filter((box) => row(box) && names.has(row(box).textContent.trim()) && box.getAttribute('aria-checked') === 'false');
if (runs.length < names.size) return 0;
runs.forEach((box) => box.click());
return runs.length;
"""

# Just before a tab is clicked: forget earlier marks, note the time.
ARM_JS = """
window.__paints = {};
window.__armedAt = performance.now();
return performance.timeOrigin + performance.now();
"""

SETTLE_JS = """
const done = arguments[arguments.length - 1];
let quiet = 0;
const poll = () => {
  quiet = window.__inflight === 0 ? quiet + 1 : 0;
  if (quiet >= 3) done(true); else setTimeout(poll, 20);
};
poll();
"""

SCRUB_JS = """
const [index, expected, done] = [arguments[0], arguments[1], arguments[arguments.length - 1]];
const panels = [...document.querySelectorAll('.cc-panel')];
const drawnStep = (panel) => new URLSearchParams((panel.dataset.drawn || '').split('|')[0]).get('step');
const ready = () => panels.every((p) => drawnStep(p) === String(expected[p.querySelector('.cc-run-name').textContent]));
let finished = false;
const observer = new MutationObserver(() => ready() && finish());
const finish = () => {
  if (finished) return;
  finished = true;
  observer.disconnect();
  done(performance.now() - started);
};
panels.forEach((p) => observer.observe(p, {attributes: true, attributeFilter: ['data-drawn']}));
const slider = document.querySelector('.cc-slider');
const started = performance.now();
slider.value = String(index);
slider.dispatchEvent(new Event('input', {bubbles: true}));
if (ready()) finish();
"""

PLAIN_FETCH_JS = """
const [urls, done] = [arguments[0], arguments[arguments.length - 1]];
const started = performance.now();
Promise.all(urls.map((url) => fetch(url, {cache: 'no-store'})
  .then((r) => r.blob()).then((b) => createImageBitmap(b)).then((bitmap) => bitmap.close())))
  .then(() => done(performance.now() - started));
"""


@contextlib.contextmanager
def bench_chromium() -> Iterator[object]:
    """The harness's headless Chromium, with the page hooks the measurements read."""
    with chromium() as driver:
        driver.set_script_timeout(TIMEOUT_S)
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": PAGE_HOOKS_JS})
        yield driver


def tab_figures(server: Server, loads: int, moves: int = 100, tick_runs: list[str] | None = None) -> dict[str, float]:
    """`tick_runs`: runs to tick on the Images page, for a logdir of so many runs that it ticks none."""
    with bench_chromium() as driver:
        figures = first_paint(driver, server, loads, tick_runs)
        figures.update(scrubbing(driver, server, moves))
    return figures


def first_paint(driver, server: Server, loads: int, tick_runs: list[str] | None = None) -> dict[str, float]:
    """Medians over `loads` rounds, each page measured once per round in turn.

    "open": TensorBoard loaded on its (empty) Scalars page, then the tab's
    name clicked, as a person opens the tab. "cold": TensorBoard's page loaded
    straight at the tab, its own start-up included. With `tick_runs`, the
    Images page is measured from ticking those runs (`images_after_ticking`).
    """
    samples: dict[str, list[float]] = {}
    for _ in range(loads):
        images = (
            [("open_images_first_ms", open_tab(driver, server, "Images", "image")[0]),
             ("cold_images_first_ms", cold_load(driver, f"{server.base_url}/#images", "image")[0])]
            if tick_runs is None else [("open_images_first_ms", images_after_ticking(driver, server, tick_runs))]
        )
        for name, value in (
            *zip(("open_convcam_first_ms", "open_convcam_all_ms"), open_tab(driver, server, "Convcam", "first", "all")),
            images[0],
            *zip(("cold_convcam_first_ms", "cold_convcam_all_ms"), cold_load(driver, f"{server.base_url}/#convcam", "first", "all")),
            *images[1:],
        ):
            samples.setdefault(name, []).append(value)
    figures = {name: statistics.median(values) for name, values in samples.items()}
    figures["open_convcam_vs_images"] = figures["open_convcam_first_ms"] / figures["open_images_first_ms"]
    if "cold_images_first_ms" in figures:
        figures["cold_convcam_vs_images"] = figures["cold_convcam_first_ms"] / figures["cold_images_first_ms"]
    return figures


def open_tab(driver, server: Server, label: str, *marks: str) -> list[float]:
    """ms from clicking `label` in a loaded TensorBoard (empty cache) to each mark.

    The time is taken just before WebDriver's click, so it includes one
    WebDriver round trip (a few ms) for either tab alike.
    """
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get("about:blank")
    driver.execute_cdp_cmd("Network.clearBrowserCache", {})
    driver.get(f"{server.base_url}/#scalars")
    find = lambda d: [e for e in d.find_elements(By.CSS_SELECTOR, ".mat-mdc-tab") if e.text.strip().lower() == label.lower()]
    tab = WebDriverWait(driver, TIMEOUT_S).until(find, f"no {label!r} tab in TensorBoard's header")[0]
    driver.execute_async_script(SETTLE_JS)
    clicked_at = driver.execute_script(ARM_JS)
    tab.click()
    return [driver.execute_async_script(WAIT_MARK_JS, mark) - clicked_at for mark in marks]


def images_after_ticking(driver, server: Server, runs: list[str]) -> float:
    """ms from ticking `runs` on TensorBoard's loaded Images page (empty cache, none ticked) to its first image."""
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get("about:blank")
    driver.execute_cdp_cmd("Network.clearBrowserCache", {})
    driver.get(f"{server.base_url}/#images")
    WebDriverWait(driver, TIMEOUT_S).until(
        lambda d: d.execute_script("return document.querySelectorAll('tf-image-dashboard, .mat-mdc-tab').length"))
    driver.execute_async_script(SETTLE_JS)
    clicked_at = driver.execute_script(ARM_JS)
    ticked = WebDriverWait(driver, TIMEOUT_S).until(lambda d: d.execute_script(TICK_RUNS_JS, runs), "runs never listed")
    if ticked != len(runs):
        raise RuntimeError(f"ticked {ticked} of {len(runs)} runs on the Images page")
    return driver.execute_async_script(WAIT_MARK_JS, "image") - clicked_at


def cold_load(driver, url: str, *marks: str) -> list[float]:
    """ms from navigating to `url` (empty cache) to each mark."""
    driver.get("about:blank")
    driver.execute_cdp_cmd("Network.clearBrowserCache", {})
    driver.get(url)
    started_at = driver.execute_script("return performance.timeOrigin")
    return [driver.execute_async_script(WAIT_MARK_JS, mark) - started_at for mark in marks]


def scrubbing(driver, server: Server, moves: int) -> dict[str, float]:
    """Cold jumps (to positions never loaded nor prefetched) and warm one-position steps."""
    open_plugin_page(driver, server)
    runs = driver.execute_script("return [...document.querySelectorAll('.cc-panel .cc-run-name')].map((e) => e.textContent)")
    drawn_key = driver.execute_script("return document.querySelector('.cc-panel').dataset.drawn.split('|')[0]")
    layer = urllib.parse.parse_qs(drawn_key)["layer"][0]
    steps = {run: run_steps(server, run, layer) for run in runs}
    union = sorted(set().union(*steps.values()))
    plain_urls = image_urls(server, runs, layer)

    def move(index: int) -> tuple[float, float]:
        """ms to paint slider position `index`, then ms of the plain fetch; each from a settled page."""
        expected = {run: max((s for s in steps[run] if s <= union[index]), default=None) for run in runs}
        driver.execute_async_script(SETTLE_JS)
        scrub_ms = driver.execute_async_script(SCRUB_JS, index, expected)
        driver.execute_async_script(SETTLE_JS)
        return scrub_ms, driver.execute_async_script(PLAIN_FETCH_JS, plain_urls)

    rng = random.Random(0)
    samples: dict[str, list[tuple[float, float]]] = {"jump": [], "step": []}
    visited = {len(union) - 1}  # the tab opens at the latest step
    unloaded = lambda: [i for i in range(len(union)) if all(abs(i - j) > PREFETCH_RADIUS for j in visited)]
    for _ in range(moves):
        if not unloaded():  # every position cached: start over with empty caches
            open_plugin_page(driver, server)
            visited = {len(union) - 1}
        index = rng.choice(unloaded())
        visited.add(index)
        samples["jump"].append(move(index))
    start = rng.randrange(len(union) - moves - 1)
    move(start)
    samples["step"] = [move(index) for index in range(start + 1, start + 1 + moves)]

    # What the tab shows by default: the selected runs (its first four), at the zoom Fit chose.
    zoom = int(driver.execute_script("return document.querySelector('.cc-zoom-label').textContent").rstrip("×"))
    figures = {"selected_runs": len(runs), "slider_positions": len(union), "fit_zoom": zoom}
    for name, pairs in samples.items():
        scrub_ms, plain_ms = [pair[0] for pair in pairs], [pair[1] for pair in pairs]
        figures.update(
            {
                f"scrub_{name}_p50_ms": statistics.median(scrub_ms),
                f"scrub_{name}_p90_ms": statistics.quantiles(scrub_ms, n=10)[-1],
                f"plain_fetch_{name}_p50_ms": statistics.median(plain_ms),
                f"scrub_{name}_vs_plain_fetch": statistics.median(scrub_ms) / statistics.median(plain_ms),
            }
        )
    return figures


def open_plugin_page(driver, server: Server) -> None:
    """The tab's own page with empty caches, once every panel has painted."""
    driver.get("about:blank")
    driver.execute_cdp_cmd("Network.clearBrowserCache", {})
    driver.get(f"{server.base_url}{PLUGIN_PAGE}")
    driver.execute_async_script(WAIT_MARK_JS, "all")


def run_steps(server: Server, run: str, layer: str) -> list[int]:
    query = urllib.parse.urlencode({"run": run, "layer": layer})
    return [entry["step"] for entry in fetch_json(f"{server.base_url}{PLUGIN_ROUTES}/steps?{query}")["steps"]]


def image_urls(server: Server, runs: list[str], layer: str) -> list[str]:
    """One Images-plugin PNG URL of `layer` per run (the latest kept), as absolute paths."""
    urls = []
    for run in runs:
        query = urllib.parse.urlencode({"run": run, "tag": f"{layer}/image", "sample": 0})
        listing = fetch_json(f"{server.base_url}/data/plugin/images/images?{query}")
        urls.append(f"/data/plugin/images/individualImage?{listing[-1]['query']}")
    return urls
