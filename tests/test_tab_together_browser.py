"""Arrange, Compare, the colour bar's clip marks and export together (headless Chromium, a real
tensorboard on the default loader: all composed from data the tab already holds, see plugin_support.DEFAULT_LOADER).

An exported PNG or GIF frame is the view exactly as shown: the tiles in the arranged order, the
clip marks on the tiles they belong to, the difference in diverging colours with its scale (no
grey bar, no clip marks), a swipe at its divider; the band and the PNG text say how the tiles are
arranged and what is compared. Over tests/tab_driver.py's browser logdir ("xa/conv1": 16 kernels,
clipped under "Locked" to blank's baseline at later steps of "trained").
"""

from __future__ import annotations

import json
import urllib.parse

import numpy as np
import plugin_support as support
import pytest
from PIL import Image, ImageSequence
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select
from tab_driver import (
    CANVASES_JS, SCREENSHOTS, downloaded, keep, open_tab, panels, screenshot, wait_drawn, wait_until, write_browser_logdir,
)

LAYER = support.SINGLE_LAYER
LAYER_Q = urllib.parse.quote(LAYER, safe="")
ZOOM = 4
ARRANGED = f"layer={LAYER_Q}&run=blank&run=trained&norm=locked&zoom={ZOOM}&arrange=mean&arrangeRun=trained&arrangeStep=20"
CLIP_COLOURS = ((255, 0, 255), (0, 255, 255))  # magenta above the scale, cyan below
FULL_RED, FULL_BLUE = (178, 24, 43), (33, 102, 172)  # the difference's ends


@pytest.fixture(scope="module")
def logdir(tmp_path_factory):
    return write_browser_logdir(tmp_path_factory.mktemp("logs"))


@pytest.fixture(scope="module", params=support.DEFAULT_LOADER)
def server(request, logdir):
    with support.tensorboard_server(logdir, load_fast=request.param) as base:
        yield base


def attribute(driver, run: str, name: str) -> str | None:
    panel = panels(driver).get(run)
    return panel.get_attribute(name) if panel else None


def wait_arranged(driver, runs=("blank", "trained")) -> list[int]:
    """The kernels in their drawn order, once every panel draws its tiles arranged."""
    wait_until(driver, lambda d: all(attribute(d, run, "data-order") for run in runs), "tiles never arranged")
    return [int(kernel) for kernel in attribute(driver, runs[0], "data-order").split(",")]


def wait_compared(driver, run: str, show: str) -> None:
    wait_until(driver, lambda d: (attribute(d, run, "data-compared") or "").startswith(f"{show}|"), f"{run}: never a {show}")


def shown(driver, run: str) -> dict:
    """What `run`'s panel shows: {mosaic: [h, w, 3], clip: [h, w, 4] | None}."""
    drawn = driver.execute_script(CANVASES_JS, panels(driver)[run])
    shape = (drawn["height"], drawn["width"], 4)
    mosaic = np.array(drawn["mosaic"], np.uint8).reshape(shape)[..., :3]
    clip = None if drawn["clip"] is None else np.array(drawn["clip"], np.uint8).reshape(shape)
    return {"mosaic": mosaic, "clip": clip}


def as_seen(panel: dict) -> np.ndarray:
    """The panel's picture with its clip marks over it, enlarged to the zoom: what an export must hold."""
    mosaic = panel["mosaic"]
    if panel["clip"] is not None:
        mosaic = np.where(panel["clip"][..., 3:] == 255, panel["clip"][..., :3], mosaic)
    return mosaic.repeat(ZOOM, axis=0).repeat(ZOOM, axis=1)


def export_png(driver, downloads, name: str) -> tuple[np.ndarray, dict]:
    driver.find_element(By.CSS_SELECTOR, ".cc-export-png").click()
    try:
        path = downloaded(downloads, ".png")
    except TimeoutError:
        raise AssertionError(driver.find_element(By.CSS_SELECTOR, ".cc-animation").text) from None
    keep(path, name)
    image = Image.open(path)
    return np.array(image.convert("RGB")), json.loads(image.text["convcam"])


