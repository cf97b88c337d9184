"""End to end: a real tensorboard, headless Chromium, the Convcam tab.

Asserts on what is drawn (canvas pixels, printed steps), not on internals.
Screenshots go to artifacts/screenshots/ (ignored by git).
"""

from __future__ import annotations

import urllib.parse
from pathlib import Path

import health_logdir
import numpy as np
import plugin_support as support
import pytest
import sweep_logdir
from tab_driver import (
    CANVAS_RED_JS, INJECTED_IMG, SHOWCASE_LAYER, TILE_PX, chart_curves, click_segment, hover_tile, location_view,
    open_tab, panels, panels_zoom, pick_layer, readout, screenshot, wait_drawn, wait_probe, wait_until,
    write_browser_logdir,
)
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from harness.tensorboard import PLUGIN_PAGE, PLUGIN_ROUTES, fetch_json
from tb_convcam import metadata

@pytest.fixture(scope="module")
def logdir(tmp_path_factory) -> Path:
    return write_browser_logdir(tmp_path_factory.mktemp("logs"))


@pytest.fixture(scope="module")
def server(logdir):
    with support.tensorboard_server(logdir, load_fast=False) as base:
        yield base


@pytest.mark.parametrize("load_fast", support.LOADERS)
def test_the_tab_opens_inside_tensorboards_page_and_draws_both_runs(browser, logdir, server, load_fast):
    def check(base):
        browser.switch_to.default_content()
        browser.get(f"{base}/#convcam")
        frame = wait_until(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "iframe"), "no plugin iframe")[0]
        browser.switch_to.frame(frame)
        wait_until(browser, lambda d: d.find_elements(By.CSS_SELECTOR, ".cc-layer"), "layer list not shown in iframe")
        pick_layer(browser, SHOWCASE_LAYER)
        blank = wait_drawn(browser, "blank", step=20, layer=SHOWCASE_LAYER)
        trained = wait_drawn(browser, "trained", step=25, layer=SHOWCASE_LAYER)
        assert blank["hash"] != trained["hash"]
        assert "step 20 (nearest ≤ 25)" in panels(browser)["blank"].text
        canvas = panels(browser)["trained"].find_element(By.CSS_SELECTOR, "canvas")
        ActionChains(browser).move_to_element_with_offset(canvas, 30, -40).perform()
        wait_until(browser, lambda d: d.find_element(By.CSS_SELECTOR, ".cc-tooltip").is_displayed(), "no tooltip")
        screenshot(browser, f"tensorboard-{'rustboard' if load_fast else 'python'}.png")
        browser.switch_to.default_content()
        browser.execute_script("document.body.classList.add('dark-mode')")  # TensorBoard's dark mode
        browser.switch_to.frame(frame)
        wait_until(browser, lambda d: d.execute_script("return document.documentElement.classList.contains('cc-dark')"), "no dark mode")
        browser.switch_to.default_content()

    if load_fast:  # also under a path prefix: every URL the tab uses is relative
        with support.tensorboard_server(logdir, load_fast=True, path_prefix="/board") as base:
            assert base.endswith("/board")
            check(base)
    else:
        check(server)


def test_scrubbing_moves_every_run_to_its_step_at_or_before(browser, server):
    open_tab(browser, server)
    pick_layer(browser, "xa/conv1")
    latest = wait_drawn(browser, "trained", step=25, layer="xa/conv1")
    assert readout(browser).startswith("Step 25")

    slider = browser.find_element(By.CSS_SELECTOR, ".cc-slider")
    slider.send_keys(Keys.HOME)
    first = wait_drawn(browser, "trained", step=0, layer="xa/conv1")
    wait_drawn(browser, "blank", step=0, layer="xa/conv1")
    assert readout(browser) == "Step 0"
    assert first["hash"] != latest["hash"]

    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.ARROW_RIGHT, Keys.ARROW_RIGHT)
    wait_drawn(browser, "trained", step=10, layer="xa/conv1")
    assert readout(browser) == "Step 10"
    assert panels(browser)["blank"].find_element(By.CSS_SELECTOR, ".cc-panel-step").text == "step 10"

    slider.send_keys(Keys.END)
    wait_drawn(browser, "blank", step=20, layer="xa/conv1")
    assert panels(browser)["blank"].find_element(By.CSS_SELECTOR, ".cc-panel-step").text == "step 20 (nearest ≤ 25)"


