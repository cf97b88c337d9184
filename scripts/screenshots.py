"""python scripts/screenshots.py [--logdir DIR] [--no-train]: redraw the README's pictures from the demo.

The pictures must show what a user of `python -m demo` sees, so they are taken
from the demo's own runs: train them (`python -m demo --no-serve`), serve the
logdir with a real tensorboard (harness.tensorboard) and photograph the Convcam
tab in headless Chromium (harness.chromium). Writes:

- docs/screenshots/convcam-tab.png: TensorBoard on the Convcam tab, blank and
  trained side by side at the last step, a tile hovered;
- docs/screenshots/convcam-filmstrip.png: the tab's own page with one
  kernel's filmstrip open;
- docs/images/blank-vs-trained.png: the last step as the tab draws it (3x,
  whole pixels), blank left, trained right; top the middle layer of both
  backbones merged, bottom the first conv layer of `xa`;
- docs/screenshots/convcam-health.png: the tab's health curves of the middle
  layer of `xa`, blank and trained, at the last step;
- docs/screenshots/convcam-compare.png: that layer's tiles arranged by change
  since the baseline, each run's last step minus its baseline.
"""

from __future__ import annotations

import argparse
import base64
import io
import math
import subprocess
import sys
import urllib.parse
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from PIL import Image  # noqa: E402
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402
from selenium.webdriver.remote.webelement import WebElement  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

from demo.__main__ import parse_args as demo_args  # noqa: E402
from harness import chromium  # noqa: E402
from harness.tensorboard import LAYERS_ROUTE, PLUGIN_PAGE, Server, fetch_json, tensorboard, wait_loaded  # noqa: E402

RUNS = ("blank", "trained")
TAB_LAYER = "dual/conv1"  # both backbones' first layers in colour: the tab at a glance
# A kernel that starts as the blank one and turns from a filled outline into two edges; zoom 3 keeps
# the panels short enough for the filmstrip to fit below them.
FILM_LAYER, FILM_KERNEL, FILM_ZOOM = "xa/conv1", 4, 3
PAIR_LAYERS = ("dual/block2_out", "xa/conv1")  # the README caption names these two
HEALTH_LAYER = "xa/block2_out"  # the middle layer the README's health table discusses
PAIR_ZOOM, PAIR_GAP = 3, 24  # pixels per mosaic pixel; white between the four pictures
WAIT_SECONDS = 60
PADDING = 1  # the demo logs with the default tile padding

DRAWN_JS = """
const panel = [...document.querySelectorAll('.cc-panel')]
  .find((p) => p.querySelector('.cc-run-name').textContent === arguments[0]);
return panel ? panel.dataset.drawn || '' : '';
"""
CANVAS_PNG_JS = """
const panel = [...document.querySelectorAll('.cc-panel')]
  .find((p) => p.querySelector('.cc-run-name').textContent === arguments[0]);
return panel.querySelector('canvas').toDataURL('image/png');
"""
OVERFLOW_JS = """
const main = document.querySelector('.cc-main');
const cells = [...document.querySelectorAll('.cc-film-cells')];
return [Math.max(0, ...cells.map((c) => c.scrollWidth - c.clientWidth)), main.scrollHeight - main.clientHeight];
"""
HEALTH_SECTION_JS = """
const header = document.querySelector('.cc-health-header');
const charts = [...document.querySelectorAll('.cc-chart')];
return header && charts.length === 4 && charts.every((c) => c.querySelectorAll('path').length > 0)
  ? header.parentElement : null;
"""
FILM_PAINTED_JS = """
const cells = [...document.querySelectorAll('.cc-film-cell')];
return cells.length > 0 && cells.every((c) => c.classList.contains('cc-missing') || c.querySelector('canvas').width > 1);
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--logdir", type=Path, default=None,
                        help="the demo's logdir (default: the demo's own, logs/convcam-demo-small)")
    parser.add_argument("--no-train", action="store_true",
                        help="photograph a logdir the demo has already written, as it is")
    args = parser.parse_args()
    demo = demo_args(["--no-serve", *(["--logdir", str(args.logdir.resolve())] if args.logdir else [])])
    logdir = REPO / demo.logdir  # the demo runs from the repository root
    last_step = math.ceil(demo.images / demo.batch_size) * demo.epochs
    if not args.no_train:
        train(logdir)
    with tensorboard(logdir, load_fast=False) as server:
        wait_loaded(server, len(RUNS), last_step)
        with chromium.chromium() as driver:
            tab_picture(driver, server, REPO / "docs/screenshots/convcam-tab.png")
            filmstrip_picture(driver, server, REPO / "docs/screenshots/convcam-filmstrip.png")
            pair_picture(driver, server, last_step, REPO / "docs/images/blank-vs-trained.png")
            health_picture(driver, server, last_step, REPO / "docs/screenshots/convcam-health.png")
            compare_picture(driver, server, last_step, REPO / "docs/screenshots/convcam-compare.png")
    print(f"pictures of {logdir}, last step {last_step}: the README's caption must say the same")


def train(logdir: Path) -> None:
    """The demo's blank and trained runs; refuses a logdir with runs in it (steps would repeat)."""
    if logdir.exists() and any(logdir.iterdir()):
        sys.exit(f"screenshots.py: {logdir} is not empty; remove it, or pass --no-train to photograph it as it is")
    subprocess.run([sys.executable, "-m", "demo", "--no-serve", "--logdir", str(logdir)], cwd=REPO, check=True)


