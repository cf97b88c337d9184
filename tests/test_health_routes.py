"""The probe image and health metric routes, version-1 logs next to them, and a run logged for
two probe images, over a real `tensorboard` with each loader (Python, and RustBoard via --load_fast).

The logdir is tests/health_logdir.py's: written record by record, so these tests hold the
plugin to the on-disk contract (tb_convcam/metadata.py), not to what a logger does today.
"""

from __future__ import annotations

import io
import json
import struct
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
            "blank": True, "trained": True, logged.TWO_PROBE_RUN: True, logged.LEGACY_RUN: False
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


# A run logged for two probe images (batch_index=[2, 0]): a [mosaic, step info] pair per image ------

TWO = logged.TWO_PROBE_RUN
TWO_ITEMS = logged.SHOWN_ITEMS[TWO]


def picture(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)))


def split_frame(body: bytes) -> tuple[bytes, bytes]:
    """(info, mosaic) from a /frame body: 4-byte big-endian info length, info, PNG."""
    (length,) = struct.unpack(">I", body[:4])
    return body[4 : 4 + length], body[4 + length :]


def test_the_listing_says_how_many_probe_images_each_runs_latest_step_shows(base):
    listing = fetch_json(f"{base}{PLUGIN_ROUTES}/layers")

    for layer in listing["layers"]:
        runs = layer["runs"]
        assert {run: entry["images"] for run, entry in runs.items()} == {
            "blank": 1, "trained": 1, TWO: 2, logged.LEGACY_RUN: 1
        }
        assert runs[TWO]["layout"]["batch_indices"] == list(TWO_ITEMS)
        assert runs["trained"]["layout"]["batch_indices"] == [0]
    assert TWO in listing["probe_runs"]


@pytest.mark.parametrize("layer", [logged.LAYER, logged.DUAL_LAYER])
def test_each_probe_image_of_a_step_serves_its_own_mosaic_and_step_info(base, layer):
    logged_pngs = logged.mosaic_pngs(TWO, layer, 20)

    for image, item in enumerate(TWO_ITEMS):
        bookmark = {"run": TWO, "layer": layer, "step": 20, "image": image}
        status, mosaic, content_type = fetch(route(base, "mosaic", **bookmark))
        info = json.loads(fetch(route(base, "info", **bookmark))[1])
        frame = fetch(route(base, "frame", **bookmark))[1]

        assert (status, content_type) == (200, "image/png")
        assert mosaic == logged_pngs[image]
        assert info["batch_index"] == item
        assert split_frame(frame) == (fetch(route(base, "info", **bookmark))[1], mosaic)
    assert logged_pngs[0] != logged_pngs[1]
    assert fetch(route(base, "mosaic", run=TWO, layer=layer, step=20))[1] == logged_pngs[0]  # image 0 by default


def test_a_steps_keys_fetch_each_probe_image_and_the_first_is_its_key(base):
    steps = fetch_json(route(base, "steps", run=TWO, layer=logged.LAYER))["steps"]

    for entry in steps:
        assert entry["key"] == entry["keys"][0] and len(entry["keys"]) == 2
        for image, key in enumerate(entry["keys"]):
            info, mosaic = split_frame(fetch(f"{base}{PLUGIN_ROUTES}/frame?{key}")[1])
            assert mosaic == logged.mosaic_pngs(TWO, logged.LAYER, entry["step"])[image]
            assert json.loads(info)["batch_index"] == TWO_ITEMS[image]
    assert urllib.parse.parse_qs(steps[0]["keys"][1])["image"] == ["1"]


def test_the_probe_route_serves_each_probe_image_in_the_mosaics_order(base):
    for image, shown in enumerate(logged.shown_probes(TWO)):
        status, body, content_type = fetch(route(base, "probe", run=TWO, image=image))

        assert (status, content_type) == (200, "image/png")
        np.testing.assert_array_equal(picture(body), shown)
    np.testing.assert_array_equal(picture(fetch(route(base, "probe", run=TWO))[1]), logged.shown_probes(TWO)[0])


@pytest.mark.parametrize("name, args", [
    ("mosaic", {"run": TWO, "layer": logged.LAYER, "step": 20, "image": 2}),
    ("info", {"run": TWO, "layer": logged.LAYER, "step": 20, "image": 2}),
    ("frame", {"run": TWO, "layer": logged.LAYER, "step": 20, "image": 2}),
    ("probe", {"run": TWO, "image": 2}),
    ("frame", {"run": "trained", "layer": logged.LAYER, "step": 20, "image": 1}),  # a run of one image
    ("probe", {"run": "trained", "image": 1}),
])
def test_a_probe_image_a_step_or_run_does_not_have_is_a_404(base, name, args):
    status, body, _ = fetch(route(base, name, **args))

    assert status == 404
    assert json.loads(body)["error"]


@pytest.mark.parametrize("image", ["-1", "one", "1.5", "", " 1", "+1", "0x1", "9" * 10])
@pytest.mark.parametrize("name", ["mosaic", "info", "frame", "probe"])
def test_an_image_that_is_no_non_negative_int_is_a_400(base, name, image):
    status, body, _ = fetch(route(base, name, run=TWO, layer=logged.LAYER, step=20, image=image))

    assert status == 400
    assert "image" in json.loads(body)["error"]


def test_runs_of_one_probe_image_are_served_as_before(base):
    steps = fetch_json(route(base, "steps", run="trained", layer=logged.LAYER))["steps"]
    bookmark = {"run": "trained", "layer": logged.LAYER, "step": 20}

    assert all(entry["keys"] == [entry["key"]] and "image" not in entry["key"] for entry in steps)
    assert fetch(route(base, "mosaic", **bookmark, image=0))[1] == fetch(route(base, "mosaic", **bookmark))[1]
    assert fetch(route(base, "mosaic", **bookmark))[1] == logged.mosaic_pngs("trained", logged.LAYER, 20)[0]
    assert fetch(route(base, "probe", run="trained", image=0))[1] == fetch(route(base, "probe", run="trained"))[1]
