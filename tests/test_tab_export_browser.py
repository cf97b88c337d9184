"""End to end (headless Chromium, a real tensorboard): the legend of merged mosaics,
the colour bar and its clip marks, and export (the view as a PNG, a step range as an animated GIF).
All composed from data the tab already holds, so on the default loader only (plugin_support.DEFAULT_LOADER).

Asserts on what is drawn and on the downloaded files, decoded with Pillow; the clipped pixels are
checked against the logged activations. Screenshots and the exported files go to artifacts/screenshots/.
"""

from __future__ import annotations

import json
import time
import urllib.parse
from pathlib import Path

import health_logdir
import numpy as np
import plugin_support as support
import pytest
from PIL import Image, ImageSequence
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select
from tab_driver import (
    CANVASES_JS, SCREENSHOTS, TILE_PX, click_segment, downloaded, keep, open_tab, panels, screenshot, wait_drawn, wait_until,
    write_browser_logdir,
)

from harness.tensorboard import PLUGIN_ROUTES, fetch_json
from tb_convcam import records
from tb_convcam.event_writer import EventWriter
from tb_convcam.mosaic import TileOptions

LAYER = support.SINGLE_LAYER  # xa/conv1: 16 kernels of 8x8, probe item 0 of (2, 8, 8, 16)
LAYER_Q = urllib.parse.quote(LAYER, safe="")
MERGED_Q = urllib.parse.quote(support.DUAL_LAYER, safe="")

@pytest.fixture(scope="module")
def logdir(tmp_path_factory) -> Path:
    return write_browser_logdir(tmp_path_factory.mktemp("logs"))


@pytest.fixture(scope="module", params=support.DEFAULT_LOADER)
def server(request, logdir):
    with support.tensorboard_server(logdir, load_fast=request.param) as base:
        yield base


def dark_mode(driver) -> None:
    """TensorBoard's dark mode, as the tab mirrors it (its class on the tab's root)."""
    driver.execute_script("document.documentElement.classList.add('cc-dark')")


def legend(driver) -> list[tuple[str, str]]:
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('.cc-legend .cc-legend-entry'), (entry) => [entry.textContent,"
        " getComputedStyle(entry.querySelector('.cc-legend-swatch')).backgroundColor]);")


def scale_rows(driver, run: str) -> list[dict[str, str]]:
    rows = panels(driver)[run].find_elements(By.CSS_SELECTOR, ".cc-scale-row")
    return [{key: row.get_attribute(f"data-{key}") for key in ("source", "lo", "hi", "above", "below", "pixels")}
            | {"text": row.text} for row in rows]


def logged_map(run: str, step: int) -> np.ndarray:
    """xa/conv1's activations of probe item 0, as logged: [8, 8, 16]."""
    return support.activations(run, step, (2, 8, 8, 16))[0]


# Legend ------------------------------------------------------------------------------------------


def test_a_merged_layer_names_each_source_in_the_colour_it_is_drawn_in(browser, server, request):
    open_tab(browser, server, f"layer={MERGED_Q}&run=trained&step=15")
    wait_drawn(browser, "trained", step=15, layer=support.DUAL_LAYER)
    rgb = legend(browser)
    screenshot(browser, f"legend-rgb-{request.node.callspec.id}.png")

    click_segment(browser, "colour", "recolour")
    wait_drawn(browser, "trained", step=15, colour="recolour")
    safe = legend(browser)
    dark_mode(browser)
    screenshot(browser, f"legend-colour-safe-dark-{request.node.callspec.id}.png")
    click_segment(browser, "colour", "source1")
    wait_drawn(browser, "trained", step=15, colour="source1")
    alone = [text for text, _ in legend(browser)]

    assert rgb == [["xa/conv3", "rgb(255, 0, 0)"], ["xb/conv3", "rgb(0, 255, 0)"], ["both", "rgb(255, 255, 0)"]]
    assert safe == [["xa/conv3", "rgb(230, 159, 0)"], ["xb/conv3", "rgb(86, 180, 233)"], ["both", "rgb(255, 255, 233)"]]
    assert alone == ["xa/conv3 hidden", "xb/conv3 alone, in grey"]

    open_tab(browser, server, f"layer={LAYER_Q}&run=trained&step=15")
    wait_drawn(browser, "trained", step=15, layer=LAYER)
    assert not browser.find_element(By.CSS_SELECTOR, ".cc-legend").is_displayed(), "one source: no legend"


