"""The tab as a new user tries it: filmstrip rows that scroll as one, Fit, outlines, keys from TensorBoard's page.

A real tensorboard and headless Chromium, as in tests/test_tab_browser.py, on the default loader only: layout,
outlines and keys are composed from data the tab already holds (plugin_support.DEFAULT_LOADER). Asserts on what
is on screen: element boxes, scroll positions, the steps drawn, screenshot pixels.
Screenshots go to artifacts/screenshots/.
"""

from __future__ import annotations

import io
import time
import urllib.parse
from pathlib import Path

import health_logdir
import numpy as np
import plugin_support as support
import pytest
import sweep_logdir
from PIL import Image
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from tab_driver import SCREENSHOTS, open_tab, panels, panels_zoom, pick_layer, readout, screenshot, wait_drawn, wait_until

from tb_convcam import records
from tb_convcam.event_writer import EventWriter
from tb_convcam.mosaic import TileOptions

FILM_LAYER = "film/conv"  # 16 kernels of 8×8 in a 4×4 grid
TALL_LAYER = "shape/tall"  # 12 kernels in one column
WIDE_LAYER = "shape/wide"  # 12 kernels in one row
ASPECTS = {FILM_LAYER: 1.0, TALL_LAYER: 0.02, WIDE_LAYER: 50.0}
TILE = 8 + 1  # a tile and its separator
# "dense" logs every other step, "sparse" every fourth: 24 and 12 filmstrip cells, more than the strip's width.
STEPS = {"dense": tuple(range(0, 48, 2)), "sparse": tuple(range(0, 48, 4))}
LATEST = {run: steps[-1] for run, steps in STEPS.items()}
WINDOW = (1680, 1000)  # the harness's window size


def write_fixes_logdir(root: Path) -> Path:
    """Two runs of the three layers (the tall and wide ones at the last step only) and a loss scalar,
    written record by record like tests/sweep_logdir.py (no TensorFlow)."""
    for run, steps in STEPS.items():
        writer = EventWriter(str(root / run))
        for step in steps:
            prepared = []
            for layer, aspect in ASPECTS.items():
                if layer != FILM_LAYER and step != steps[-1]:
                    continue
                rng = np.random.default_rng([len(run), len(layer), step])
                maps = rng.uniform(0, 1, (1, 8, 8, 16 if layer == FILM_LAYER else 12)).astype(np.float32)
                writes = records.writes(layer, (layer,), None, None, baseline=False, also_to_images=False)
                prepared.append(records.prepare([maps], (layer,), [TileOptions(aspect=aspect)], writes))
            summaries = [*records.summaries(prepared), records.scalars({"loss": 1.0 / (1 + step)})]
            assert writer.write(step, summaries), f"{run} step {step} not written"
        writer.close()
    return root


@pytest.fixture(scope="module", params=support.DEFAULT_LOADER)
def fixes_server(request, tmp_path_factory):
    root = write_fixes_logdir(tmp_path_factory.mktemp("fixes"))
    with support.tensorboard_server(root, load_fast=request.param) as base:
        yield base


@pytest.fixture
def window(browser):
    """Lets a test resize the window; the harness's size comes back after it."""
    yield browser
    browser.set_window_size(*WINDOW)


def view(layer: str, *runs: str, **extra) -> str:
    return urllib.parse.urlencode([("layer", layer), *(("run", run) for run in runs), *extra.items()])


def open_film(driver, base: str, **extra) -> None:
    """Both runs of the film layer, at the latest step."""
    open_tab(driver, base, view(FILM_LAYER, "dense", "sparse", **extra))
    for run in STEPS:
        wait_drawn(driver, run, step=LATEST[run], layer=FILM_LAYER)


def tile_offset(slot: int, zoom: int, cols: int = 4) -> tuple[int, int]:
    """A tile's top left in the mosaic, in CSS pixels at `zoom`."""
    row, col = divmod(slot, cols)
    return col * TILE * zoom, row * TILE * zoom


