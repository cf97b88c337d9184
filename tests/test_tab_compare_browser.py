"""Arranging and comparing in the Convcam tab: a real tensorboard, headless Chromium.

What the tab composes (arranging, differences, swipe, flicker) runs on the default loader only
(plugin_support.on_the_default_loader); what depends on the step infos and baseline it fetches, on each loader.

Over tests/health_logdir.py's logdir ("xa/conv1": 8 kernels of 24×24 in 4 columns, kernel 3
dead, kernel 5 dormant; "blank" and "trained" log per-kernel health, "legacy" is version 1).
Asserts on the pixels drawn; screenshots go to artifacts/screenshots/.
"""

from __future__ import annotations

import urllib.parse

import health_logdir
import numpy as np
import plugin_support as support
import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from tab_driver import TILE_PX, hover_tile, location_view, open_tab, panels, screenshot, wait_drawn, wait_until

LAYER = urllib.parse.quote(health_logdir.LAYER, safe="")
ZOOM = 4
COLS = 4
KERNELS = health_logdir.KERNELS[health_logdir.LAYER]
NEUTRAL = (247, 247, 247)  # the difference view's zero
# ColorBrewer's RdBu, as static/diff.js draws differences: value in -1..1 -> colour.
DIVERGING = np.array([[33, 102, 172], [146, 197, 222], [247, 247, 247], [244, 165, 130], [178, 24, 43]], float)

CANVAS_RGB_JS = """
const canvas = arguments[0];
return Array.from(canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data);
"""


@pytest.fixture(scope="module", params=support.LOADERS)
def server(request, tmp_path_factory):
    root = health_logdir.write_health_logdir(tmp_path_factory.mktemp("health"))
    with support.tensorboard_server(root, load_fast=request.param) as base:
        yield base


def canvas_rgb(driver, run: str) -> np.ndarray:
    """What `run`'s panel shows now: [height, width, 3]."""
    canvas = panels(driver)[run].find_element(By.CSS_SELECTOR, "canvas")
    height, width = int(canvas.get_attribute("height")), int(canvas.get_attribute("width"))
    return np.array(driver.execute_script(CANVAS_RGB_JS, canvas), np.uint8).reshape(height, width, 4)[..., :3]


def tile(picture: np.ndarray, position: int) -> np.ndarray:
    row, col = divmod(position, COLS)
    return picture[row * TILE_PX:row * TILE_PX + 24, col * TILE_PX:col * TILE_PX + 24]


def tiles(picture: np.ndarray) -> np.ndarray:
    """Every tile's pixels, [kernels, 24, 24, 3], leaving out separators and the empty cells."""
    return np.stack([tile(picture, position) for position in range(KERNELS)])


def panel_attribute(driver, run: str, name: str) -> str | None:
    """An attribute of `run`'s panel; None while it has none (not built yet, or rebuilt under the read)."""
    try:
        panel = panels(driver).get(run)
        return panel.get_attribute(name) if panel else None
    except StaleElementReferenceException:
        return None


def wait_order(driver, runs: tuple[str, ...], order: list[int]) -> None:
    expected = ",".join(map(str, order))
    wait_until(driver, lambda d: all(panel_attribute(d, run, "data-order") == expected for run in runs),
               f"tiles of {runs} never drawn in the order {expected}")


def wait_compared(driver, run: str, show: str, other_run: str, other_step: int) -> None:
    def compared(d):
        show_drawn, _, key = (panel_attribute(d, run, "data-compared") or "").partition("|")
        args = urllib.parse.parse_qs(key)
        return show_drawn == show and args.get("run") == [other_run] and args.get("step") == [str(other_step)]

    wait_until(driver, compared, f"{run}: never compared with {other_run} step {other_step} ({show})")