def tab_picture(driver: WebDriver, server: Server, path: Path) -> None:
    """TensorBoard's own page on the Convcam tab, a trained tile hovered to show its stats."""
    driver.switch_to.default_content()
    driver.get(f"{server.base_url}/#convcam")
    driver.switch_to.frame(wait_until(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "iframe"), "no plugin iframe")[0])
    wait_until(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".cc-layer"), "no layer list")
    driver.find_element(By.CSS_SELECTOR, f'.cc-layer[data-layer="{TAB_LAYER}"]').click()
    for run in RUNS:
        wait_drawn(driver, run, TAB_LAYER)
    layout = fetch_json(server.base_url + LAYERS_ROUTE)
    tile = next(layer for layer in layout["layers"] if layer["name"] == TAB_LAYER)["runs"]["trained"]["layout"]
    canvas = panel(driver, "trained").find_element(By.CSS_SELECTOR, "canvas")
    scale = canvas.size["width"] / int(canvas.get_attribute("width"))
    x = (2 * (tile["tile_width"] + PADDING) + tile["tile_width"] // 2) * scale  # third tile of the second row
    y = (1 * (tile["tile_height"] + PADDING) + tile["tile_height"] // 2) * scale
    ActionChains(driver).move_to_element_with_offset(canvas, int(x - canvas.size["width"] / 2),
                                                     int(y - canvas.size["height"] / 2)).perform()
    wait_until(driver, lambda d: d.find_element(By.CSS_SELECTOR, ".cc-tooltip").is_displayed(), "no tooltip")
    driver.switch_to.default_content()
    save(driver.get_screenshot_as_png(), path)


def filmstrip_picture(driver: WebDriver, server: Server, path: Path) -> None:
    """One kernel across the logged steps, blank and trained: the tab's own page, filmstrip open."""
    view = {"layer": FILM_LAYER, "run": list(RUNS), "kernel": FILM_KERNEL, "zoom": FILM_ZOOM}
    open_plugin_page(driver, server, view)
    for run in RUNS:
        wait_drawn(driver, run, FILM_LAYER)
    wait_until(driver, lambda d: d.execute_script(FILM_PAINTED_JS), "filmstrip never painted")
    size = driver.get_window_size()
    try:  # wide enough for every step, then tall enough for every run: no scroll bars in the picture
        wider = driver.execute_script(OVERFLOW_JS)[0]
        driver.set_window_size(size["width"] + wider, size["height"])
        taller = driver.execute_script(OVERFLOW_JS)[1]
        driver.set_window_size(size["width"] + wider, size["height"] + taller)
        save(driver.get_screenshot_as_png(), path)
    finally:
        driver.set_window_size(size["width"], size["height"])


def pair_picture(driver: WebDriver, server: Server, last_step: int, path: Path) -> None:
    """The canvases the tab paints at `last_step`, blank | trained per layer, one layer per row."""
    rows = []
    for layer in PAIR_LAYERS:
        open_plugin_page(driver, server, {"layer": layer, "run": list(RUNS), "step": last_step})
        for run in RUNS:
            wait_drawn(driver, run, layer, last_step)
        pictures = []
        for run in RUNS:
            data = driver.execute_script(CANVAS_PNG_JS, run).split(",", 1)[1]
            picture = Image.open(io.BytesIO(base64.b64decode(data))).convert("RGB")
            pictures.append(picture.resize((picture.width * PAIR_ZOOM, picture.height * PAIR_ZOOM), Image.NEAREST))
        rows.append(pictures)
    widths = [max(row[column].width for row in rows) for column in range(len(RUNS))]
    sheet = Image.new("RGB", (sum(widths) + PAIR_GAP, sum(row[0].height for row in rows) + PAIR_GAP), "white")
    top = 0
    for row in rows:
        for column, picture in enumerate(row):
            sheet.paste(picture, (column * (widths[0] + PAIR_GAP), top))
        top += row[0].height + PAIR_GAP
    buffer = io.BytesIO()
    sheet.save(buffer, "PNG", optimize=True)
    save(buffer.getvalue(), path)


def health_picture(driver: WebDriver, server: Server, last_step: int, path: Path) -> None:
    """The tab's Layer health section of HEALTH_LAYER, both runs, the scrubber at `last_step`."""
    open_plugin_page(driver, server, {"layer": HEALTH_LAYER, "run": list(RUNS), "step": last_step})
    for run in RUNS:
        wait_drawn(driver, run, HEALTH_LAYER, last_step)
    section = wait_until(driver, lambda d: d.execute_script(HEALTH_SECTION_JS), "health curves never drawn")
    save(section.screenshot_as_png, path)


def compare_picture(driver: WebDriver, server: Server, last_step: int, path: Path) -> None:
    """HEALTH_LAYER at `last_step` minus each run's baseline, tiles by change (the trained run's), the page only."""
    view = {"layer": HEALTH_LAYER, "run": list(RUNS), "step": last_step, "arrange": "change",
            "arrangeRun": RUNS[-1], "arrangeStep": last_step, "diff": "baseline", "diffGain": 4}
    open_plugin_page(driver, server, view)
    for run in RUNS:
        wait_drawn(driver, run, HEALTH_LAYER, last_step)
    wait_until(driver, lambda d: all(panel(d, run).get_attribute("data-compared") for run in RUNS), "never compared")
    save(driver.find_element(By.CSS_SELECTOR, ".cc-main").screenshot_as_png, path)


def open_plugin_page(driver: WebDriver, server: Server, view: dict) -> None:
    """The page TensorBoard puts in the tab's iframe, opened on `view` (the tab's URL state)."""
    driver.switch_to.default_content()
    driver.get("about:blank")  # a hash-only change would not reload the page
    driver.get(f"{server.base_url}{PLUGIN_PAGE}#{urllib.parse.urlencode(view, doseq=True)}")


def panel(driver: WebDriver, run: str) -> WebElement:
    return next(p for p in driver.find_elements(By.CSS_SELECTOR, ".cc-panel")
                if p.find_element(By.CSS_SELECTOR, ".cc-run-name").text == run)


def wait_drawn(driver: WebDriver, run: str, layer: str, step: int | None = None) -> None:
    """Until `run`'s panel has painted `layer` (at `step`, if given)."""

    def drawn(d: WebDriver) -> bool:
        key = urllib.parse.parse_qs(d.execute_script(DRAWN_JS, run).partition("|")[0])
        return key.get("layer") == [layer] and (step is None or key.get("step") == [str(step)])

    wait_until(driver, drawn, f"{run}: {layer} never drawn")


def wait_until(driver: WebDriver, condition: Callable[[WebDriver], object], message: str) -> object:
    return WebDriverWait(driver, WAIT_SECONDS).until(condition, message)


def save(png: bytes, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(png)
    print(f"wrote {path.relative_to(REPO)}")


if __name__ == "__main__":
    main()