def gif_frames(driver, downloads, first: str, last: str, name: str | None = None) -> list[np.ndarray]:
    """The frames of a GIF made of steps `first` to `last` (kept as `name`)."""
    driver.find_element(By.CSS_SELECTOR, ".cc-export-gif").click()
    Select(driver.find_element(By.CSS_SELECTOR, ".cc-gif-from")).select_by_visible_text(first)
    Select(driver.find_element(By.CSS_SELECTOR, ".cc-gif-to")).select_by_visible_text(last)
    driver.find_element(By.CSS_SELECTOR, ".cc-make-gif").click()
    path = downloaded(downloads, ".gif")
    if name:
        keep(path, name)
    return [np.array(frame.convert("RGB")) for frame in ImageSequence.Iterator(Image.open(path))]


def box(picture: np.ndarray, where: dict) -> np.ndarray:
    return picture[where["y"]:where["y"] + where["height"], where["x"]:where["x"] + where["width"]]


def has_colour(pixels: np.ndarray, rgb, tolerance: int = 0) -> bool:
    return bool((np.abs(pixels.astype(int) - rgb).max(axis=-1) <= tolerance).any())


def test_arranged_clip_marks_sit_on_their_own_tiles_and_the_png_is_the_arranged_view(browser, server, downloads, request):
    open_tab(browser, server, f"{ARRANGED}&step=20")
    wait_drawn(browser, "trained", step=20, norm="locked", layer=LAYER)
    wait_drawn(browser, "blank", step=20, norm="locked", layer=LAYER)
    order = wait_arranged(browser)
    wait_until(browser, lambda d: shown(d, "trained")["clip"] is not None, "no clip marks")
    trained = shown(browser, "trained")
    row = panels(browser)["trained"].find_element(By.CSS_SELECTOR, ".cc-scale-row")
    above, below = int(row.get_attribute("data-above")), int(row.get_attribute("data-below"))
    screenshot(browser, f"together-arranged-locked-clip-{request.node.callspec.id}.png")
    browser.execute_script("document.documentElement.classList.add('cc-dark')")
    screenshot(browser, f"together-arranged-locked-clip-dark-{request.node.callspec.id}.png")
    browser.execute_script("document.documentElement.classList.remove('cc-dark')")
    views = {run: shown(browser, run) for run in ("blank", "trained")}
    picture, text = export_png(browser, downloads, f"together-export-arranged-{request.node.callspec.id}.png")

    assert order != sorted(order), "mean order moves tiles"
    # Each mark on its own tile: magenta only on pixels drawn white (clipped above), cyan only on black.
    clip, mosaic = trained["clip"], trained["mosaic"]
    marked_above = (clip[..., 3] == 255) & (clip[..., 0] == 255) & (clip[..., 1] == 0)
    marked_below = (clip[..., 3] == 255) & (clip[..., 0] == 0) & (clip[..., 1] == 255)
    assert np.count_nonzero(marked_above) == above > 100 and np.count_nonzero(marked_below) == below
    assert (mosaic[marked_above] == 255).all() and (mosaic[marked_below] == 0).all()
    # The PNG: every panel's picture and marks as shown, and the arrangement told.
    assert text["arrangement"] == {"by": "mean", "run": "trained", "step": 20, "order": order}
    assert text["comparison"] is None
    for entry in text["runs"]:
        np.testing.assert_array_equal(box(picture, entry["mosaic"]), as_seen(views[entry["run"]]))


def test_a_difference_exports_in_diverging_colours_with_its_scale_and_no_clip_marks(browser, server, downloads, request):
    open_tab(browser, server, f"{ARRANGED}&step=20&diff=run&diffRun=blank&diffGain=4")
    for run in ("blank", "trained"):
        wait_compared(browser, run, "difference")
    order = wait_arranged(browser)
    trained = shown(browser, "trained")
    grey_bars = [panel.find_element(By.CSS_SELECTOR, ".cc-scale").is_displayed() for panel in panels(browser).values()]
    screenshot(browser, f"together-difference-{request.node.callspec.id}.png")
    picture, text = export_png(browser, downloads, f"together-export-difference-{request.node.callspec.id}.png")

    assert trained["clip"] is None and grey_bars == [False, False], "the grey scale and its clip marks do not apply"
    assert has_colour(trained["mosaic"], FULL_RED, 40) and has_colour(trained["mosaic"], FULL_BLUE, 40)
    assert text["comparison"] == {"against": "run", "run": "blank", "show": "difference", "gain": 4, "split": 0.5}
    assert text["arrangement"]["order"] == order
    assert [entry["comparedWith"] for entry in text["runs"]] == ["− blank, step 20"] * 2
    trained_box = text["runs"][1]["mosaic"]
    np.testing.assert_array_equal(box(picture, trained_box), as_seen(trained))
    assert not any(has_colour(picture, rgb) for rgb in CLIP_COLOURS)
    # Under the mosaics, the diverging scale from full blue to full red.
    under = picture[trained_box["y"] + trained_box["height"]:]
    assert has_colour(under, FULL_BLUE, 12) and has_colour(under, FULL_RED, 12)  # gradients are dithered
    # A GIF's frame of step 20 is that difference too (each step compared with blank's at it).
    assert np.abs(gif_frames(browser, downloads, "15", "20")[-1].astype(int) - picture).mean() < 1