def test_play_walks_through_the_steps(browser, server):
    open_tab(browser, server, "layer=xa%2Fconv1&run=trained&step=0")
    wait_drawn(browser, "trained", step=0, layer="xa/conv1")
    browser.find_element(By.CSS_SELECTOR, ".cc-play").click()
    wait_until(browser, lambda d: readout(d).startswith("Step 25"), "play never reached the last step")
    wait_drawn(browser, "trained", step=25, layer="xa/conv1")


def test_normalisation_modes_redraw_from_the_stored_stats(browser, server):
    open_tab(browser, server, "layer=xa%2Fconv1&run=blank&run=trained&step=10")
    per_kernel = wait_drawn(browser, "trained", step=10, layer="xa/conv1")

    click_segment(browser, "norm", "layer")
    whole_layer = wait_drawn(browser, "trained", step=10, norm="layer")
    click_segment(browser, "norm", "locked")
    locked = wait_drawn(browser, "trained", step=10, norm="locked")
    reference = browser.find_element(By.CSS_SELECTOR, ".cc-reference").text

    assert len({per_kernel["hash"], whole_layer["hash"], locked["hash"]}) == 3
    assert "Scale locked to blank at step 0" in reference
    click_segment(browser, "norm", "kernel")
    assert wait_drawn(browser, "trained", step=10)["hash"] == per_kernel["hash"]


def test_whole_layer_view_redraws_what_the_writer_draws_in_layer_mode(browser, server):
    """Re-normalising a per-kernel mosaic from its stats gives the writer's own layer-mode pixels."""
    open_tab(browser, server, "layer=calib%2Fkernel&run=trained&step=10&norm=layer")
    wait_drawn(browser, "trained", step=10, norm="layer", layer="calib/kernel")
    from_stats = browser.execute_script(CANVAS_RED_JS, panels(browser)["trained"].find_element(By.CSS_SELECTOR, "canvas"))
    open_tab(browser, server, "layer=calib%2Flayer&run=trained&step=10&norm=layer")
    wait_drawn(browser, "trained", step=10, norm="layer", layer="calib/layer")
    as_logged = browser.execute_script(CANVAS_RED_JS, panels(browser)["trained"].find_element(By.CSS_SELECTOR, "canvas"))

    difference = np.abs(np.array(from_stats, np.int16) - np.array(as_logged, np.int16))
    assert len(from_stats) == len(as_logged) > 0
    assert difference.max() <= 1  # one grey level of quantisation
    assert np.count_nonzero(np.array(as_logged) > 5) > 10  # not trivially black


def test_a_merged_mosaic_shows_rgb_one_source_or_colour_safe_colours(browser, server):
    open_tab(browser, server, "layer=dual%2Fmerged&run=trained&step=15")
    rgb = wait_drawn(browser, "trained", step=15, layer="dual/merged")
    labels = [b.text for b in browser.find_elements(By.CSS_SELECTOR, ".cc-colour .cc-segment")]

    click_segment(browser, "colour", "source1")
    alone = wait_drawn(browser, "trained", step=15, colour="source1")
    click_segment(browser, "colour", "recolour")
    recoloured = wait_drawn(browser, "trained", step=15, colour="recolour")

    assert labels == ["RGB", "xa/conv3", "xb/conv3", "Colour-safe"]
    assert not rgb["grey"] and alone["grey"]
    assert len({rgb["hash"], alone["hash"], recoloured["hash"]}) == 3


def test_run_names_with_html_are_shown_as_text(browser, server):
    open_tab(browser, server, f"layer=xa%2Fconv1&run={urllib.parse.quote(support.HOSTILE_RUN)}&step=10")
    wait_drawn(browser, support.HOSTILE_RUN, step=10, layer="xa/conv1")

    assert support.HOSTILE_RUN in panels(browser)
    assert support.HOSTILE_RUN in [e.text for e in browser.find_elements(By.CSS_SELECTOR, ".cc-run-label")]
    assert browser.find_elements(By.CSS_SELECTOR, INJECTED_IMG) == []
    assert browser.title == "Convcam"  # the onerror payload never ran


def test_a_run_without_the_layer_says_so(browser, server):
    open_tab(browser, server, f"layer=dual%2Fmerged&run=trained&run={urllib.parse.quote(support.HOSTILE_RUN)}")
    wait_drawn(browser, "trained", step=25, layer="dual/merged")

    assert "This run has no data for layer dual/merged." in panels(browser)[support.HOSTILE_RUN].text