def per_kernel(run: str, step: int) -> np.ndarray:
    """Each kernel's map as a per-kernel panel shows it (0 black, 1 white): [kernels, 24, 24]."""
    maps = np.moveaxis(health_logdir.activations(run, health_logdir.LAYER, step)[0], -1, 0).astype(np.float64)
    low = maps.min(axis=(1, 2), keepdims=True)
    span = maps.max(axis=(1, 2), keepdims=True) - low
    return np.divide(maps - low, span, out=np.zeros_like(maps), where=span > 0)


def diverging(values: np.ndarray) -> np.ndarray:
    """The colours static/diff.js draws values at (clamped to -1..1) in: [..., 3]."""
    return np.stack([np.interp(values, np.linspace(-1, 1, 5), DIVERGING[:, c]) for c in range(3)], axis=-1)


# Arranging --------------------------------------------------------------------------------------


@support.on_the_default_loader()
def test_arranging_by_mean_moves_every_panels_tiles_and_hover_follow_and_marks_name_the_true_kernel(browser, server):
    open_tab(browser, server, f"layer={LAYER}&run=blank&run=trained&step=20&zoom={ZOOM}")
    wait_drawn(browser, "trained", step=20, layer=health_logdir.LAYER)
    in_index_order = canvas_rgb(browser, "trained")
    assert hover_tile(browser, "trained", 1, ZOOM).startswith("Kernel 1\n")  # before arranging, position is kernel

    browser.find_element(By.CSS_SELECTOR, '.cc-arrange [data-value="mean"]').click()
    # The order is the first shown run's (blank) at the shown step: its means grow with the
    # kernel, but the dead kernel's (3) is 0 and the dormant one's (5) tiny.
    order = [7, 6, 4, 2, 1, 0, 5, 3]
    wait_order(browser, ("blank", "trained"), order)
    arranged = canvas_rgb(browser, "trained")
    first_tip = hover_tile(browser, "trained", 0, ZOOM)
    ActionChains(browser).click().perform()
    strip = wait_until(browser, lambda d: d.find_element(By.CSS_SELECTOR, ".cc-filmstrip").is_displayed()
                       and d.find_element(By.CSS_SELECTOR, ".cc-filmstrip"), "no filmstrip")
    browser.find_element(By.CSS_SELECTOR, ".cc-overlay-toggle").click()
    panel = panels(browser)["trained"]
    dead = wait_until(browser, lambda d: panel.find_elements(By.CSS_SELECTOR, ".cc-mark-dead"), "no dead kernel marked")
    dormant = panel.find_element(By.CSS_SELECTOR, ".cc-mark-dormant")
    canvas = panel.find_element(By.CSS_SELECTOR, "canvas").rect
    screenshot(browser, "arranged-by-mean.png")

    for position, kernel in enumerate(order):  # whole tiles moved, pixel for pixel
        np.testing.assert_array_equal(tile(arranged, position), tile(in_index_order, kernel))
    assert first_tip.startswith("Kernel 7\ntrained · step 20\n")
    assert "Kernel 7 across steps" in strip.text
    assert "kernel=7" in browser.execute_script("return location.hash")
    for mark, kernel in ((dead[0], health_logdir.DEAD_KERNEL), (dormant, health_logdir.DORMANT_KERNEL)):
        assert mark.get_attribute("data-kernel") == str(kernel)
        box = mark.find_element(By.CSS_SELECTOR, "rect").rect
        row, col = divmod(order.index(kernel), COLS)  # on the kernel's tile, where it is drawn now
        assert (box["x"] - canvas["x"], box["y"] - canvas["y"]) == pytest.approx(
            (col * TILE_PX * ZOOM, row * TILE_PX * ZOOM), abs=1)
    dead_tip = hover_tile(browser, "trained", order.index(health_logdir.DEAD_KERNEL), ZOOM)
    assert dead_tip.startswith("Kernel 3\n") and "dead: the same value everywhere" in dead_tip
    browser.execute_script("document.documentElement.classList.add('cc-dark')")
    screenshot(browser, "arranged-by-mean-dark.png")