def test_one_runs_export_is_wide_enough_for_the_band_to_say_the_comparison_whole(browser, server, downloads, request):
    open_tab(browser, server, f"{ARRANGED.replace('&run=blank', '')}&step=20&diff=baseline")
    wait_compared(browser, "trained", "difference")
    picture, text = export_png(browser, downloads, f"together-export-baseline-one-run-{request.node.callspec.id}.png")

    assert text["comparison"]["against"] == "baseline" and text["runs"][0]["comparedWith"] == "− baseline, step 0"
    assert picture.shape[1] > 300 + 2 * 16 + 100, "wider than its one column: the band's lines are not cut"


def test_a_swipe_marks_each_sides_clipped_pixels_and_exports_at_its_divider_and_a_flicker_as_the_runs_own_frame(
        browser, server, downloads, request):
    view = f"{ARRANGED}&step=20"
    open_tab(browser, server, view)
    wait_drawn(browser, "trained", step=20, norm="locked", layer=LAYER)
    wait_drawn(browser, "blank", step=20, norm="locked", layer=LAYER)
    wait_arranged(browser)
    wait_until(browser, lambda d: shown(d, "trained")["clip"] is not None, "no clip marks")
    own, blank = shown(browser, "trained"), shown(browser, "blank")
    open_tab(browser, server, f"{view}&diff=run&diffRun=blank&diffShow=swipe")
    wait_compared(browser, "trained", "swipe")
    swiped = shown(browser, "trained")
    screenshot(browser, f"together-swipe-clip-{request.node.callspec.id}.png")
    picture, text = export_png(browser, downloads, f"together-export-swipe-{request.node.callspec.id}.png")
    for path in downloads.iterdir():
        path.unlink()
    open_tab(browser, server, f"{view}&diff=run&diffRun=blank&diffShow=flicker")
    wait_compared(browser, "trained", "flicker")
    flickered, flicker_text = export_png(browser, downloads, f"together-export-flicker-{request.node.callspec.id}.png")
    open_tab(browser, server, f"{view}&diff=run&diffRun=blank&diffShow=swipe")
    wait_compared(browser, "trained", "swipe")
    handle = panels(browser)["trained"].find_element(By.CSS_SELECTOR, ".cc-swipe")
    ActionChains(browser).click_and_hold(handle).move_by_offset(-5 * ZOOM, 0).release().perform()

    middle = round(swiped["mosaic"].shape[1] / 2 + 0.01)  # the divider starts half way (JavaScript rounds halves up)
    for part, frame in (("mosaic", own), ("clip", own)):  # left of the divider: trained, its picture and marks
        np.testing.assert_array_equal(swiped[part][:, :middle], frame[part][:, :middle])
    for part in ("mosaic", "clip"):  # right of it: blank's
        np.testing.assert_array_equal(swiped[part][:, middle:], blank[part][:, middle:])
    assert not np.array_equal(own["clip"][:, middle:], blank["clip"][:, middle:]), "the right half's marks did change"
    cut = middle - 5  # dragged: the marks move with the divider
    wait_until(browser, lambda d: np.array_equal(shown(d, "trained")["clip"][:, cut:], blank["clip"][:, cut:]),
               "marks not swiped")
    np.testing.assert_array_equal(shown(browser, "trained")["clip"][:, :cut], own["clip"][:, :cut])
    np.testing.assert_array_equal(box(picture, text["runs"][1]["mosaic"]), as_seen(swiped))
    assert text["comparison"]["show"] == "swipe" and text["runs"][1]["comparedWith"] == "◀ | blank, step 20 ▶"
    np.testing.assert_array_equal(box(flickered, flicker_text["runs"][1]["mosaic"]), as_seen(own))
    assert flicker_text["runs"][1]["comparedWith"] == "(flickers with blank, step 20)"