def test_hover_shows_kernel_stats_and_click_opens_the_filmstrip(browser, server):
    open_tab(browser, server, "layer=xa%2Fconv1&run=blank&run=trained&step=15&zoom=8")
    wait_drawn(browser, "trained", step=15, layer="xa/conv1")
    canvas = panels(browser)["trained"].find_element(By.CSS_SELECTOR, "canvas")
    tile = 8 * (8 + 1)  # zoom x (tile + padding): the second tile of the first row
    # Offsets are from the canvas centre.
    offset_x = tile + 4 * 8 - canvas.size["width"] // 2
    offset_y = 4 * 8 - canvas.size["height"] // 2

    ActionChains(browser).move_to_element_with_offset(canvas, offset_x, offset_y).perform()
    tooltip = wait_until(browser, lambda d: d.find_element(By.CSS_SELECTOR, ".cc-tooltip").text, "no tooltip")
    ActionChains(browser).click().perform()
    strip = wait_until(
        browser,
        lambda d: d.find_element(By.CSS_SELECTOR, ".cc-filmstrip").is_displayed()
        and d.find_element(By.CSS_SELECTOR, ".cc-filmstrip"),
        "no filmstrip",
    )

    assert tooltip.startswith("Kernel 1\ntrained · step 15\nxa/conv1\nmin ")
    assert "Kernel 1 across steps" in strip.text
    rows = strip.find_elements(By.CSS_SELECTOR, ".cc-film-row")
    assert [len(r.find_elements(By.CSS_SELECTOR, ".cc-film-cell")) for r in rows] == [5, 6]
    wait_until(browser, lambda d: "kernel=1" in d.execute_script("return location.hash"), "kernel not in the URL")
    screenshot(browser, "filmstrip.png")


def test_zoom_is_integer_and_pixelated_and_a_drag_pans_every_panel(browser, server):
    open_tab(browser, server, f"layer={urllib.parse.quote(SHOWCASE_LAYER, safe='')}&run=blank&run=trained&zoom=6")
    wait_drawn(browser, "trained", step=25, layer=SHOWCASE_LAYER)
    trained, blank = panels(browser)["trained"], panels(browser)["blank"]
    canvas = trained.find_element(By.CSS_SELECTOR, "canvas")
    viewport = trained.find_element(By.CSS_SELECTOR, ".cc-viewport")

    css_width = browser.execute_script("return arguments[0].getBoundingClientRect().width", canvas)
    rendering = browser.execute_script("return getComputedStyle(arguments[0]).imageRendering", canvas)
    ActionChains(browser).move_to_element(viewport).click_and_hold().move_by_offset(-150, -80).release().perform()
    scrolled = wait_until(
        browser,
        lambda d: d.execute_script("return [arguments[0].scrollLeft, arguments[0].scrollTop]", viewport)[0] > 0
        and d.execute_script("return [arguments[0].scrollLeft, arguments[0].scrollTop]", viewport),
        "the drag did not pan",
    )
    other = browser.execute_script(
        "return [arguments[0].scrollLeft, arguments[0].scrollTop]", blank.find_element(By.CSS_SELECTOR, ".cc-viewport")
    )

    assert css_width == 6 * int(canvas.get_attribute("width"))
    assert rendering == "pixelated"
    assert scrolled == [150, 80] and other == scrolled
    assert browser.find_element(By.CSS_SELECTOR, ".cc-filmstrip").get_attribute("hidden") is not None  # a drag is no click


def test_the_view_lives_in_the_url(browser, server):
    open_tab(browser, server)
    pick_layer(browser, "xa/conv2")
    wait_drawn(browser, "trained", step=25, layer="xa/conv2")
    click_segment(browser, "norm", "layer")
    browser.find_element(By.CSS_SELECTOR, ".cc-zoom-in").click()
    browser.find_element(By.CSS_SELECTOR, ".cc-slider").send_keys(Keys.HOME)
    wait_drawn(browser, "trained", step=0, norm="layer", layer="xa/conv2")
    view = wait_until(
        browser,
        lambda d: (lambda h: "step=0" in h and "norm=layer" in h and h)(d.execute_script("return location.hash.slice(1)")),
        "view never saved in the URL",
    )

    saved_url = browser.current_url
    assert saved_url.startswith(f"{server}{PLUGIN_PAGE}#"), "the page's own URL, reloadable"
    browser.get(saved_url)
    browser.refresh()
    wait_drawn(browser, "trained", step=0, norm="layer", layer="xa/conv2")

    state = urllib.parse.parse_qs(view)
    assert state["layer"] == ["xa/conv2"] and state["step"] == ["0"] and state["norm"] == ["layer"]
    assert "zoom" in state
    assert browser.find_element(By.CSS_SELECTOR, ".cc-layer.cc-selected").get_attribute("data-layer") == "xa/conv2"