@support.on_the_default_loader()
def test_the_order_is_kept_while_scrubbing_and_in_the_url_until_re_sorted(browser, server):
    open_tab(browser, server, f"layer={LAYER}&run=blank&run=trained&step=20&zoom={ZOOM}&arrange=mean")
    wait_drawn(browser, "trained", step=20, layer=health_logdir.LAYER)
    browser.find_element(By.CSS_SELECTOR, '.cc-arrange [data-value="change"]').click()
    # Blank changes nothing since its baseline: every kernel ties, so index order.
    wait_order(browser, ("blank", "trained"), list(range(KERNELS)))
    browser.execute_script("arguments[0].click()", browser.find_element(
        By.CSS_SELECTOR, '.cc-run[data-run="blank"] input'))  # untick blank: trained becomes the first run
    wait_until(browser, lambda d: panel_attribute(d, "blank", "class") is None, "blank's panel not removed")
    browser.find_element(By.CSS_SELECTOR, ".cc-arrange-bar .cc-link").click()  # re-sort at the shown step
    by_change = [7, 6, 5, 4, 2, 1, 0, 3]  # trained's change grows with the kernel; the dead kernel's is 0
    wait_order(browser, ("trained",), by_change)

    browser.find_element(By.CSS_SELECTOR, ".cc-slider").send_keys(Keys.HOME)
    wait_drawn(browser, "trained", step=0, layer=health_logdir.LAYER)
    bar = browser.find_element(By.CSS_SELECTOR, ".cc-arrange-bar").text
    view = wait_until(browser, lambda d: (lambda v: v.get("step") == ["0"] and v)(location_view(d)), "step not saved")

    assert panels(browser)["trained"].get_attribute("data-order") == ",".join(map(str, by_change))  # no jumping
    assert "Tiles by change since the baseline, highest first, as at trained step 20" in bar
    assert (view["arrange"], view["arrangeRun"], view["arrangeStep"]) == (["change"], ["trained"], ["20"])

    open_tab(browser, server, urllib.parse.urlencode(
        {"layer": health_logdir.LAYER, "run": ["blank", "trained"], "arrange": "change", "arrangeRun": "trained",
         "arrangeStep": "20", "zoom": ZOOM, "step": "10"}, doseq=True))
    wait_order(browser, ("blank", "trained"), by_change)  # reopened from the URL: trained's order in both panels
    assert hover_tile(browser, "blank", 0, ZOOM).startswith("Kernel 7\nblank · step 10\n")


def test_echo_and_change_are_offered_only_where_the_step_info_has_per_kernel_health(browser, server):
    open_tab(browser, server, f"layer={LAYER}&run=legacy&step=20&arrange=echo")
    wait_drawn(browser, "legacy", step=20, layer=health_logdir.LAYER)
    echo = browser.find_element(By.CSS_SELECTOR, '.cc-arrange [data-value="echo"]')
    wait_until(browser, lambda d: echo.get_attribute("disabled") is not None, "echo offered for a version-1 log")
    change = browser.find_element(By.CSS_SELECTOR, '.cc-arrange [data-value="change"]')
    mean = browser.find_element(By.CSS_SELECTOR, '.cc-arrange [data-value="mean"]')

    assert change.get_attribute("disabled") is not None and mean.get_attribute("disabled") is None
    assert "step info version 2" in echo.get_attribute("title") and "legacy step 30" in echo.get_attribute("title")
    assert "No echo of the input image logged at legacy step 30" in browser.find_element(By.CSS_SELECTOR, ".cc-arrange-bar").text
    assert panels(browser)["legacy"].get_attribute("data-order") == ""  # index order


# Comparing --------------------------------------------------------------------------------------


@pytest.mark.parametrize("norm", ["kernel", "layer", "locked"])
@support.on_the_default_loader()
def test_a_run_diffed_with_itself_is_neutral_everywhere(browser, server, norm):
    open_tab(browser, server, f"layer={LAYER}&run=trained&step=20&diff=run&diffRun=trained&norm={norm}")
    wait_drawn(browser, "trained", step=20, norm=norm, layer=health_logdir.LAYER)
    wait_compared(browser, "trained", "difference", "trained", 20)

    assert (tiles(canvas_rgb(browser, "trained")) == NEUTRAL).all()


