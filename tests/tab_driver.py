"""Driving the Convcam tab in headless Chromium: waits, reads of what is drawn, the browser logdir.

Shared by the tab's browser test modules; the `browser` fixture lives in conftest.py.
"""

from __future__ import annotations

import shutil
import time
import urllib.parse
from pathlib import Path

import numpy as np
import plugin_support as support
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from harness.tensorboard import PLUGIN_PAGE

SCREENSHOTS = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"
SHOWCASE_LAYER = "backbone/block2_conv"
WAIT_SECONDS = 20
INJECTED_IMG = "img:not(.cc-probe-image)"  # the tab's own <img> is each panel's probe image

CANVAS_SUMMARY_JS = """
const canvas = arguments[0];
const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
let hash = 0, grey = true;
for (let i = 0; i < data.length; i += 4) {
  hash = (Math.imul(hash, 31) + data[i] * 65536 + data[i + 1] * 256 + data[i + 2]) | 0;
  if (data[i] !== data[i + 1] || data[i + 1] !== data[i + 2]) grey = false;
}
return {width: canvas.width, height: canvas.height, hash: hash, grey: grey};
"""

CANVAS_RED_JS = """
const canvas = arguments[0];
const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
return Array.from({length: data.length / 4}, (_, i) => data[4 * i]);
"""


def showcase_activations(run: str, step: int) -> np.ndarray:
    """A picture seen by 48 kernels: greyish copies when blank, oriented edges once trained."""
    y, x = np.mgrid[0:40, 0:40] / 40.0
    image = ((x - 0.5) ** 2 + (y - 0.45) ** 2 < 0.09).astype(np.float32) + 0.5 * np.sin(14 * x) * (y > 0.7)
    rng = np.random.default_rng(len(run) * 1000 + step)
    if run != "trained" or step == 0:
        maps = [image * rng.uniform(0.5, 1.5) + 0.2 * rng.normal(size=image.shape) for _ in range(48)]
    else:
        dy, dx = np.gradient(image)
        sharpness = min(1.0, step / 20)
        maps = []
        for k in range(48):
            angle = np.pi * k / 12
            edges = np.maximum(np.cos(angle) * dx + np.sin(angle) * dy, 0) * (1 + k % 4)
            maps.append(sharpness * edges * 8 + (1 - sharpness) * image + 0.05 * rng.normal(size=image.shape))
    return np.stack(maps, axis=-1)[None].astype(np.float32)


def write_browser_logdir(root: Path) -> Path:
    import tensorflow as tf

    from tb_convcam import summary

    support.write_demo_logdir(root)
    for run, steps in (("blank", support.STEPS), ("trained", support.STEPS + (25,))):
        writer = tf.summary.create_file_writer(str(root / run))
        with writer.as_default():
            for step in steps:
                summary.mosaic(SHOWCASE_LAYER, showcase_activations(run, step), step=step)
                if run == "trained":  # one activation, logged in two normalisations
                    summary.mosaic("calib/kernel", calibration_activations(step), step=step, normalize="kernel")
                    summary.mosaic("calib/layer", calibration_activations(step), step=step, normalize="layer")
        writer.close()
    return root


def calibration_activations(step: int) -> np.ndarray:
    """Kernels whose ranges differ by orders of magnitude, so the modes differ a lot."""
    rng = np.random.default_rng(step)
    scales = np.geomspace(0.01, 100, 10)
    return (rng.normal(size=(1, 6, 7, 10)) * scales + scales).astype(np.float32)


def wait_until(driver, condition, message: str, timeout: float = WAIT_SECONDS):
    return WebDriverWait(driver, timeout).until(lambda d: condition(d), message)


def open_tab(driver, base: str, view: str = "") -> None:
    """The plugin's own page (the one TensorBoard puts in its iframe), with an optional view."""
    driver.switch_to.default_content()
    # Leave the page first: a hash-only navigation would not reload the module, and the
    # open tab could write its own view into the URL before a refresh.
    driver.get("about:blank")
    driver.get(f"{base}{PLUGIN_PAGE}#{view}")
    wait_until(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".cc-layer"), "layer list not shown")


def panels(driver) -> dict[str, object]:
    """Panels by run name, as the page prints it."""
    return {p.find_element(By.CSS_SELECTOR, ".cc-run-name").text: p for p in driver.find_elements(By.CSS_SELECTOR, ".cc-panel")}


def wait_drawn(driver, run: str, *, step: int, norm: str = "kernel", colour: str = "rgb", layer: str | None = None,
               image: int = 0):
    """Wait until `run`'s panel has painted `step` of probe image `image` with that view; returns its canvas summary."""

    def drawn(d):
        panel = panels(d).get(run)
        if panel is None:
            return False
        key, _, view = (panel.get_attribute("data-drawn") or "").partition("|")
        args = urllib.parse.parse_qs(key)
        if args.get("step") != [str(step)] or args.get("image", ["0"]) != [str(image)] or view != f"{norm}|{colour}":
            return False
        if layer is not None and args.get("layer") != [layer]:
            return False
        return d.execute_script(CANVAS_SUMMARY_JS, panel.find_element(By.CSS_SELECTOR, "canvas"))

    return wait_until(driver, drawn, f"{run}: step {step} of image {image} ({norm}, {colour}) never drawn")