def test_a_hostile_or_stale_url_falls_back_to_a_working_view(browser, server):
    open_tab(browser, server, "layer=%3Cimg%20src%3Dx%3E&run=gone&step=abc&norm=evil&zoom=999&colour=%3Cb%3E&kernel=-")
    drawn = wait_drawn(browser, "trained", step=25, layer=SHOWCASE_LAYER)

    assert drawn["width"] > 0
    assert browser.find_element(By.CSS_SELECTOR, ".cc-layer.cc-selected").get_attribute("data-layer") == SHOWCASE_LAYER
    assert browser.find_elements(By.CSS_SELECTOR, f"{INJECTED_IMG}, b") == []


def test_an_empty_logdir_explains_how_to_log(browser, tmp_path):
    with support.tensorboard_server(tmp_path, load_fast=False, wait_for_data=False) as base:
        browser.switch_to.default_content()
        browser.get(f"{base}{PLUGIN_PAGE}")
        message = wait_until(browser, lambda d: d.find_element(By.CSS_SELECTOR, ".cc-message").text, "no message")

    assert message.startswith("No convcam data yet")
    example = message.split("For example:\n")[1].split("\n\n# or")[0]
    assert example.startswith("from tb_convcam import ConvcamCallback")
    pasted = "\n".join(line for line in example.splitlines() if not line.startswith("model.fit"))
    namespace = {"x_train": np.zeros((4, 8, 8, 3), np.float32)}
    exec(pasted, namespace)  # as shown, the callback constructs: the example names a probe
    assert any(type(value).__name__ == "ConvcamCallback" for value in namespace.values())


def test_with_no_run_ticked_the_tab_says_so(browser, server):
    open_tab(browser, server)
    for box in browser.find_elements(By.CSS_SELECTOR, ".cc-run input:checked"):
        box.click()
    message = wait_until(browser, lambda d: d.find_element(By.CSS_SELECTOR, ".cc-message").text, "no message")
    assert message == "No run selected\nPick one or more runs on the left to see them side by side."


def test_new_steps_appear_after_tensorboard_reloads(browser, tmp_path):
    support.write_run(tmp_path, "live", steps=(0, 1), dual=False)
    with support.tensorboard_server(tmp_path, load_fast=False) as base:
        browser.switch_to.default_content()
        browser.get(f"{base}/#convcam")
        browser.switch_to.frame(wait_until(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "iframe"), "no iframe")[0])
        wait_drawn(browser, "live", step=1, layer="xa/conv1")

        support.write_run(tmp_path, "live", steps=(2,), dual=False)  # training goes on
        steps_url = f"{base}{PLUGIN_ROUTES}/steps?run=live&layer=xa%2Fconv1"
        wait_until(browser, lambda d: len(fetch_json(steps_url)["steps"]) == 3, "step 2 never loaded")
        browser.switch_to.default_content()
        browser.find_element(By.CSS_SELECTOR, "button.reload-button").click()
        browser.switch_to.frame(browser.find_element(By.CSS_SELECTOR, "iframe"))
        wait_drawn(browser, "live", step=2, layer="xa/conv1")

    assert readout(browser).startswith("Step 2")


ODD_RUNS = ("quote's \"run\"", "Ωμέγα ✓ ラン 🙂", "long-" + "x" * 180)
ODD_LAYER = '<b>bold</b> "q" ✓/conv'


@pytest.fixture(scope="module")
def odd_names_server(tmp_path_factory):
    """Runs and a layer named with quotes, unicode, markup and a very long string (Python loader)."""
    import tensorflow as tf

    from tb_convcam import summary

    root = tmp_path_factory.mktemp("odd")
    for run in ODD_RUNS:
        with tf.summary.create_file_writer(str(root / run)).as_default():
            for step in (0, 3):
                summary.mosaic(ODD_LAYER, support.activations(run, step, (1, 6, 6, 8)), step=step)
    with support.tensorboard_server(root, load_fast=False) as base:
        yield base


