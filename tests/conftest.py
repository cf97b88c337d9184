"""Shared test set-up: quiet TensorFlow; reproducible property tests in CI."""

import os

import pytest
from hypothesis import settings

from harness import chromium

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