def pick_layer(driver, layer: str) -> None:
    driver.find_element(By.CSS_SELECTOR, f'.cc-layer[data-layer="{layer}"]').click()


def click_segment(driver, group: str, value: str) -> None:
    driver.find_element(By.CSS_SELECTOR, f'.cc-{group} [data-value="{value}"]').click()


def readout(driver) -> str:
    return driver.find_element(By.CSS_SELECTOR, ".cc-readout").text


def location_view(driver) -> dict[str, list[str]]:
    return urllib.parse.parse_qs(driver.execute_script("return location.hash.slice(1)"))


def screenshot(driver, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(SCREENSHOTS / name))


TILE_PX = 24 + 1  # health_logdir's tiles and their separator


def chart_curves(driver) -> dict[str, list[tuple[str, str]]]:
    """Per metric chart, its curves as (run, source), in drawing order."""
    return {
        chart.get_attribute("data-metric"): [
            (path.get_attribute("data-run"), path.get_attribute("data-source"))
            for path in chart.find_elements(By.CSS_SELECTOR, "path.cc-curve")
        ]
        for chart in driver.find_elements(By.CSS_SELECTOR, ".cc-chart")
    }


def wait_probe(driver, run: str, image: int = 0) -> np.ndarray:
    """The red channel of the probe image `run`'s panel shows, once its probe image `image` has loaded."""
    pixels = wait_until(driver, lambda d: probe_pixels(d, run, image), f"{run}: probe image {image} never shown")
    return np.array(pixels).reshape(24, 24)


def probe_pixels(driver, run: str, image: int) -> list[int] | None:
    element = panels(driver)[run].find_element(By.CSS_SELECTOR, ".cc-probe img")
    source = urllib.parse.parse_qs(urllib.parse.urlsplit(element.get_attribute("src") or "").query)
    if source.get("image", ["0"]) != [str(image)]:
        return None
    pixels = driver.execute_script(
        "const img = arguments[0];"
        "if (!img.complete || !img.naturalWidth) return null;"
        "const c = document.createElement('canvas');"
        "c.width = img.naturalWidth; c.height = img.naturalHeight;"
        "const g = c.getContext('2d'); g.drawImage(img, 0, 0);"
        "return Array.from(g.getImageData(0, 0, c.width, c.height).data.filter((_, i) => i % 4 === 0));", element)
    return pixels


def panels_zoom(driver) -> int:
    return int(driver.find_element(By.CSS_SELECTOR, ".cc-zoom-label").text.rstrip("×"))


def hover_tile(driver, run: str, slot: int, zoom: int, cols: int = 4) -> str:
    """Move the pointer to the middle of a tile of `run`'s panel; returns the tooltip's text."""
    canvas = panels(driver)[run].find_element(By.CSS_SELECTOR, "canvas")
    row, col = divmod(slot, cols)
    offset_x = col * TILE_PX * zoom + 12 * zoom - canvas.size["width"] // 2  # from the canvas centre
    offset_y = row * TILE_PX * zoom + 12 * zoom - canvas.size["height"] // 2
    ActionChains(driver).move_to_element_with_offset(canvas, offset_x, offset_y).perform()
    return wait_until(driver, lambda d: d.find_element(By.CSS_SELECTOR, ".cc-tooltip").text, "no tooltip")


# The panel's canvas and its clip marks as RGBA bytes, read in one go.
CANVASES_JS = """
const panel = arguments[0];
const read = (c) => Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data);
const canvas = panel.querySelector('canvas.cc-mosaic'), clip = panel.querySelector('canvas.cc-clip');
return {width: canvas.width, height: canvas.height, zoom: canvas.getBoundingClientRect().width / canvas.width,
        mosaic: read(canvas), clip: clip.hidden ? null : read(clip)};
"""


def downloaded(folder: Path, suffix: str, timeout: float = 60) -> Path:
    """The one file with `suffix` saved in `folder` (the `downloads` fixture's), once complete."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = [p for p in folder.iterdir() if p.suffix == suffix]
        if done and not any(p.suffix == ".crdownload" for p in folder.iterdir()):
            assert len(done) == 1
            return done[0]
        time.sleep(0.2)
    raise TimeoutError(f"no {suffix} downloaded to {folder}: {list(folder.iterdir())}")


def keep(path: Path, name: str) -> None:
    """A copy of a downloaded file among the screenshots, to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, SCREENSHOTS / name)