def test_names_with_quotes_unicode_markup_and_great_length_render_as_text(browser, odd_names_server):
    runs = "&".join(f"run={urllib.parse.quote(run)}" for run in ODD_RUNS)
    open_tab(browser, odd_names_server, f"layer={urllib.parse.quote(ODD_LAYER)}&{runs}&step=3")
    for run in ODD_RUNS:
        wait_drawn(browser, run, step=3, layer=ODD_LAYER)

    assert set(ODD_RUNS) <= set(panels(browser))
    assert set(ODD_RUNS) <= {e.text for e in browser.find_elements(By.CSS_SELECTOR, ".cc-run-label")}
    groups = [e.text for e in browser.find_elements(By.CSS_SELECTOR, ".cc-group")]
    assert groups == ['<b>bold</b> "q" ✓/'], "the layer's path is shown as typed, markup included"
    assert browser.find_elements(By.CSS_SELECTOR, "b") == [], "no markup from a name became an element"
    screenshot(browser, "odd-names.png")


# Health metrics, the kernel health overlay and the probe image -------------------------------

HEALTH_LAYER = urllib.parse.quote(health_logdir.LAYER, safe="")


@pytest.fixture(scope="module", params=support.LOADERS)
def health_server(request, tmp_path_factory):
    """A real tensorboard (each loader) over tests/health_logdir.py's logdir."""
    root = health_logdir.write_health_logdir(tmp_path_factory.mktemp("health"))
    with support.tensorboard_server(root, load_fast=request.param) as base:
        yield base


def test_health_curves_draw_one_path_per_run_and_metric_in_the_runs_colours(browser, health_server):
    open_tab(browser, health_server, f"layer={HEALTH_LAYER}&run=blank&run=trained&run=legacy")
    wait_drawn(browser, "trained", step=30, layer=health_logdir.LAYER)
    curves = wait_until(browser, chart_curves, "no health curves")
    section = browser.find_element(By.CSS_SELECTOR, ".cc-health").text
    swatch = panels(browser)["trained"].find_element(By.CSS_SELECTOR, ".cc-swatch")
    drift = browser.find_element(By.CSS_SELECTOR, '.cc-chart[data-metric="drift"] path.cc-curve[data-run="trained"]')
    colours = browser.execute_script(
        "return [getComputedStyle(arguments[0]).stroke, getComputedStyle(arguments[1]).backgroundColor]", drift, swatch)
    rising = [float(dot.get_attribute("cy")) for dot in browser.find_elements(
        By.CSS_SELECTOR, '.cc-chart[data-metric="drift"] circle[data-run="trained"]')]

    source = health_logdir.LAYER
    assert curves == {metric: [("blank", source), ("trained", source)] for metric in metadata.METRICS}
    assert colours[0] == colours[1]  # the run's colour, as on its panel
    assert rising == sorted(rising, reverse=True) and rising[0] > rising[-1]  # drift grows: y goes up the screen
    assert "Echo how much the maps still show the input image" in section
    assert "not logged by legacy" in section
    assert [tick.text for tick in browser.find_elements(By.CSS_SELECTOR, '.cc-chart[data-metric="echo"] .cc-chart-tick')] == [
        "0", "0.5", "1", "step 0", "30"]


def test_a_merged_layer_has_a_dashed_curve_per_source(browser, health_server):
    open_tab(browser, health_server, "layer=dual%2Fconv1&run=trained")
    wait_drawn(browser, "trained", step=30, layer=health_logdir.DUAL_LAYER)
    curves = wait_until(browser, chart_curves, "no health curves")
    dashes = [path.get_attribute("stroke-dasharray")
              for path in browser.find_elements(By.CSS_SELECTOR, '.cc-chart[data-metric="echo"] path.cc-curve')]

    assert curves["echo"] == [("trained", "xa/conv1"), ("trained", "xb/conv1")]
    assert len(set(dashes)) == 2
    assert browser.find_element(By.CSS_SELECTOR, ".cc-health-legend").text.split() == ["xa/conv1", "xb/conv1"]


@support.on_the_default_loader("health_server")  # the curves' data is the test above's, on each loader
def test_clicking_a_curve_point_moves_the_scrubber_to_its_step(browser, health_server):
    open_tab(browser, health_server, f"layer={HEALTH_LAYER}&run=blank&run=trained")
    wait_drawn(browser, "trained", step=30, layer=health_logdir.LAYER)
    point = wait_until(browser, lambda d: d.find_element(
        By.CSS_SELECTOR, '.cc-chart[data-metric="echo"] circle[data-run="trained"][data-step="10"]'), "no point")

    point.click()
    wait_drawn(browser, "trained", step=10, layer=health_logdir.LAYER)
    marker = browser.find_element(By.CSS_SELECTOR, '.cc-chart[data-metric="dead_fraction"] .cc-chart-marker')

    assert readout(browser) == "Step 10"
    assert panels(browser)["blank"].find_element(By.CSS_SELECTOR, ".cc-panel-step").text == "step 10"
    assert float(marker.get_attribute("x1")) == pytest.approx(float(point.get_attribute("cx")))