def test_a_step_diffed_with_the_runs_baseline_is_neutral_at_the_baseline_only(browser, server):
    open_tab(browser, server, f"layer={LAYER}&run=trained&step=0&diff=baseline")
    wait_compared(browser, "trained", "difference", "trained", 0)
    at_baseline = tiles(canvas_rgb(browser, "trained"))
    label = panels(browser)["trained"].find_element(By.CSS_SELECTOR, ".cc-compare-label").text
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.END)
    wait_drawn(browser, "trained", step=30, layer=health_logdir.LAYER)
    wait_compared(browser, "trained", "difference", "trained", 0)
    trained = tiles(canvas_rgb(browser, "trained"))

    assert (at_baseline == NEUTRAL).all()
    assert label == "− baseline, step 0"
    assert (trained != NEUTRAL).any(axis=-1).mean() > 0.3


@support.on_the_default_loader()
def test_a_difference_of_two_runs_is_drawn_from_the_stored_pixels_in_diverging_colours(browser, server, request):
    open_tab(browser, server, f"layer={LAYER}&run=blank&run=trained&step=20&zoom={ZOOM}&diff=run&diffRun=blank")
    for run in ("blank", "trained"):
        wait_compared(browser, run, "difference", "blank", 20)
    drawn = tiles(canvas_rgb(browser, "trained")).astype(float)
    itself = tiles(canvas_rgb(browser, "blank"))
    scale = browser.find_element(By.CSS_SELECTOR, ".cc-diff-scale").text
    screenshot(browser, f"diff-two-runs-{request.node.callspec.id}.png")
    browser.execute_script("document.documentElement.classList.add('cc-dark')")
    screenshot(browser, f"diff-two-runs-dark-{request.node.callspec.id}.png")
    tip = hover_tile(browser, "trained", 1, ZOOM).split("\n")
    screenshot(browser, f"diff-hover-dark-{request.node.callspec.id}.png")
    browser.find_element(By.CSS_SELECTOR, '.cc-diff-gain [data-value="4"]').click()
    wait_until(browser, lambda d: "diffGain=4" in d.execute_script("return location.hash"), "gain not in the URL")
    wait_until(browser, lambda d: not np.array_equal(tiles(canvas_rgb(d, "trained")), drawn), "the gain changed nothing")
    amplified = tiles(canvas_rgb(browser, "trained")).astype(float)
    amplified_scale = browser.find_element(By.CSS_SELECTOR, ".cc-diff-scale").text

    difference = per_kernel("trained", 20) - per_kernel("blank", 20)
    # Within what 8-bit pixels hold (a level of each kernel's range) and the colour table's steps.
    assert np.abs(drawn - diverging(difference)).max() <= 3
    assert np.abs(amplified - diverging(4 * difference)).max() <= 8  # four times the quantisation
    assert (difference > 0.3).any() and (difference < -0.3).any()  # both colours are tested
    assert (drawn[difference > 0.3][:, 0] > drawn[difference > 0.3][:, 2]).all()  # trained higher: red
    assert (drawn[difference < -0.3][:, 2] > drawn[difference < -0.3][:, 0]).all()  # lower: blue
    assert (itself == NEUTRAL).all()  # blank against itself
    line = next(text for text in tip if text.startswith("− blank, step 20: mean "))  # hover: the kernel's difference
    mean, largest = (float(part.split()[-1]) for part in line.removesuffix(" of each kernel's range").split(": ")[1].split(" · "))
    kernel = difference[1]
    assert tip[0] == "Kernel 1" and mean == pytest.approx(kernel.mean(), abs=0.005)
    assert largest == pytest.approx(kernel.flat[np.abs(kernel).argmax()], abs=0.005)
    assert scale.split("\n")[3:5] == ["−1", "+1"] and "of each kernel's range" in scale
    assert amplified_scale.split("\n")[3:5] == ["−0.25", "+0.25"]


