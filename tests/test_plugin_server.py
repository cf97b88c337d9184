"""A real `tensorboard` process finds the plugin through its entry point and
serves the routes with either loader (Python, and RustBoard via --load_fast)."""

from __future__ import annotations

import json
import urllib.parse

import pytest

import plugin_support as support
from harness.tensorboard import PLUGIN_ROUTES, fetch, fetch_json

LOGGED_STEPS = tuple(range(0, 60, 2))  # 30 steps: more than TensorBoard's default of 10


@pytest.fixture(scope="module")
def logdir(tmp_path_factory):
    root = tmp_path_factory.mktemp("logs")
    support.write_run(root, "blank", steps=LOGGED_STEPS, dual=False, baseline_tag=True)
    support.write_run(root, "trained", steps=LOGGED_STEPS)
    support.write_run(root, support.HOSTILE_RUN, steps=(0, 10), dual=False)
    return root


@pytest.mark.parametrize("load_fast", support.LOADERS)
def test_tensorboard_serves_the_tab_and_keeps_every_step_by_default(logdir, load_fast):
    quoted = urllib.parse.quote(support.HOSTILE_RUN)
    with support.tensorboard_server(logdir, load_fast=load_fast) as base:
        listing = json.loads(fetch(f"{base}/data/plugins_listing")[1])
        layers = fetch_json(f"{base}{PLUGIN_ROUTES}/layers")
        steps = fetch_json(f"{base}{PLUGIN_ROUTES}/steps?run=trained&layer=dual%2Fmerged")
        mosaic = fetch(f"{base}{PLUGIN_ROUTES}/mosaic?{steps['steps'][3]['key']}")
        missing = fetch(f"{base}{PLUGIN_ROUTES}/mosaic?run=trained&layer=dual%2Fmerged&step=3")
        malformed = fetch(f"{base}{PLUGIN_ROUTES}/info?run=trained&layer=dual%2Fmerged&step=1e99")
        hostile_steps = fetch(f"{base}{PLUGIN_ROUTES}/steps?run={quoted}&layer=xa%2Fconv1")
        hostile_mosaic = fetch(f"{base}{PLUGIN_ROUTES}/mosaic?run={quoted}&layer=xa%2Fconv1&step=10")

    assert listing["convcam"]["enabled"] is True
    assert listing["convcam"]["tab_name"] == "Convcam"
    assert listing["convcam"]["loading_mechanism"] == {"type": "IFRAME", "module_path": f"{PLUGIN_ROUTES}/index.js"}
    assert layers["runs"] == sorted(["blank", "trained", support.HOSTILE_RUN])
    assert [s["step"] for s in steps["steps"]] == list(LOGGED_STEPS)
    assert mosaic[0] == 200 and mosaic[1].startswith(b"\x89PNG") and mosaic[2] == "image/png"
    assert (missing[0], malformed[0]) == (404, 400)
    assert hostile_steps[0] == 200
    # RustBoard cannot parse the blob keys of runs named with '"' (its bug): a clean 404, never a 5xx.
    assert hostile_mosaic[0] == (404 if load_fast else 200)


@pytest.mark.parametrize("load_fast", support.LOADERS)
def test_an_explicit_sample_count_wins_and_the_baseline_survives_it(logdir, load_fast):
    with support.tensorboard_server(logdir, load_fast=load_fast, extra_args=["--samples_per_plugin", "convcam=4"]) as base:
        blank = fetch_json(f"{base}{PLUGIN_ROUTES}/steps?run=blank&layer=xa%2Fconv1")
        trained = fetch_json(f"{base}{PLUGIN_ROUTES}/steps?run=trained&layer=xa%2Fconv1")
        baseline = fetch(f"{base}{PLUGIN_ROUTES}/mosaic?run=blank&layer=xa%2Fconv1&step=0")

    assert len(trained["steps"]) == 4
    assert trained["steps"][-1]["step"] == LOGGED_STEPS[-1]
    assert blank["baseline_step"] == 0 and blank["steps"][0]["step"] == 0
    assert baseline[0] == 200