def test_the_overlay_marks_dead_and_dormant_kernels_and_hover_shows_echo_and_change(browser, health_server, request):
    zoom = 4
    open_tab(browser, health_server, f"layer={HEALTH_LAYER}&run=trained&step=20&zoom={zoom}")
    wait_drawn(browser, "trained", step=20, layer=health_logdir.LAYER)
    panel = panels(browser)["trained"]
    assert panel.find_elements(By.CSS_SELECTOR, ".cc-mark") == []

    browser.find_element(By.CSS_SELECTOR, ".cc-overlay-toggle").click()
    dead = wait_until(browser, lambda d: panel.find_elements(By.CSS_SELECTOR, ".cc-mark-dead"), "no dead kernel marked")
    dormant = panel.find_elements(By.CSS_SELECTOR, ".cc-mark-dormant")
    canvas = panel.find_element(By.CSS_SELECTOR, "canvas").rect
    box = dead[0].find_element(By.CSS_SELECTOR, "rect").rect
    healthy = hover_tile(browser, "trained", 6, zoom)
    screenshot(browser, f"health-overlay-{request.node.callspec.id}.png")
    dead_tip = hover_tile(browser, "trained", health_logdir.DEAD_KERNEL, zoom)

    assert [m.get_attribute("data-kernel") for m in dead] == [str(health_logdir.DEAD_KERNEL)]
    assert [m.get_attribute("data-kernel") for m in dormant] == [str(health_logdir.DORMANT_KERNEL)]
    # The mark covers the dead kernel's tile: slot 3 of a 4-column grid.
    assert (box["x"] - canvas["x"], box["y"] - canvas["y"]) == pytest.approx((3 * TILE_PX * zoom, 0), abs=1)
    assert (box["width"], box["height"]) == pytest.approx((24 * zoom, 24 * zoom), abs=1)
    health = health_logdir.kernel_health("trained", health_logdir.LAYER, 20)
    assert f"echo {health['echo'][6]:.3f} · change since baseline {health['change'][6]:.3f}" in healthy
    assert "dead" not in healthy
    assert "echo 0.000 · change since baseline 0.000\ndead: the same value everywhere on the probe image" in dead_tip
    wait_until(browser, lambda d: "overlay=1" in d.execute_script("return location.hash"), "overlay not in the URL")


def test_the_probe_image_sits_beside_each_mosaic_at_its_height(browser, health_server):
    open_tab(browser, health_server, f"layer={HEALTH_LAYER}&run=blank&run=trained&run=legacy")
    for run in ("blank", "trained", "legacy"):
        wait_drawn(browser, run, step=30, layer=health_logdir.LAYER)
    probe = wait_until(browser, lambda d: panels(d)["trained"].find_element(By.CSS_SELECTOR, ".cc-probe").is_displayed()
                       and panels(d)["trained"].find_element(By.CSS_SELECTOR, ".cc-probe"), "no probe image")
    image = probe.find_element(By.CSS_SELECTOR, "img")
    canvas = panels(browser)["trained"].find_element(By.CSS_SELECTOR, "canvas")
    pixels = wait_probe(browser, "trained")
    screenshot(browser, "probe-image.png")

    assert probe.text == "probe image"
    np.testing.assert_array_equal(pixels, health_logdir.probe_picture())
    assert image.rect["height"] == pytest.approx(canvas.rect["height"], abs=1)
    assert image.rect["x"] + image.rect["width"] < canvas.rect["x"]
    assert not panels(browser)["legacy"].find_element(By.CSS_SELECTOR, ".cc-probe").is_displayed()

    browser.find_element(By.CSS_SELECTOR, ".cc-zoom-in").click()  # it zooms with the mosaic
    wait_until(browser, lambda d: image.rect["height"] > 0 and abs(image.rect["height"] - canvas.rect["height"]) <= 1
               and canvas.rect["height"] > 0 and "zoom=" in d.execute_script("return location.hash"), "probe did not follow the zoom")


def test_a_version_1_run_is_shown_as_before_without_curves_or_probe(browser, health_server):
    open_tab(browser, health_server, f"layer={HEALTH_LAYER}&run=legacy&step=20")
    wait_drawn(browser, "legacy", step=20, layer=health_logdir.LAYER)
    tooltip = hover_tile(browser, "legacy", 6, panels_zoom(browser))

    assert not browser.find_element(By.CSS_SELECTOR, ".cc-health").is_displayed()
    assert not panels(browser)["legacy"].find_element(By.CSS_SELECTOR, ".cc-probe").is_displayed()
    assert tooltip.startswith("Kernel 6\nlegacy · step 20\nxa/conv1\nmin ") and "echo" not in tooltip