# Colour bar and clipped pixels --------------------------------------------------------------------


def test_locked_scale_shows_the_reference_range_and_marks_exactly_the_clipped_pixels(browser, server, request):
    open_tab(browser, server, f"layer={LAYER_Q}&run=blank&run=trained&step=20&norm=locked&zoom=4")
    wait_drawn(browser, "trained", step=20, norm="locked", layer=LAYER)
    panel = panels(browser)["trained"]
    wait_until(browser, lambda d: not panel.find_element(By.CSS_SELECTOR, "canvas.cc-clip").get_attribute("hidden") is not None,
               "no clip marks")
    [row] = scale_rows(browser, "trained")
    drawn = browser.execute_script(CANVASES_JS, panel)
    screenshot(browser, f"colour-bar-locked-{request.node.callspec.id}.png")

    # The scale: the reference's layer range (blank at its baseline, step 0).
    reference = logged_map("blank", 0)
    lo, hi = float(row["lo"]), float(row["hi"])
    assert (lo, hi) == pytest.approx((reference.min(), reference.max()), rel=1e-5)
    # Clipped: the logged values above hi / below lo, give or take a stored pixel's rounding.
    raw = logged_map("trained", 20)
    span = raw.max(axis=(0, 1)) - raw.min(axis=(0, 1))  # each kernel's stored range
    slack = (hi - lo) / 510 + span / 510
    above, below = int(row["above"]), int(row["below"])
    assert np.count_nonzero(raw > hi + 2 * slack) <= above <= np.count_nonzero(raw > hi)
    assert np.count_nonzero(raw < lo - 2 * slack) <= below <= np.count_nonzero(raw < lo)
    assert above > 100 and int(row["pixels"]) == raw.size
    assert f"{100 * above / raw.size:.1f} % above" in row["text"]

    # The marks: magenta where clipped above (drawn white), cyan below (drawn black), nothing elsewhere.
    mosaic = np.array(drawn["mosaic"], np.uint8).reshape(drawn["height"], drawn["width"], 4)
    clip = np.array(drawn["clip"], np.uint8).reshape(drawn["height"], drawn["width"], 4)
    marked_above = (clip[..., 3] == 255) & (clip[..., 0] == 255) & (clip[..., 1] == 0)
    marked_below = (clip[..., 3] == 255) & (clip[..., 0] == 0) & (clip[..., 1] == 255)
    assert np.count_nonzero(marked_above) == above and np.count_nonzero(marked_below) == below
    assert np.count_nonzero(clip[..., 3]) == above + below
    assert (mosaic[marked_above][:, 0] == 255).all() and (mosaic[marked_below][:, 0] == 0).all()

    # "mark clipped" off hides the marks (kept in the URL), on brings them back.
    panel.find_element(By.CSS_SELECTOR, ".cc-clip-toggle input").click()
    wait_until(browser, lambda d: panels(d)["trained"].find_element(By.CSS_SELECTOR, "canvas.cc-clip").get_attribute("hidden")
               is not None and "clip=0" in d.execute_script("return location.hash"), "marks not turned off")
    panels(browser)["trained"].find_element(By.CSS_SELECTOR, ".cc-clip-toggle input").click()
    wait_until(browser, lambda d: panels(d)["trained"].find_element(By.CSS_SELECTOR, "canvas.cc-clip").get_attribute("hidden")
               is None, "marks not back")
    dark_mode(browser)
    screenshot(browser, f"colour-bar-locked-dark-{request.node.callspec.id}.png")