def point_at_tile(driver, run: str, slot: int) -> None:
    canvas = panels(driver)[run].find_element(By.CSS_SELECTOR, "canvas")
    zoom = panels_zoom(driver)
    x, y = tile_offset(slot, zoom)
    half = 4 * zoom
    ActionChains(driver).move_to_element_with_offset(
        canvas, x + half - canvas.size["width"] // 2, y + half - canvas.size["height"] // 2).perform()


BOX_JS = """
const [panel, selector] = arguments;
const box = panel.querySelector(selector), canvas = panel.querySelector('canvas');
if (box.hidden) return null;
const [b, c] = [box.getBoundingClientRect(), canvas.getBoundingClientRect()];
return [b.left - c.left, b.top - c.top, b.width, b.height];
"""


def outline(driver, run: str, which: str) -> list[float] | None:
    """Where `run`'s hover or follow outline sits, relative to its mosaic: [x, y, width, height]; None if hidden."""
    return driver.execute_script(BOX_JS, panels(driver)[run], f".cc-{which}-box")


def around_tile(slot: int, zoom: int) -> list[float]:
    """The outline around a tile: one pixel outside it on every side."""
    x, y = tile_offset(slot, zoom)
    return [x - 1, y - 1, 8 * zoom + 2, 8 * zoom + 2]


# Filmstrip ------------------------------------------------------------------------------------

# Per row: its run, then per cell its step, left edge and whether it is painted; and the grid's visible span.
FILM_JS = """
const grid = document.querySelector('.cc-film-grid');
if (!grid) return null;
const rows = Array.from(grid.querySelectorAll('.cc-film-row'), (row) => [
  row.querySelector('.cc-film-run').textContent,
  Array.from(row.querySelectorAll('.cc-film-cell'), (cell) => [
    Number(cell.querySelector('figcaption').textContent), cell.getBoundingClientRect().left,
    cell.getBoundingClientRect().right, cell.querySelector('canvas').width > 1, cell.classList.contains('cc-current'),
    cell.getBoundingClientRect().bottom]),
]);
const names = grid.querySelector('.cc-film-run').getBoundingClientRect().right;
const box = grid.getBoundingClientRect();
return {rows, visible: [names, box.left + grid.clientWidth], scrolled: grid.scrollLeft,
        overflow: grid.scrollWidth - grid.clientWidth, height: innerHeight};
"""


def filmstrip(driver) -> dict:
    """The filmstrip once every cell is painted."""
    def painted(d):
        strip = d.execute_script(FILM_JS)
        return strip if strip and all(cell[3] for _, cells in strip["rows"] for cell in cells) else None
    return wait_until(driver, painted, "the filmstrip never painted every cell")


def assert_aligned_with_the_current_step_in_view(strip: dict, current: dict[str, int]) -> None:
    lefts = {run: {cell[0]: cell[1] for cell in cells} for run, cells in strip["rows"]}
    shared = set(lefts["dense"]) & set(lefts["sparse"])
    assert shared == set(STEPS["sparse"])
    for step in shared:  # a step sits in the same column in every run's row
        assert lefts["sparse"][step] == pytest.approx(lefts["dense"][step], abs=0.5), step
    start, end = strip["visible"]
    for run, cells in strip["rows"]:
        shown = [(step, left, right, bottom) for step, left, right, _, is_current, bottom in cells if is_current]
        assert [step for step, *_ in shown] == [current[run]]
        assert start - 0.5 <= shown[0][1] and shown[0][2] <= end + 0.5, f"{run}'s current cell is scrolled out of view"
        assert shown[0][3] <= strip["height"], f"{run}'s current cell is below the window"


def test_filmstrip_rows_scroll_as_one_with_each_step_in_its_column_and_the_current_step_in_view(browser, fixes_server):
    open_film(browser, fixes_server)
    point_at_tile(browser, "dense", 3)
    ActionChains(browser).click().perform()  # opens the filmstrip of kernel 3 at the latest step
    opened = filmstrip(browser)
    screenshot(browser, "filmstrip-aligned.png")
    assert_fit_is_the_largest_that_fits(browser)  # the panels made room for the filmstrip

    assert [run for run, _ in opened["rows"]] == ["dense", "sparse"]
    assert [len(cells) for _, cells in opened["rows"]] == [24, 12]
    assert opened["overflow"] > 0 and opened["scrolled"] > 0  # the latest steps are at the far right
    assert_aligned_with_the_current_step_in_view(opened, LATEST)

    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.HOME)  # to step 0: the rows scroll back together
    wait_drawn(browser, "dense", step=0, layer=FILM_LAYER)
    first = wait_until(browser, lambda d: (lambda s: s if s["scrolled"] < opened["scrolled"] else None)(filmstrip(d)),
                       "the filmstrip did not bring step 0 into view")
    assert_aligned_with_the_current_step_in_view(first, {"dense": 0, "sparse": 0})
    browser.find_element(By.CSS_SELECTOR, ".cc-film-grid").screenshot(str(SCREENSHOTS / "filmstrip-aligned-step0.png"))