def test_each_gif_frame_is_the_arranged_view_with_its_clip_marks(browser, server, downloads, request):
    open_tab(browser, server, f"{ARRANGED}&step=15")
    wait_drawn(browser, "trained", step=15, norm="locked", layer=LAYER)
    wait_arranged(browser)
    wait_until(browser, lambda d: shown(d, "trained")["clip"] is not None, "no clip marks")
    trained = shown(browser, "trained")
    png, text = export_png(browser, downloads, f"together-export-gif-step15-{request.node.callspec.id}.png")

    frames = gif_frames(browser, downloads, "15", "20", f"together-export-arranged-{request.node.callspec.id}.gif")
    Image.fromarray(frames[0]).save(SCREENSHOTS / f"together-gif-frame0-{request.node.callspec.id}.png")

    assert len(frames) == 2 and frames[0].shape == png.shape
    # Frame 1 is step 15 as shown (and as the PNG of it), up to the GIF's palette.
    mosaic = text["runs"][1]["mosaic"]
    seen = box(frames[0], mosaic).astype(int)
    assert np.abs(seen - as_seen(trained)).mean() < 2
    assert np.abs(frames[0].astype(int) - png).mean() < 1
    assert has_colour(seen, CLIP_COLOURS[0], 8), "the clip marks are in the frame"


@pytest.mark.parametrize("width, most_rows", [(1280, 3), (1440, 3), (1680, 2)])
def test_the_toolbar_with_every_control_is_tidy_at_common_widths(browser, server, request, width, most_rows):
    merged = urllib.parse.quote(support.DUAL_LAYER, safe="")
    browser.set_window_size(width, 1000)
    try:
        open_tab(browser, server, f"{ARRANGED.replace(LAYER_Q, merged)}&step=15&diff=run&diffRun=blank&overlay=1")
        wait_compared(browser, "trained", "difference")
        layout = browser.execute_script(TOOLBAR_JS)
        screenshot(browser, f"together-toolbar-{request.node.callspec.id}.png")
        browser.execute_script("document.documentElement.classList.add('cc-dark')")
        screenshot(browser, f"together-toolbar-dark-{request.node.callspec.id}.png")
    finally:
        browser.set_window_size(1680, 1000)

    groups = [group for row in layout["rows"] for group in row]
    assert [name for name, *_ in groups] == ["Normalise", "Colours", "Zoom", "Kernels", "Arrange", "Compare"]
    assert len(layout["rows"]) <= most_rows, f"the controls take {len(layout['rows'])} rows at {width} px"
    assert all(right <= layout["right"] + 1 for _, _, right, _ in groups), "a control runs past the toolbar"
    assert not any(cut for *_, cut in groups), "a control is cut"
    for row in layout["rows"]:  # a row's controls side by side, none over another
        spans = sorted((left, right) for _, left, right, _ in row)
        assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))
    assert layout["export"] <= layout["right"] + 1, "Export ends the scrubber row"
    assert layout["exportTop"] < layout["controlsTop"]


# The toolbar's shown control groups by row: [label, left, right, cut], and where Export sits.
TOOLBAR_JS = """
const rows = [];
for (const group of document.querySelectorAll('.cc-controls > .cc-control')) {
  if (!group.offsetParent) continue;
  const r = group.getBoundingClientRect();
  let row = rows.find((row) => Math.abs(row.top - r.top) < r.height / 2);
  if (!row) rows.push(row = {top: r.top, groups: []});
  const cut = group.scrollWidth > group.clientWidth + 1;
  row.groups.push([group.querySelector('.cc-control-label').textContent, r.left, r.right, cut]);
}
const controls = document.querySelector('.cc-controls').getBoundingClientRect();
const exported = document.querySelector('.cc-export').getBoundingClientRect();
return {rows: rows.map((row) => row.groups), right: controls.right, controlsTop: controls.top,
        export: exported.right, exportTop: exported.top};
"""