def test_whole_layer_scale_is_the_steps_own_range_and_per_kernel_has_none(browser, server):
    open_tab(browser, server, f"layer={LAYER_Q}&run=trained&step=20&norm=layer")
    wait_drawn(browser, "trained", step=20, norm="layer", layer=LAYER)
    [row] = scale_rows(browser, "trained")
    raw = logged_map("trained", 20)

    assert (float(row["lo"]), float(row["hi"])) == pytest.approx((raw.min(), raw.max()), rel=1e-5)
    assert row["above"] == row["below"] == "0" and "nothing clipped" in row["text"]
    zero = panels(browser)["trained"].find_element(By.CSS_SELECTOR, ".cc-ramp-zero").get_attribute("style")
    zero_at = 100 * -raw.min() / (raw.max() - raw.min())  # zero ticked on the ramp
    assert float(zero.removeprefix("left: ").rstrip("%;")) == pytest.approx(zero_at, abs=0.01)
    assert panels(browser)["trained"].find_element(By.CSS_SELECTOR, "canvas.cc-clip").get_attribute("hidden") is not None

    click_segment(browser, "norm", "kernel")
    wait_drawn(browser, "trained", step=20, layer=LAYER)
    scale = panels(browser)["trained"].find_element(By.CSS_SELECTOR, ".cc-scale").text
    assert scale.startswith("Per kernel: each tile is stretched to its own min..max, so there is no single scale")


def test_a_merged_layer_has_a_bar_per_source_in_its_colour(browser, server):
    open_tab(browser, server, f"layer={MERGED_Q}&run=trained&step=15&norm=layer&colour=recolour")
    wait_drawn(browser, "trained", step=15, norm="layer", colour="recolour", layer=support.DUAL_LAYER)
    rows = scale_rows(browser, "trained")
    ramps = [r.value_of_css_property("background-image")
             for r in panels(browser)["trained"].find_elements(By.CSS_SELECTOR, ".cc-ramp")]

    assert [row["source"] for row in rows] == ["xa/conv3", "xb/conv3"]
    assert "rgb(230, 159, 0)" in ramps[0] and "rgb(86, 180, 233)" in ramps[1]
    a = support.activations("trained", 15, (1, 6, 6, 12))
    assert (float(rows[0]["lo"]), float(rows[0]["hi"])) == pytest.approx((a.min(), a.max()), rel=1e-5)


# Export --------------------------------------------------------------------------------------------


def test_the_png_export_is_the_view_as_shown_with_its_description(browser, server, downloads, request):
    zoom = 3
    open_tab(browser, server, f"layer={LAYER_Q}&run=blank&run=trained&step=20&norm=locked&zoom={zoom}")
    wait_drawn(browser, "trained", step=20, norm="locked", layer=LAYER)
    wait_drawn(browser, "blank", step=20, norm="locked", layer=LAYER)
    shown = {run: browser.execute_script(CANVASES_JS, panels(browser)[run]) for run in ("blank", "trained")}
    browser.find_element(By.CSS_SELECTOR, ".cc-export-png").click()
    path = downloaded(downloads, ".png")
    keep(path, f"export-{request.node.callspec.id}.png")
    image = Image.open(path)
    text = json.loads(image.text["convcam"])
    picture = np.array(image.convert("RGB"))

    assert path.name == "convcam_xa_conv1_blank+trained_step20.png"
    assert image.text["Title"] == "Convcam xa/conv1 step 20"
    assert (text["layer"], text["step"], text["normalisation"], text["zoom"]) == (LAYER, 20, "locked", zoom)
    assert text["reference"] == {"run": "blank", "step": 0}
    assert [(r["run"], r["step"]) for r in text["runs"]] == [("blank", 20), ("trained", 20)]
    assert "norm=locked" in text["view"]
    for entry in text["runs"]:
        drawn = shown[entry["run"]]
        box = entry["mosaic"]
        assert drawn["zoom"] == zoom
        assert (box["width"], box["height"]) == (drawn["width"] * zoom, drawn["height"] * zoom)  # the view's size
        assert box["y"] > 40 and box["x"] + box["width"] <= image.width and box["y"] + box["height"] <= image.height
        # Every exported pixel is the panel's pixel, clip marks over it, enlarged zoom times.
        mosaic = np.array(drawn["mosaic"], np.uint8).reshape(drawn["height"], drawn["width"], 4)[..., :3]
        if drawn["clip"] is not None:
            clip = np.array(drawn["clip"], np.uint8).reshape(drawn["height"], drawn["width"], 4)
            mosaic = np.where(clip[..., 3:] == 255, clip[..., :3], mosaic)
        expected = mosaic.repeat(zoom, axis=0).repeat(zoom, axis=1)
        np.testing.assert_array_equal(picture[box["y"]:box["y"] + box["height"], box["x"]:box["x"] + box["width"]], expected)