# A run logged for two probe images (batch_index=[2, 0]) -------------------------------------------

TWO_PROBES = health_logdir.TWO_PROBE_RUN
# Per filmstrip row: its run, how many of its cells are painted, how many marked missing (read at once: rows are rebuilt).
FILM_ROWS_JS = """
return Array.from(document.querySelectorAll('.cc-filmstrip .cc-film-row'), (row) => [
  row.querySelector('.cc-film-run').textContent,
  Array.from(row.querySelectorAll('.cc-film-tile')).filter((canvas) => canvas.width > 1).length,
  row.querySelectorAll('.cc-missing').length,
]);
"""


def probe_choice(driver):
    """The "Probe image" control (its .cc-control wrapper)."""
    return driver.find_element(By.CSS_SELECTOR, ".cc-probe-choice").find_element(By.XPATH, "..")


def choice_labels(driver) -> list[str]:
    return [button.text for button in probe_choice(driver).find_elements(By.CSS_SELECTOR, ".cc-segment")]


def test_the_probe_image_control_switches_what_the_panel_shows_and_stays_in_the_url(browser, health_server, request):
    open_tab(browser, health_server, f"layer={HEALTH_LAYER}&run={TWO_PROBES}&step=20")
    first = wait_drawn(browser, TWO_PROBES, step=20, layer=health_logdir.LAYER)
    first_probe = wait_probe(browser, TWO_PROBES)

    click_segment(browser, "probe-choice", "1")
    second = wait_drawn(browser, TWO_PROBES, step=20, layer=health_logdir.LAYER, image=1)
    second_probe = wait_probe(browser, TWO_PROBES, 1)
    wait_until(browser, lambda d: location_view(d).get("image") == ["1"], "the choice never reached the URL")
    screenshot(browser, f"probe-choice-{request.node.callspec.id}.png")

    assert probe_choice(browser).is_displayed() and probe_choice(browser).text.startswith("PROBE IMAGE")
    assert choice_labels(browser) == ["item 2", "item 0"]  # the batch items the step infos name, in logged order
    assert first["hash"] != second["hash"]
    np.testing.assert_array_equal(first_probe, health_logdir.shown_probes(TWO_PROBES)[0])
    np.testing.assert_array_equal(second_probe, health_logdir.shown_probes(TWO_PROBES)[1])

    browser.refresh()
    assert wait_drawn(browser, TWO_PROBES, step=20, layer=health_logdir.LAYER, image=1)["hash"] == second["hash"]
    selected = wait_until(browser, lambda d: d.find_elements(By.CSS_SELECTOR, ".cc-probe-choice .cc-selected"), "none chosen")
    assert [button.get_attribute("data-value") for button in selected] == ["1"]
    np.testing.assert_array_equal(wait_probe(browser, TWO_PROBES, 1), health_logdir.shown_probes(TWO_PROBES)[1])


def test_the_filmstrip_and_hover_follow_the_chosen_probe_image_and_a_run_of_one_says_it_has_none(browser, health_server):
    kernel = 1
    open_tab(browser, health_server, f"layer={HEALTH_LAYER}&run={TWO_PROBES}&run=trained&step=20&image=1&kernel={kernel}")
    wait_drawn(browser, TWO_PROBES, step=20, layer=health_logdir.LAYER, image=1)
    note = panels(browser)["trained"].find_element(By.CSS_SELECTOR, ".cc-note").text
    every_cell = len(health_logdir.STEPS)
    expected = {TWO_PROBES: [every_cell, 0], "trained": [0, every_cell]}  # painted, missing
    rows = wait_until(browser, lambda d: (lambda rows: rows if rows == expected else None)(
        {run: counts for run, *counts in d.execute_script(FILM_ROWS_JS)}),
        "the filmstrip never painted the chosen image, nor marked the other run's missing")
    tooltip = hover_tile(browser, TWO_PROBES, kernel, panels_zoom(browser))

    item = health_logdir.SHOWN_ITEMS[TWO_PROBES][1]
    mean = health_logdir.activations(TWO_PROBES, health_logdir.LAYER, 20)[item, ..., kernel].mean()

    assert note == "Step 20 has no mosaic of the chosen probe image; this run logged 1."
    assert rows == expected  # "trained" logged no second probe image
    assert choice_labels(browser) == ["1", "2"]  # the runs' first images show different items: by position
    assert tooltip.startswith(f"Kernel {kernel}\n{TWO_PROBES} · step 20\n")
    assert f"mean {mean:.3f}" in tooltip  # the stats of the probe item shown


