"""The plugin's HTTP routes over event files written by the real logger.

Driven through TensorBoard's own WSGI app and data provider (Python loader);
tests/test_plugin_server.py covers the same routes over RustBoard, and
tests/test_health_routes.py the probe image and health routes over both loaders.
"""

from __future__ import annotations

import json
import struct
import urllib.parse

import pytest
from werkzeug import test as werkzeug_test

import plugin_support as support
from harness.tensorboard import PLUGIN_ROUTES
from plugin_client import make_client
from tb_convcam import metadata


@pytest.fixture(scope="module")
def client(tmp_path_factory) -> werkzeug_test.Client:
    return make_client(support.write_demo_logdir(tmp_path_factory.mktemp("logs")))


def get(client: werkzeug_test.Client, route: str, **args):
    return client.get(f"{PLUGIN_ROUTES}/{route}", query_string=args)


def get_json(client: werkzeug_test.Client, route: str, **args):
    response = get(client, route, **args)
    assert response.status_code == 200, response.data
    return json.loads(response.data)


def png_header(data: bytes) -> tuple[int, int, int]:
    """(width, height, PNG colour type) from the IHDR chunk."""
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    width, height, _, colour_type = struct.unpack(">IIBB", data[16:26])
    return width, height, colour_type


def split_frame(body: bytes) -> tuple[bytes, bytes]:
    """(info, mosaic) from a /frame body: 4-byte big-endian info length, info, PNG."""
    (info_length,) = struct.unpack(">I", body[:4])
    return body[4 : 4 + info_length], body[4 + info_length :]


def test_layers_lists_runs_and_layers_with_paths_sources_and_latest_layout(client):
    listing = get_json(client, "layers")

    assert listing["runs"] == sorted(["blank", "trained", support.HOSTILE_RUN])
    layers = {layer["name"]: layer for layer in listing["layers"]}
    assert list(layers) == sorted([support.DUAL_LAYER, support.SINGLE_LAYER, support.SECOND_LAYER])
    assert layers["dual/merged"]["path"] == ["dual", "merged"]
    assert [s["name"] for s in layers["dual/merged"]["sources"]] == ["xa/conv3", "xb/conv3"]
    trained = layers["xa/conv1"]["runs"]["trained"]
    assert trained["max_step"] == 25
    assert trained["layout"] == {
        "step": 25,
        "rows": 4,
        "cols": 4,
        "tile_height": 8,
        "tile_width": 8,
        "kernel_count": 16,
        "shown": 16,
        "downscale": 1,
        "normalization": "kernel",
        "sources": ["xa/conv1"],
        "batch_indices": [0],
    }
    assert trained["images"] == 1  # the probe images its latest step shows
    assert layers["xa/conv2"]["runs"]["blank"]["layout"]["normalization"] == "layer"
    assert trained["health"] is False and listing["probe_runs"] == []  # summary.mosaic logs neither


def test_a_run_without_a_layer_is_not_listed_under_it(client):
    layers = {layer["name"]: layer for layer in get_json(client, "layers")["layers"]}

    assert support.HOSTILE_RUN not in layers["dual/merged"]["runs"]
    assert support.HOSTILE_RUN in layers["xa/conv1"]["runs"]


def test_steps_lists_every_logged_step_with_wall_time_and_key(client):
    steps = get_json(client, "steps", run="trained", layer="xa/conv1")

    assert [s["step"] for s in steps["steps"]] == [0, 5, 10, 15, 20, 25]
    assert steps["baseline_step"] == 0
    assert all(s["wall_time"] > 1e9 for s in steps["steps"])
    key = urllib.parse.parse_qs(steps["steps"][2]["key"])
    assert (key["run"], key["layer"], key["step"]) == (["trained"], ["xa/conv1"], ["10"])
    assert key["m"] != key["i"], "the mosaic's and the step info's blob keys, for a direct read"


def test_a_bookmarked_run_layer_step_fetches_the_same_blobs_as_the_key(client):
    step = get_json(client, "steps", run="trained", layer="xa/conv1")["steps"][3]
    bookmark = {"run": "trained", "layer": "xa/conv1", "step": step["step"]}

    assert get(client, "mosaic", **bookmark).data == client.get(f"{PLUGIN_ROUTES}/mosaic?{step['key']}").data
    assert get(client, "info", **bookmark).data == client.get(f"{PLUGIN_ROUTES}/info?{step['key']}").data