def test_inside_tensorboards_dark_page_a_merged_layers_png_is_dark_with_its_legend(browser, server, downloads, request):
    view = urllib.parse.quote(f"layer={MERGED_Q}&run=blank&run=trained&step=15&norm=layer&colour=recolour&overlay=1&zoom=8")
    browser.switch_to.default_content()
    browser.get(f"{server}/?p.convcam.view={view}#convcam")
    frame = wait_until(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "iframe"), "no plugin iframe")[0]
    browser.execute_script("document.body.classList.add('dark-mode')")  # TensorBoard's dark mode
    browser.switch_to.frame(frame)
    wait_drawn(browser, "trained", step=15, norm="layer", colour="recolour", layer=support.DUAL_LAYER)
    wait_until(browser, lambda d: d.execute_script("return document.documentElement.classList.contains('cc-dark')"), "no dark mode")
    browser.find_element(By.CSS_SELECTOR, ".cc-export-png").click()
    path = downloaded(downloads, ".png")
    browser.switch_to.default_content()
    keep(path, f"export-merged-dark-{request.node.callspec.id}.png")
    image = Image.open(path)
    text = json.loads(image.text["convcam"])

    assert max(image.convert("RGB").getpixel((2, 2))) < 80, "the tab's dark surface"
    assert (text["colours"], text["zoom"]) == ("recolour", 8)
    assert "overlay=1" in text["view"]


def test_the_gif_has_one_frame_per_logged_step_in_the_range(browser, server, downloads, request):
    zoom = 2
    open_tab(browser, server, f"layer={LAYER_Q}&run=blank&run=trained&step=5&zoom={zoom}")
    wait_drawn(browser, "trained", step=5, layer=LAYER)
    browser.find_element(By.CSS_SELECTOR, ".cc-export-png").click()  # step 5, to compare with the GIF's first frame
    png = Image.open(downloaded(downloads, ".png")).convert("RGB")

    browser.find_element(By.CSS_SELECTOR, ".cc-export-gif").click()
    first = Select(browser.find_element(By.CSS_SELECTOR, ".cc-gif-from"))
    last = Select(browser.find_element(By.CSS_SELECTOR, ".cc-gif-to"))
    assert [o.text for o in first.options] == ["0", "5", "10", "15", "20", "25"]
    assert first.first_selected_option.text == "0" and last.first_selected_option.text == "25"  # the whole range
    first.select_by_visible_text("5")
    last.select_by_visible_text("20")
    Select(browser.find_element(By.CSS_SELECTOR, ".cc-gif-delay")).select_by_visible_text("0.5 s")
    assert browser.find_element(By.CSS_SELECTOR, ".cc-animation").text.count("4 frames, one per logged step") == 1
    screenshot(browser, f"gif-range-{request.node.callspec.id}.png")
    browser.find_element(By.CSS_SELECTOR, ".cc-make-gif").click()
    path = downloaded(downloads, ".gif")
    keep(path, f"export-{request.node.callspec.id}.gif")
    gif = Image.open(path)
    durations = [frame.info["duration"] for frame in ImageSequence.Iterator(gif)]
    frames = [frame.convert("RGB") for frame in ImageSequence.Iterator(gif)]
    frames[0].save(SCREENSHOTS / f"export-gif-frame0-{request.node.callspec.id}.png")
    done = wait_until(browser, lambda d: d.find_elements(By.CSS_SELECTOR, ".cc-gif-done"), "no 'saved' note")[0].text

    assert path.name == "convcam_xa_conv1_blank+trained_step5-20.gif"
    assert gif.n_frames == 4
    assert done == f"saved 4 frames, {path.stat().st_size / 1e6:.1f} MB"
    assert all(frame.size == png.size for frame in frames)
    assert gif.info.get("loop") == 0
    assert durations == [500, 500, 500, 1500], "the chosen time per frame; the last step held longer"
    # Frame 1 is step 5 drawn as the PNG of step 5 (the step printed in its band alike), up to the palette.
    difference = np.abs(np.asarray(frames[0], np.int16) - np.asarray(png, np.int16))
    assert difference.mean() < 1 and np.percentile(difference, 99) <= 8
    assert len({frame.tobytes() for frame in frames}) == 4


