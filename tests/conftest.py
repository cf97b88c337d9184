"""Shared test set-up: quiet TensorFlow; reproducible property tests in CI; the browser and sweep fixtures."""

import os
import sys
from pathlib import Path

# The repository root holds harness/ (and bench/): importable also when pytest runs with cwd tests/
# (test_keras_backends.py runs the model-kind table so, on each backend).
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import plugin_support as support  # noqa: E402
import pytest  # noqa: E402
import sweep_logdir  # noqa: E402
from hypothesis import settings  # noqa: E402
from tab_driver import wait_until  # noqa: E402

from harness import chromium  # noqa: E402
from harness.tensorboard import PLUGIN_ROUTES, fetch_json  # noqa: E402


os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

# Locally hypothesis explores new examples on every run; CI replays a fixed
# set, so a landing never hinges on what a random search happened to find.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI") == "true":
    settings.load_profile("ci")


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium, one per test module; missing Chromium fails in CI and skips elsewhere."""
    missing = chromium.missing()
    if missing:
        message = f"headless browser tests need {', '.join(missing)} (Debian: apt-get install chromium chromium-driver)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    with chromium.chromium() as driver:
        yield driver


@pytest.fixture
def downloads(browser, tmp_path):
    """A fresh folder the browser saves downloads to (tab_driver.downloaded waits for a file there)."""
    folder = tmp_path / "downloads"
    folder.mkdir()
    browser.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(folder)})
    return folder


@pytest.fixture(scope="module", params=support.LOADERS)
def sweep_server(request, tmp_path_factory):
    """A real tensorboard (each loader) over tests/sweep_logdir.py's 150 runs, once all are listed."""
    root = sweep_logdir.write_sweep_logdir(tmp_path_factory.mktemp("sweep"))
    with support.tensorboard_server(root, load_fast=request.param) as base:
        wait_until(None, lambda _: len(fetch_json(f"{base}{PLUGIN_ROUTES}/layers")["runs"]) == sweep_logdir.RUN_COUNT,
                   "not every run of the sweep listed", timeout=60)
        yield base