def test_the_key_fetches_the_mosaic_png_and_its_step_info(client):
    step = get_json(client, "steps", run="trained", layer="xa/conv1")["steps"][1]

    mosaic = client.get(f"{PLUGIN_ROUTES}/mosaic?{step['key']}")
    info_response = client.get(f"{PLUGIN_ROUTES}/info?{step['key']}")

    assert mosaic.status_code == 200 and mosaic.content_type == "image/png"
    assert info_response.status_code == 200 and info_response.content_type == "application/json"
    info = metadata.parse_step_info(info_response.data)
    assert png_header(mosaic.data) == (info["width"], info["height"], 0)  # greyscale
    assert len(info["sources"][0]["stats"]["min"]) == info["kernel_count"] == 16


@pytest.mark.parametrize("layer", [support.SINGLE_LAYER, support.DUAL_LAYER])
def test_a_frame_is_the_step_info_then_the_mosaic_exactly_as_their_own_routes_serve_them(client, layer):
    step = get_json(client, "steps", run="blank", layer=layer)["steps"][2]
    bookmark = {"run": "blank", "layer": layer, "step": step["step"]}

    frame = client.get(f"{PLUGIN_ROUTES}/frame?{step['key']}")
    mosaic = client.get(f"{PLUGIN_ROUTES}/mosaic?{step['key']}")

    assert frame.status_code == 200 and frame.content_type == "application/octet-stream"
    assert split_frame(frame.data) == (client.get(f"{PLUGIN_ROUTES}/info?{step['key']}").data, mosaic.data)
    assert get(client, "frame", **bookmark).data == frame.data
    assert frame.headers["Cache-Control"] == mosaic.headers["Cache-Control"] == "private, max-age=3600"


def test_a_dual_source_mosaic_is_rgb_with_one_source_per_channel(client):
    info = json.loads(get(client, "info", run="blank", layer="dual/merged", step="5").data)
    mosaic = get(client, "mosaic", run="blank", layer="dual/merged", step="5").data

    assert png_header(mosaic) == (info["width"], info["height"], 2)  # RGB
    assert [(s["name"], s["channel"]) for s in info["sources"]] == [("xa/conv3", 0), ("xb/conv3", 1)]


def test_names_with_html_and_slashes_round_trip_as_plain_strings(client):
    steps = get_json(client, "steps", run=support.HOSTILE_RUN, layer="xa/conv1")

    assert steps["run"] == support.HOSTILE_RUN
    assert get(client, "mosaic", run=support.HOSTILE_RUN, layer="xa/conv1", step="10").status_code == 200


@pytest.mark.parametrize(
    "route, args",
    [
        ("steps", {"layer": "xa/conv1"}),
        ("steps", {"run": "trained"}),
        ("steps", {"run": "", "layer": "xa/conv1"}),
        ("steps", {"run": "trained\x00", "layer": "xa/conv1"}),
        ("steps", {"run": "x" * 5000, "layer": "xa/conv1"}),
        ("mosaic", {"run": "trained", "layer": "xa/conv1"}),
        ("mosaic", {"run": "trained", "layer": "xa/conv1", "step": "ten"}),
        ("mosaic", {"run": "trained", "layer": "xa/conv1", "step": "1.5"}),
        ("mosaic", {"run": "trained", "layer": "xa/conv1", "step": "1e3"}),
        ("mosaic", {"run": "trained", "layer": "xa/conv1", "step": " 5"}),
        ("mosaic", {"run": "trained", "layer": "xa/conv1", "step": "0x10"}),
        ("mosaic", {"run": "trained", "layer": "xa/conv1", "step": "9" * 19}),
        ("info", {"run": "trained", "layer": "xa/conv1", "step": "9" * 400}),
        ("info", {"run": "trained", "layer": "xa/conv1", "step": ""}),
        ("frame", {"run": "trained", "layer": "xa/conv1"}),
        ("frame", {"run": "trained", "layer": "xa/conv1", "step": "1e3"}),
        ("frame", {"run": "trained\x00", "layer": "xa/conv1", "step": "5"}),
        ("frame", {"m": "", "i": "eyJhIjogMX0"}),  # malformed next to unknown: the 400 wins
        ("frame", {"m": "x" * 5000}),
    ],
)
def test_malformed_arguments_get_400_with_a_json_reason(client, route, args):
    response = get(client, route, **args)

    assert response.status_code == 400
    assert json.loads(response.data)["error"]


