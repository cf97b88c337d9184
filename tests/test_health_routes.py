"""The probe image and health metric routes, and version-1 logs next to them, over a real
`tensorboard` with each loader (Python, and RustBoard via --load_fast).

The logdir is tests/health_logdir.py's: written record by record, so these tests hold the
plugin to the on-disk contract (tb_convcam/metadata.py), not to what a logger does today.
"""

from __future__ import annotations

import io
import json
import urllib.parse

import numpy as np
import pytest
from PIL import Image

import health_logdir as logged
import plugin_support as support
from harness.tensorboard import PLUGIN_ROUTES, fetch, fetch_json
from tb_convcam import metadata


@pytest.fixture(scope="module")
def logdir(tmp_path_factory):
    return logged.write_health_logdir(tmp_path_factory.mktemp("health"))


@pytest.fixture(scope="module", params=support.LOADERS)
def base(request, logdir):
    with support.tensorboard_server(logdir, load_fast=request.param) as url:
        yield url


def route(base: str, name: str, **args) -> str:
    return f"{base}{PLUGIN_ROUTES}/{name}?{urllib.parse.urlencode(args)}"


def test_the_probe_route_serves_the_logged_probe_image(base):
    status, body, content_type = fetch(route(base, "probe", run="trained"))

    assert (status, content_type) == (200, "image/png")
    np.testing.assert_array_equal(np.asarray(Image.open(io.BytesIO(body))), logged.probe_picture())


@pytest.mark.parametrize("args, status", [
    ({"run": logged.LEGACY_RUN}, 404),  # a run without a probe image
    ({"run": "nope"}, 404),
    ({}, 400),
    ({"run": ""}, 400),
    ({"run": "x" * 5000}, 400),
])
def test_the_probe_route_refuses_runs_without_one_and_malformed_names(base, args, status):
    code, body, _ = fetch(route(base, "probe", **args))

    assert code == status
    assert json.loads(body)["error"]


@pytest.mark.parametrize("layer", [logged.LAYER, logged.DUAL_LAYER])
def test_the_health_route_answers_every_logged_point_per_source_and_metric(base, layer):
    health = fetch_json(route(base, "health", run="trained", layer=layer))

    assert health["metrics"] == list(metadata.METRICS)
    assert [source["name"] for source in health["sources"]] == list(logged.SOURCES[layer])
    for source in health["sources"]:
        assert source["metrics"] == logged.logged_curves("trained", source["name"])


def test_a_version_1_layer_has_no_health_points(base):
    health = fetch_json(route(base, "health", run=logged.LEGACY_RUN, layer=logged.LAYER))

    assert health["sources"] == [{"name": logged.LAYER, "metrics": {metric: [] for metric in metadata.METRICS}}]


@pytest.mark.parametrize("args, status", [
    ({"run": "trained", "layer": "nope"}, 404),
    ({"run": "nope", "layer": logged.LAYER}, 404),
    ({"run": "trained", "layer": metadata.PROBE_TAG}, 404),  # the probe image is no layer
    ({"run": "trained"}, 400),
    ({"layer": logged.LAYER}, 400),
    ({"run": "trained\x00", "layer": logged.LAYER}, 400),
])
def test_the_health_route_refuses_unknown_and_malformed_names(base, args, status):
    code, body, _ = fetch(route(base, "health", **args))

    assert code == status
    assert json.loads(body)["error"]


def test_the_listing_says_which_runs_have_a_probe_and_health_and_lists_no_probe_layer(base):
    listing = fetch_json(f"{base}{PLUGIN_ROUTES}/layers")
    layers = {layer["name"]: layer for layer in listing["layers"]}

    assert sorted(layers) == sorted(logged.SOURCES)
    assert metadata.PROBE_TAG not in layers
    assert listing["runs"] == sorted([*logged.HEALTH_RUNS, logged.LEGACY_RUN])
    assert listing["probe_runs"] == sorted(logged.HEALTH_RUNS)
    for layer in layers.values():
        assert {run: entry["health"] for run, entry in layer["runs"].items()} == {
            "blank": True, "trained": True, logged.LEGACY_RUN: False
        }


def test_version_1_logs_are_listed_and_served_as_before(base):
    listing = fetch_json(f"{base}{PLUGIN_ROUTES}/layers")
    layout = {layer["name"]: layer for layer in listing["layers"]}[logged.LAYER]["runs"][logged.LEGACY_RUN]["layout"]
    steps = fetch_json(route(base, "steps", run=logged.LEGACY_RUN, layer=logged.LAYER))
    status, info, _ = fetch(f"{base}{PLUGIN_ROUTES}/info?{steps['steps'][1]['key']}")
    frame = fetch(f"{base}{PLUGIN_ROUTES}/frame?{steps['steps'][1]['key']}")[1]

    assert layout["step"] == logged.STEPS[-1] and layout["kernel_count"] == logged.KERNELS[logged.LAYER]
    assert [step["step"] for step in steps["steps"]] == list(logged.STEPS)
    assert status == 200 and json.loads(info)["version"] == 1 and "health" not in json.loads(info)["sources"][0]
    assert frame[4 : 4 + len(info)] == info