# Outlines -------------------------------------------------------------------------------------

def test_hover_outlines_the_kernel_in_every_runs_panel(browser, fixes_server):
    open_film(browser, fixes_server, zoom=4)
    point_at_tile(browser, "dense", 6)
    wait_until(browser, lambda d: outline(d, "sparse", "hover"), "no outline in the other run's panel")

    assert outline(browser, "dense", "hover") == pytest.approx(around_tile(6, 4), abs=0.5)
    assert outline(browser, "sparse", "hover") == pytest.approx(around_tile(6, 4), abs=0.5)
    screenshot(browser, "hover-every-panel.png")

    ActionChains(browser).move_to_element(browser.find_element(By.CSS_SELECTOR, ".cc-readout")).perform()
    wait_until(browser, lambda d: outline(d, "dense", "hover") is None and outline(d, "sparse", "hover") is None,
               "the hover outlines stayed after the pointer left")


def test_the_followed_kernel_stays_outlined_in_every_panel_after_the_pointer_leaves(browser, fixes_server):
    open_film(browser, fixes_server, zoom=4)
    assert outline(browser, "dense", "follow") is None
    point_at_tile(browser, "sparse", 9)
    ActionChains(browser).click().perform()
    wait_until(browser, lambda d: "Kernel 9 across steps" in d.find_element(By.CSS_SELECTOR, ".cc-filmstrip").text,
               "no filmstrip of kernel 9")
    ActionChains(browser).move_to_element(browser.find_element(By.CSS_SELECTOR, ".cc-readout")).perform()
    wait_until(browser, lambda d: outline(d, "sparse", "hover") is None, "the hover outline stayed")

    for run in STEPS:
        assert outline(browser, run, "follow") == pytest.approx(around_tile(9, 4), abs=0.5), run
    shot = np.asarray(Image.open(io.BytesIO(panels(browser)["dense"].screenshot_as_png)).convert("RGB")).astype(int)
    canvas = panels(browser)["dense"].find_element(By.CSS_SELECTOR, "canvas")
    panel = panels(browser)["dense"].rect
    x, y, _, _ = around_tile(9, 4)
    left = round(canvas.rect["x"] - panel["x"] + x)  # the outline's left edge, halfway down
    middle = round(canvas.rect["y"] - panel["y"] + y + 16)
    assert (shot[middle, left] >= 240).all(), "the followed kernel's outline is not drawn in white"
    screenshot(browser, "follow-outline.png")

    browser.find_element(By.CSS_SELECTOR, ".cc-close").click()
    wait_until(browser, lambda d: outline(d, "dense", "follow") is None, "the outline stayed after the filmstrip closed")


# Fit ------------------------------------------------------------------------------------------