@pytest.mark.parametrize(
    "route, args",
    [
        ("steps", {"run": "nope", "layer": "xa/conv1"}),
        ("steps", {"run": "trained", "layer": "nope"}),
        ("steps", {"run": support.HOSTILE_RUN, "layer": "dual/merged"}),
        ("steps", {"run": "../../etc/passwd", "layer": "xa/conv1"}),
        ("steps", {"run": "trained", "layer": "xa/../xa/conv1"}),
        ("mosaic", {"run": "trained", "layer": "xa/conv1", "step": "7"}),
        ("mosaic", {"run": "trained", "layer": "xa/conv1", "step": "-5"}),
        ("mosaic", {"run": "trained", "layer": "xa/conv1", "step": str(2**63 - 1)}),
        ("info", {"run": "blank", "layer": "xa/conv1", "step": "25"}),
        ("info", {"run": "blank'--", "layer": "xa/conv1", "step": "5"}),
        ("frame", {"run": "trained", "layer": "xa/conv1", "step": "7"}),
        ("frame", {"run": "nope", "layer": "xa/conv1", "step": "5"}),
        ("frame", {"run": "trained", "layer": "nope", "step": "5"}),
    ],
)
def test_unknown_runs_layers_and_steps_get_404(client, route, args):
    response = get(client, route, **args)

    assert response.status_code == 404
    assert json.loads(response.data)["error"]


@pytest.mark.parametrize(
    "path",
    [
        "/static/../plugin.py",
        "/static/..%2fplugin.py",
        "/static/%2e%2e/%2e%2e/metadata.py",
        "/static/.hidden",
        "/static/",
        "/static/style.css/../../plugin.py",
        "/static/..\\plugin.py",
        "/static/catalog.py",
        "/static//etc/passwd",
        "/static/nope.js",
    ],
)
def test_static_files_refuse_traversal_and_unknown_names(client, path):
    response = client.get(PLUGIN_ROUTES + path)

    assert response.status_code == 404
    assert b"import" not in response.data


def test_the_tab_module_and_its_static_files_are_served(client):
    index = client.get(f"{PLUGIN_ROUTES}/index.js")
    style = client.get(f"{PLUGIN_ROUTES}/static/style.css")

    assert index.status_code == 200 and index.content_type.startswith("text/javascript")
    assert b"export" in index.data and b"render" in index.data
    assert style.status_code == 200 and style.content_type.startswith("text/css")


def test_tensorboard_lists_the_tab_and_serves_the_module_it_names(client):
    listing = json.loads(client.get("/data/plugins_listing").data)["convcam"]
    module = client.get(listing["loading_mechanism"]["module_path"])

    assert listing["tab_name"] == "Convcam"  # "enabled" is decided by the real server: test_plugin_server.py
    assert module.status_code == 200 and b"export async function render" in module.data


def test_an_empty_logdir_lists_nothing(tmp_path):
    assert get_json(make_client(tmp_path), "layers") == {"runs": [], "probe_runs": [], "layers": []}


def test_the_baseline_stays_reachable_when_downsampling_evicts_it(tmp_path):
    support.write_run(tmp_path, "kept", steps=range(0, 40), dual=False, baseline_tag=True)
    support.write_run(tmp_path, "plain", steps=range(0, 40), dual=False)
    client = make_client(tmp_path, samples=3)

    kept = get_json(client, "steps", run="kept", layer="xa/conv1")
    plain = get_json(client, "steps", run="plain", layer="xa/conv1")
    layers = [layer["name"] for layer in get_json(client, "layers")["layers"]]

    assert kept["baseline_step"] == 0 and kept["steps"][0]["step"] == 0
    assert [s["step"] for s in kept["steps"]][-1] == 39  # the latest is always kept too
    assert len(kept["steps"]) == 4  # 3 sampled steps + the baseline
    assert get(client, "mosaic", run="kept", layer="xa/conv1", step="0").status_code == 200
    assert "xa/conv1/baseline" not in layers  # the companion is not a layer of its own
    assert plain["baseline_step"] == plain["steps"][0]["step"]  # without it: the earliest kept step