def test_with_one_probe_image_there_is_no_probe_image_control(browser, health_server):
    open_tab(browser, health_server, f"layer={HEALTH_LAYER}&run=blank&run=trained&image=1")
    wait_drawn(browser, "trained", step=30, layer=health_logdir.LAYER)  # image 1 asked for, none offered: image 0

    assert not probe_choice(browser).is_displayed()


def run_list(driver) -> list[str]:
    return [label.text for label in driver.find_elements(By.CSS_SELECTOR, ".cc-runs .cc-run-label")]


def run_count(driver) -> str:
    return driver.find_element(By.CSS_SELECTOR, ".cc-run-count").text


def panel_names(driver) -> set[str]:
    """The runs with a panel, read in one go (panels come and go while a wait polls)."""
    return set(driver.execute_script(
        "return Array.from(document.querySelectorAll('.cc-panel .cc-run-name'), (e) => e.textContent)"))


def ticked_runs(driver) -> list[str]:
    return [box.find_element(By.XPATH, "..").get_attribute("data-run")
            for box in driver.find_elements(By.CSS_SELECTOR, ".cc-run input:checked")]


def test_a_sweeps_runs_sort_naturally_and_filter_by_regex_with_all_and_none(browser, sweep_server, request):
    names = sweep_logdir.run_names()
    defaults = names[:4]  # the tab's first choice: the first four runs of the list
    matches = ["lr=b/seed=10", "lr=b/seed=13", "lr=b/seed=16", "lr=b/seed=19"]
    total = f"of {len(names)} runs"
    open_tab(browser, sweep_server)
    wait_until(browser, lambda d: run_count(d) == f"150 {total}", "the run count never showed every run")
    wait_drawn(browser, defaults[0], step=1, layer=sweep_logdir.LAYER)

    assert run_list(browser) == names  # natural order: lr=a/seed=3 before lr=a/seed=12 before lr=a/seed=102
    assert names.index("lr=a/seed=3") < names.index("lr=a/seed=12") < names.index("lr=a/seed=102")
    assert panel_names(browser) == set(defaults)

    box = browser.find_element(By.CSS_SELECTOR, ".cc-run-filter")
    box.send_keys("B/SEED=1\\d$")  # a regular expression, case-insensitive
    wait_until(browser, lambda d: run_count(d) == f"4 {total}", "the filter never narrowed the list")
    assert run_list(browser) == matches

    browser.find_element(By.CSS_SELECTOR, ".cc-runs-all").click()
    for run in matches:
        wait_drawn(browser, run, step=1, layer=sweep_logdir.LAYER)
    assert panel_names(browser) == set(defaults + matches)  # the hidden runs' ticks untouched
    assert ticked_runs(browser) == matches
    wait_until(browser, lambda d: location_view(d).get("runFilter") == ["B/SEED=1\\d$"], "the filter never reached the URL")
    screenshot(browser, f"run-filter-{request.node.callspec.id}.png")

    browser.refresh()  # the filter and the ticks come back from the URL
    wait_until(browser, lambda d: run_count(d) == f"4 {total}", "the filter was lost on reload")
    for run in matches:
        wait_drawn(browser, run, step=1, layer=sweep_logdir.LAYER)
    box = browser.find_element(By.CSS_SELECTOR, ".cc-run-filter")
    assert box.get_attribute("value") == "B/SEED=1\\d$"
    assert run_list(browser) == matches and ticked_runs(browser) == matches

    browser.find_element(By.CSS_SELECTOR, ".cc-runs-none").click()
    wait_until(browser, lambda d: panel_names(d) == set(defaults), "None never unticked only the shown runs")
    assert ticked_runs(browser) == []

    note = browser.find_element(By.CSS_SELECTOR, ".cc-run-filter-note")
    assert not note.is_displayed()
    box.send_keys("[")  # "B/SEED=1\d$[": an unterminated class
    wait_until(browser, lambda d: note.is_displayed(), "no note for an invalid regular expression")
    assert note.text == "invalid regular expression"
    assert run_count(browser) == f"150 {total}" and run_list(browser) == names  # filters nothing
    assert panel_names(browser) == set(defaults)