FIT_JS = """
const main = document.querySelector('.cc-main');
const panels = Array.from(document.querySelectorAll('.cc-panel'), (panel) => {
  const viewport = panel.querySelector('.cc-viewport'), canvas = panel.querySelector('canvas');
  const probe = panel.querySelector('.cc-probe');
  const stage = panel.querySelector('.cc-stage').getBoundingClientRect();
  const style = getComputedStyle(viewport);
  return {
    top: panel.getBoundingClientRect().top, right: panel.getBoundingClientRect().right,
    bottom: panel.getBoundingClientRect().bottom,
    pixels: [canvas.width, canvas.height], css: [canvas.getBoundingClientRect().width, canvas.getBoundingClientRect().height],
    probe: probe.hidden ? 0 : probe.querySelector('img').getBoundingClientRect().width,
    stage: [stage.width, stage.height],
    room: [viewport.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight)],
    scrolls: [viewport.scrollWidth > viewport.clientWidth, viewport.scrollHeight > viewport.clientHeight],
  };
});
return {panels, main: [main.clientWidth, main.scrollWidth, main.clientHeight, main.scrollHeight],
        right: main.getBoundingClientRect().right, bottom: innerHeight};
"""


def assert_fit_is_the_largest_that_fits(driver) -> dict:
    """Every mosaic (and probe image) fits its panel, every panel and the curves fit the window, and one
    more zoom step would not: it would be too wide for a panel, or the page too tall for the window."""
    layout = driver.execute_script(FIT_JS)
    zoom = panels_zoom(driver)
    width, scroll_width, height, scroll_height = layout["main"]
    rows = len({round(panel["top"]) for panel in layout["panels"]})
    assert scroll_width <= width and scroll_height <= height, "the page overflows the window"
    for panel in layout["panels"]:
        assert panel["css"] == [zoom * pixels for pixels in panel["pixels"]]
        assert panel["scrolls"] == [False, False], "a mosaic overflows its panel"
        assert panel["right"] <= layout["right"]
    if zoom < 32:  # the largest zoom offered
        grows_wider = any(panel["stage"][0] + (panel["css"][0] + panel["probe"]) / zoom > panel["room"][0]
                          for panel in layout["panels"])
        grows_taller = scroll_height + rows * max(panel["css"][1] for panel in layout["panels"]) / zoom > height
        assert grows_wider or grows_taller, f"{zoom + 1}× would fit too"
    return layout


@pytest.mark.parametrize("layer, bound", [(TALL_LAYER, "height"), (WIDE_LAYER, "width")])
def test_fit_fills_the_height_of_a_tall_layer_and_the_width_of_a_wide_one(browser, fixes_server, layer, bound):
    open_tab(browser, fixes_server, view(layer, "dense", "sparse"))
    for run in STEPS:
        wait_drawn(browser, run, step=LATEST[run], layer=layer)
    layout = assert_fit_is_the_largest_that_fits(browser)
    zoom = panels_zoom(browser)
    screenshot(browser, f"fit-{bound}.png")

    mosaic = layout["panels"][0]["css"]
    if bound == "height":  # a column of 12 tiles: the window's height holds it, not the panel's width
        assert mosaic[0] + 8 < layout["panels"][0]["room"][0]
        assert layout["main"][3] + mosaic[1] / zoom > layout["main"][2]
    else:
        assert mosaic[0] + mosaic[0] / zoom > layout["panels"][0]["room"][0]


@support.on_the_default_loader("sweep_server")
def test_on_a_150_run_sweep_fit_wraps_the_panels_into_the_window_instead_of_off_to_the_right(window, sweep_server, request):
    window.set_window_size(900, 640)
    open_tab(window, sweep_server)  # the first four runs, one 4×4 kernel each
    runs = sweep_logdir.run_names()[:4]
    for run in runs:
        wait_drawn(window, run, step=1, layer=sweep_logdir.LAYER)
    layout = assert_fit_is_the_largest_that_fits(window)
    screenshot(window, f"fit-sweep-{request.node.callspec.id}.png")

    assert len({round(panel["top"]) for panel in layout["panels"]}) == 2  # two rows of two
    assert panels_zoom(window) < 32  # the rows share the height: 32× would not fit