# A long run: 200 steps --------------------------------------------------------------------------------

LONG_LAYER = "long/conv"
LONG_STEPS = 200

# Long tasks (main thread busy over 50 ms) from now on, for the responsiveness check.
WATCH_LONG_TASKS_JS = """
window.ccLongTasks = [];
new PerformanceObserver((list) => window.ccLongTasks.push(...list.getEntries().map((e) => e.duration)))
  .observe({type: 'longtask'});
"""


@pytest.fixture(scope="module")
def long_server(tmp_path_factory):
    """One run of 200 logged steps (32 kernels of 16x16), written record by record; the Python loader."""
    root = tmp_path_factory.mktemp("long")
    writer = EventWriter(str(root / "long"))
    rng = np.random.default_rng(0)
    writes = records.writes(LONG_LAYER, (LONG_LAYER,), None, None, baseline=False, also_to_images=False)
    for step in range(LONG_STEPS):
        maps = (rng.normal(size=(1, 16, 16, 32)) * (1 + step / 50)).astype(np.float32)
        assert writer.write(step, records.summaries([records.prepare([maps], (LONG_LAYER,), [TileOptions()], writes)]))
    writer.close()
    with support.tensorboard_server(root, load_fast=False) as base:
        steps_url = f"{base}{PLUGIN_ROUTES}/steps?run=long&layer={urllib.parse.quote(LONG_LAYER, safe='')}"
        wait_until(None, lambda _: len(fetch_json(steps_url)["steps"]) == LONG_STEPS, "not every step loaded", timeout=60)
        yield base