@support.on_the_default_loader()
def test_swipe_shows_the_run_left_of_the_divider_and_the_other_right_and_a_drag_moves_it_and_the_url_keeps_it(browser, server, request):
    view = f"layer={LAYER}&run=blank&run=trained&step=20&zoom={ZOOM}"
    open_tab(browser, server, view)
    wait_drawn(browser, "trained", step=20, layer=health_logdir.LAYER)
    wait_drawn(browser, "blank", step=20, layer=health_logdir.LAYER)
    trained, blank = canvas_rgb(browser, "trained"), canvas_rgb(browser, "blank")
    open_tab(browser, server, f"{view}&diff=run&diffRun=blank&diffShow=swipe")
    wait_compared(browser, "trained", "swipe", "blank", 20)
    swiped = canvas_rgb(browser, "trained")
    width = swiped.shape[1]
    middle = round(width / 2 + 0.01)  # the divider starts half way (JavaScript rounds halves up)
    handle = panels(browser)["trained"].find_element(By.CSS_SELECTOR, ".cc-swipe")
    screenshot(browser, f"swipe-{request.node.callspec.id}.png")
    browser.execute_script("document.documentElement.classList.add('cc-dark')")
    screenshot(browser, f"swipe-dark-{request.node.callspec.id}.png")

    np.testing.assert_array_equal(swiped[:, :middle], trained[:, :middle])
    np.testing.assert_array_equal(swiped[:, middle:], blank[:, middle:])
    assert not np.array_equal(trained[:, middle:], blank[:, middle:])  # the right half did change

    ActionChains(browser).click_and_hold(handle).move_by_offset(-25 * ZOOM, 0).release().perform()
    cut = middle - 25
    wait_until(browser, lambda d: np.array_equal(canvas_rgb(d, "trained")[:, cut:], blank[:, cut:]), "the drag did not move the divider")
    moved = canvas_rgb(browser, "trained")
    np.testing.assert_array_equal(moved[:, :cut], trained[:, :cut])
    assert browser.find_element(By.CSS_SELECTOR, ".cc-filmstrip").get_attribute("hidden") is not None  # a drag is no click
    assert panels(browser)["trained"].find_element(By.CSS_SELECTOR, ".cc-compare-label").text == "◀ trained\nblank, step 20 ▶"

    split = wait_until(browser, lambda d: location_view(d).get("diffSplit"), "the divider's place not in the URL")[0]
    assert round(float(split) * width) == cut
    open_tab(browser, server, f"{view}&diff=run&diffRun=blank&diffShow=swipe&diffSplit={split}")  # reopened from the URL
    wait_until(browser, lambda d: np.array_equal(canvas_rgb(d, "trained"), moved), "reopened, the divider is not where it was left")


@support.on_the_default_loader()
def test_flicker_shows_the_run_and_the_other_in_turn(browser, server):
    view = f"layer={LAYER}&run=trained&step=30&zoom={ZOOM}"
    open_tab(browser, server, view)
    wait_drawn(browser, "trained", step=30, layer=health_logdir.LAYER)
    trained = canvas_rgb(browser, "trained")
    open_tab(browser, server, f"layer={LAYER}&run=trained&step=0&zoom={ZOOM}")
    wait_drawn(browser, "trained", step=0, layer=health_logdir.LAYER)
    baseline = canvas_rgb(browser, "trained")
    open_tab(browser, server, f"{view}&diff=baseline&diffShow=flicker")
    wait_compared(browser, "trained", "flicker", "trained", 0)

    wait_until(browser, lambda d: np.array_equal(canvas_rgb(d, "trained"), baseline), "the baseline never shown")
    wait_until(browser, lambda d: np.array_equal(canvas_rgb(d, "trained"), trained), "the run never shown again")
    assert not np.array_equal(trained, baseline)