def test_fit_leaves_room_for_the_probe_images_and_the_health_curves(browser, tmp_path):
    root = health_logdir.write_health_logdir(tmp_path)
    with support.tensorboard_server(root, load_fast=False) as base:
        open_tab(browser, base, view(health_logdir.LAYER, "blank", "trained", "legacy"))
        for run in ("blank", "trained", "legacy"):
            wait_drawn(browser, run, step=30, layer=health_logdir.LAYER)
        wait_until(browser, lambda d: d.find_element(By.CSS_SELECTOR, ".cc-chart"), "no health curves")
        wait_until(browser, lambda d: sum(bool(p["probe"]) for p in d.execute_script(FIT_JS)["panels"]) == 2,
                   "no probe images beside blank's and trained's mosaics")  # legacy logged none
        wait_until(browser, lambda d: d.execute_script(FIT_JS)["main"][3] <= d.execute_script(FIT_JS)["main"][2],
                   "the panels and curves never fit the window")
        assert_fit_is_the_largest_that_fits(browser)
        curves = browser.find_element(By.CSS_SELECTOR, ".cc-health").rect
        screenshot(browser, "fit-probe-and-curves.png")

    assert curves["y"] + curves["height"] <= browser.execute_script("return innerHeight")


# Keys pressed in TensorBoard's page -----------------------------------------------------------

def in_tensorboard(driver, base: str):
    """TensorBoard's page at the Convcam tab, the film layer drawn; returns the tab's iframe (the driver is left in it)."""
    driver.switch_to.default_content()
    driver.get("about:blank")
    driver.get(f"{base}/#convcam")
    frame = wait_until(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "iframe"), "no plugin iframe")[0]
    driver.switch_to.frame(frame)
    wait_until(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".cc-layer"), "layer list not shown in the iframe")
    pick_layer(driver, FILM_LAYER)
    wait_drawn(driver, "dense", step=LATEST["dense"], layer=FILM_LAYER)
    return frame


def press_in_tensorboard(driver, frame, *keys: str) -> None:
    """Press keys with the focus in TensorBoard's page (its body), then look into the tab again."""
    driver.switch_to.default_content()
    driver.execute_script("document.activeElement && document.activeElement.blur()")
    assert driver.execute_script("return document.activeElement === document.body")
    ActionChains(driver).send_keys(*keys).perform()
    driver.switch_to.frame(frame)


def test_arrow_keys_pressed_in_tensorboards_page_move_the_step_but_not_out_of_its_fields(browser, fixes_server):
    frame = in_tensorboard(browser, fixes_server)

    press_in_tensorboard(browser, frame, Keys.ARROW_LEFT, Keys.ARROW_LEFT)
    wait_drawn(browser, "dense", step=42, layer=FILM_LAYER)
    assert readout(browser) == "Step 42"
    press_in_tensorboard(browser, frame, Keys.HOME)
    wait_drawn(browser, "sparse", step=0, layer=FILM_LAYER)
    press_in_tensorboard(browser, frame, Keys.ARROW_RIGHT)
    wait_drawn(browser, "dense", step=2, layer=FILM_LAYER)
    screenshot(browser, "keys-from-tensorboard.png")

    browser.switch_to.default_content()  # a field of TensorBoard's page keeps its keys
    field = browser.execute_script(
        "const f = document.createElement('input'); f.id = 'cc-test-field';"
        "f.style.cssText = 'position: fixed; top: 12px; left: 50%; z-index: 10000';"
        "document.body.append(f); return f;")
    field.click()
    ActionChains(browser).send_keys("ab", Keys.ARROW_LEFT, Keys.HOME, Keys.ARROW_RIGHT, "c").perform()
    assert field.get_attribute("value") == "acb"  # the caret moved: the keys reached the field
    browser.switch_to.frame(frame)
    assert readout(browser) == "Step 2"
    browser.find_element(By.CSS_SELECTOR, ".cc-run-filter").send_keys(Keys.ARROW_RIGHT)  # and so does the tab's own
    assert readout(browser) == "Step 2"

    browser.switch_to.default_content()  # another dashboard shown: its keys are its own
    browser.execute_script("document.getElementById('cc-test-field').remove()")
    scalars = [tab for tab in browser.find_elements(By.CSS_SELECTOR, ".mat-mdc-tab") if tab.text.strip().lower() == "scalars"]
    scalars[0].click()
    wait_until(browser, lambda d: "#scalars" in d.current_url, "the Scalars dashboard never showed")
    ActionChains(browser).send_keys(Keys.ARROW_RIGHT, Keys.ARROW_RIGHT).perform()
    convcam = [tab for tab in browser.find_elements(By.CSS_SELECTOR, ".mat-mdc-tab") if tab.text.strip().lower() == "convcam"]
    convcam[0].click()
    frame = wait_until(browser, lambda d: [f for f in d.find_elements(By.CSS_SELECTOR, "iframe") if f.is_displayed()],
                       "the tab's iframe never came back")[0]
    browser.switch_to.frame(frame)
    wait_drawn(browser, "dense", step=2, layer=FILM_LAYER)
    assert readout(browser) == "Step 2"
    browser.switch_to.default_content()