def test_a_gif_of_200_steps_shows_progress_can_be_cancelled_and_never_freezes_the_tab(browser, long_server, downloads):
    open_tab(browser, long_server, f"layer={urllib.parse.quote(LONG_LAYER, safe='')}&run=long&zoom=2&norm=locked")
    wait_drawn(browser, "long", step=LONG_STEPS - 1, norm="locked", layer=LONG_LAYER)
    browser.find_element(By.CSS_SELECTOR, ".cc-export-gif").click()
    browser.execute_script(WATCH_LONG_TASKS_JS)
    dark_mode(browser)
    browser.find_element(By.CSS_SELECTOR, ".cc-make-gif").click()
    progress = lambda d: int(d.find_element(By.CSS_SELECTOR, ".cc-animation progress").get_attribute("value"))  # noqa: E731
    wait_until(browser, lambda d: progress(d) >= 10, "no progress")
    screenshot(browser, "gif-progress-dark.png")
    browser.find_element(By.CSS_SELECTOR, ".cc-gif-cancel").click()
    wait_until(browser, lambda d: d.find_elements(By.CSS_SELECTOR, ".cc-make-gif"), "cancel did not stop it")
    time.sleep(1)
    assert [p.name for p in downloads.iterdir()] == [], "a cancelled GIF is not saved"

    started = time.monotonic()
    browser.find_element(By.CSS_SELECTOR, ".cc-make-gif").click()  # the whole range, the default
    path = downloaded(downloads, ".gif", timeout=180)
    seconds = time.monotonic() - started
    longest = max(browser.execute_script("return window.ccLongTasks"), default=0)
    gif = Image.open(path)

    assert gif.n_frames == LONG_STEPS
    assert longest < 250, f"the main thread was busy for {longest:.0f} ms at once"
    size = path.stat().st_size / 1e6
    print(f"200-frame GIF of {gif.size[0]}x{gif.size[1]}: {seconds:.1f} s, {size:.2f} MB, longest task {longest:.0f} ms")


# The probe image and the kernel health marks in the export -----------------------------------------


@pytest.fixture(scope="module", params=support.DEFAULT_LOADER)
def health_server(request, tmp_path_factory):
    root = health_logdir.write_health_logdir(tmp_path_factory.mktemp("health"))
    with support.tensorboard_server(root, load_fast=request.param) as base:
        yield base


def test_the_png_export_holds_the_probe_image_and_the_dead_kernel_mark(browser, health_server, downloads, request):
    zoom = 4
    open_tab(browser, health_server, f"layer={urllib.parse.quote(health_logdir.LAYER, safe='')}&run=trained&step=20&zoom={zoom}&overlay=1")
    wait_drawn(browser, "trained", step=20, layer=health_logdir.LAYER)
    wait_until(browser, lambda d: d.execute_script(
        "const i = document.querySelector('.cc-probe-image'); return i.complete && i.naturalWidth > 0"), "no probe image")
    browser.find_element(By.CSS_SELECTOR, ".cc-export-png").click()
    path = downloaded(downloads, ".png")
    keep(path, f"export-probe-{request.node.callspec.id}.png")
    image = Image.open(path)
    [entry] = json.loads(image.text["convcam"])["runs"]
    picture = np.array(image.convert("RGB"))
    probe, mosaic = entry["probe"], entry["mosaic"]

    assert (probe["y"], probe["height"], probe["width"]) == (mosaic["y"], mosaic["height"], mosaic["height"])  # at its height
    assert probe["x"] + probe["width"] < mosaic["x"]
    centres = ((np.arange(health_logdir.SIZE) + 0.5) * probe["height"] / health_logdir.SIZE).astype(int)  # each probe pixel's
    shown_probe = picture[probe["y"] + centres[:, None], probe["x"] + centres[None, :], 0]
    np.testing.assert_array_equal(shown_probe, health_logdir.probe_picture())
    # The dead kernel (slot 3 of a 4-column grid) has its red box on its tile's edge.
    x, y = mosaic["x"] + health_logdir.DEAD_KERNEL * TILE_PX * zoom + 1, mosaic["y"] + 12 * zoom
    assert tuple(picture[y, x]) == (229, 57, 53)


def test_the_png_export_says_which_probe_image_it_shows(browser, health_server, downloads):
    run = health_logdir.TWO_PROBE_RUN
    open_tab(browser, health_server, f"layer={urllib.parse.quote(health_logdir.LAYER, safe='')}&run={run}&step=20&image=1")
    wait_drawn(browser, run, step=20, layer=health_logdir.LAYER, image=1)
    browser.find_element(By.CSS_SELECTOR, ".cc-export-png").click()
    text = json.loads(Image.open(downloaded(downloads, ".png")).text["convcam"])

    assert text["image"] == 1 and "image=1" in text["view"]
    assert [(r["run"], r["step"]) for r in text["runs"]] == [(run, 20)]