# Dark mode ------------------------------------------------------------------------------------

def scrollbar_track(driver) -> float:
    """The grey level of the filmstrip's horizontal scrollbar track: the grid's bottom pixels at its left end,
    past the arrow button (the strip is scrolled to the right, its thumb there)."""
    shot = Image.open(io.BytesIO(driver.find_element(By.CSS_SELECTOR, ".cc-film-grid").screenshot_as_png)).convert("L")
    return float(np.median(np.asarray(shot, dtype=float)[-10:-2, 20:60]))


def test_the_filmstrip_scrollbar_follows_tensorboards_dark_mode(browser, fixes_server):
    frame = in_tensorboard(browser, fixes_server)
    browser.execute_script("arguments[0].scrollIntoView()", panels(browser)["dense"])
    point_at_tile(browser, "dense", 3)
    ActionChains(browser).click().perform()
    filmstrip(browser)
    browser.execute_script("arguments[0].scrollIntoView()", browser.find_element(By.CSS_SELECTOR, ".cc-film-grid"))
    assert browser.execute_script("return document.querySelector('.cc-film-grid').scrollLeft") > 60  # the thumb is off the left end
    light = scrollbar_track(browser)

    browser.switch_to.default_content()
    browser.execute_script("document.body.classList.add('dark-mode')")  # TensorBoard's dark mode
    browser.switch_to.frame(frame)
    wait_until(browser, lambda d: d.execute_script("return document.documentElement.classList.contains('cc-dark')"),
               "no dark mode")
    dark = scrollbar_track(browser)
    browser.find_element(By.CSS_SELECTOR, ".cc-filmstrip").screenshot(str(SCREENSHOTS / "filmstrip-dark.png"))
    browser.switch_to.default_content()
    browser.execute_script("document.body.classList.remove('dark-mode')")

    assert light > 200, "the light scrollbar is not light"
    assert dark < 80, "the scrollbar stayed light in dark mode"


# Fit's room, kept while the layout holds (room.js) ---------------------------------------------

# Moves the slider to a position, as a scrub does, and resolves once every panel painted its step (read from its
# data attributes, not its layout) and the page rendered it.
STEP_JS = """
const [index, expected, done] = [arguments[0], arguments[1], arguments[arguments.length - 1]];
const painted = () => [...document.querySelectorAll('.cc-panel')].every((panel) =>
  new URLSearchParams((panel.dataset.drawn || '').split('|')[0]).get('step')
  === String(expected[panel.querySelector('.cc-run-name').textContent]));
const slider = document.querySelector('.cc-slider');
slider.value = String(index);
slider.dispatchEvent(new Event('input', {bubbles: true}));
const wait = () => (painted() ? requestAnimationFrame(() => requestAnimationFrame(() => done(true))) : setTimeout(wait, 10));
wait();
"""


def rendered(driver) -> None:
    """Wait for two frames: a ResizeObserver has seen any change of size made before, and what it drew is shown.
    (Not longer: the tab's 15 s poll loads the data again, which would measure the room anew anyway.)"""
    driver.execute_async_script("const done = arguments[0]; requestAnimationFrame(() => requestAnimationFrame(done))")


def step_to(driver, index: int) -> None:
    """Move the slider to FILM_LAYER's `index`th step (of the dense run; the sparse one shows its latest at or before)."""
    step = STEPS["dense"][index]
    expected = {run: max(s for s in steps if s <= step) for run, steps in STEPS.items()}
    driver.execute_async_script(STEP_JS, index, expected)


def test_fit_follows_the_window_as_it_is_resized_and_scrubbed(window, fixes_server):
    open_film(window, fixes_server)
    wide = panels_zoom(window)
    resize(window, 1100, 640)
    assert_fit_is_the_largest_that_fits(window)
    assert panels_zoom(window) < wide
    step_to(window, 5)  # the room kept for the smaller window
    assert_fit_is_the_largest_that_fits(window)
    screenshot(window, "fit-resized.png")

    resize(window, *WINDOW)
    assert_fit_is_the_largest_that_fits(window)
    assert panels_zoom(window) == wide


def resize(driver, width: int, height: int) -> None:
    """Resize the window and wait until the page has it and rendered once."""
    inner = driver.execute_script("return [innerWidth, innerHeight]")
    driver.set_window_size(width, height)
    wait_until(driver, lambda d: d.execute_script("return [innerWidth, innerHeight]") != inner, "the page kept its size")
    rendered(driver)


def test_fit_follows_a_part_of_the_page_that_grows_without_a_draw(browser, fixes_server):
    """The toolbar taller, as when its controls wrap: no view nor data changed, yet the panels have less room."""
    open_film(browser, fixes_server)
    zoom = panels_zoom(browser)
    browser.execute_script("document.querySelector('.cc-toolbar').style.paddingBottom = '300px'")
    rendered(browser)
    assert_fit_is_the_largest_that_fits(browser)
    assert panels_zoom(browser) < zoom
    step_to(browser, 3)
    assert_fit_is_the_largest_that_fits(browser)


# Counts the tab's reloads of its data (its 15 s poll, host.js): the room is measured anew after one, as it should be.
COUNT_RELOADS_JS = """
window.__reloads = 0;
new PerformanceObserver((list) => { window.__reloads += list.getEntries().filter((e) => e.name.includes('/layers')).length; })
  .observe({type: 'resource'});
"""


def test_scrubbing_lays_the_page_out_once_a_step(browser, fixes_server):
    """Fit keeps the room it measured: a step reads no layout, so the page is laid out only to render it
    (reading layout after the paints' style changes laid it out twice more a step)."""
    open_film(browser, fixes_server)
    # The pointer off the panels: a hover reads where the tile under it is.
    ActionChains(browser).move_to_element(browser.find_element(By.CSS_SELECTOR, ".cc-brand")).perform()
    positions = range(len(STEPS["dense"]) - 1)
    for index in positions:  # every frame loaded, so that each step paints at once
        step_to(browser, index)
    browser.execute_script(COUNT_RELOADS_JS)
    browser.execute_cdp_cmd("Performance.enable", {})
    layouts = lambda: next(m["value"] for m in browser.execute_cdp_cmd("Performance.getMetrics", {})["metrics"]
                           if m["name"] == "LayoutCount")
    for _ in range(3):  # again if the tab reloaded its data meanwhile
        before = layouts(), browser.execute_script("return window.__reloads")
        for index in positions:
            step_to(browser, index)
        scrubbed = layouts() - before[0]
        time.sleep(0.5)  # a reload's resource entry is in by then
        if browser.execute_script("return window.__reloads") == before[1]:
            break
    browser.execute_cdp_cmd("Performance.disable", {})

    assert scrubbed <= len(positions), f"{scrubbed} layouts over {len(positions)} steps"
