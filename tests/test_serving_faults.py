"""The plugin under hostile requests, damaged event files and very long runs."""

from __future__ import annotations

import json
import time
import urllib.parse
from pathlib import Path

import numpy as np
import pytest
from event_files import mosaic_records, readable_events
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import plugin_support as support
from harness.tensorboard import PLUGIN_ROUTES, fetch, fetch_json
from plugin_client import client_over, make_client
from tb_convcam.event_writer import EventWriter

ROUTES = ("layers", "steps", "mosaic", "info", "frame", "index.js", "static/style.css")
hostile_text = st.one_of(
    st.text(max_size=60),
    st.sampled_from(["", "..", "../../etc/passwd", "%2e%2e/", "\x00", "9" * 40, "-1", "1e9", " 5", "0x10",
                     support.HOSTILE_RUN, support.SINGLE_LAYER, "blank", "trained", "0", "5"]),
)


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    return make_client(support.write_demo_logdir(tmp_path_factory.mktemp("logs")))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    route=st.sampled_from(ROUTES),
    args=st.dictionaries(st.sampled_from(["run", "layer", "step", "m", "i", "x"]), hostile_text, max_size=4),
    raw_suffix=st.one_of(st.just(""), hostile_text),
)
def test_no_request_gets_a_server_error_or_a_traceback(client, route, args, raw_suffix):
    suffix = urllib.parse.quote(raw_suffix, safe="/%.") if route.startswith("static") else ""  # '?' stays in the path
    response = client.get(f"{PLUGIN_ROUTES}/{route}{suffix}", query_string=args)
    assert response.status_code < 500
    assert b"Traceback" not in response.data
    if response.status_code >= 400:
        assert "error" in json.loads(response.data)


# Blob keys are opaque to the plugin: a missing or over-long one is a malformed argument (400);
# any other names no blob the provider has (404), whether or not it decodes.
GARBAGE_KEYS = [("", 400), ("A" * 5000, 400), ("x", 404), ("not base64!", 404), ("eyJhIjogMX0", 404), ("W10", 404),
                ("WyIiLCAiY29udmNhbSIsICJubyIsICJ0YWciLCAwLCAwXQ", 404)]


@pytest.mark.parametrize("route", ["mosaic", "info", "frame"])
@pytest.mark.parametrize("key, status", GARBAGE_KEYS, ids=[f"key{i}" for i in range(len(GARBAGE_KEYS))])
def test_garbage_blob_keys_get_a_clean_4xx(client, route, key, status):
    response = client.get(f"{PLUGIN_ROUTES}/{route}", query_string={"m": key, "i": key})
    assert response.status_code == status
    assert "error" in json.loads(response.data)


@pytest.mark.parametrize(
    "path", ["static/../plugin.py", "static/%2e%2e/plugin.py", "static/..%2fplugin.py", "static/.%2e/loader.py",
             "static//etc/passwd", "static/%00style.css", "static/style.css%00.py"],
)
def test_traversal_attempts_on_static_files_get_404(client, path):
    assert client.get(f"{PLUGIN_ROUTES}/{path}").status_code == 404


def damage(run_dir: Path, how: str) -> dict[str, list[int]]:
    """Corrupt the run's event file the way a crash or a bad disk would; {tag: steps} of the records
    before the first bad one, read strictly."""
    (event_file,) = [p for p in run_dir.iterdir() if "tfevents" in p.name]
    data = bytearray(event_file.read_bytes())
    if how == "truncated":
        event_file.write_bytes(bytes(data[: len(data) * 2 // 3]))
    else:  # bytes flipped in the middle: records whose checksums no longer match
        middle = len(data) // 2
        data[middle : middle + 64] = bytes(b ^ 0xFF for b in data[middle : middle + 64])
        event_file.write_bytes(bytes(data))
    events, bad_record = readable_events(str(event_file))
    assert bad_record is not None, "the event file is not damaged"
    steps: dict[str, list[int]] = {}
    for event in events:
        for value in event.summary.value:
            steps.setdefault(value.tag, []).append(event.step)
    return steps


@pytest.mark.parametrize("load_fast", support.LOADERS)
@pytest.mark.parametrize("how", ["truncated", "corrupted"])
def test_a_damaged_event_file_in_one_run_leaves_the_others_fully_browsable(tmp_path, load_fast, how):
    """Both loaders keep a damaged file's records up to the first bad one and read no further, so the
    damaged run lists exactly those steps. The Python loader takes any bad record for one still being
    written and retries it at each reload; RustBoard waits at a truncated record and gives up the file
    at a bad checksum."""
    whole = {layer: list(support.STEPS) for layer in (support.SINGLE_LAYER, support.SECOND_LAYER, support.DUAL_LAYER)}
    support.write_run(tmp_path, "good")
    readable = damage(support.write_run(tmp_path, "damaged"), how)
    assert readable and readable != whole, "the damage left some records, not all"
    expected = {"good": whole, "damaged": readable}
    latest = {run: {layer: steps[-1] for layer, steps in layers.items()} for run, layers in expected.items()}

    def listed(base: str) -> dict[str, dict[str, int]]:
        """{run: {layer: max step}} as /layers lists them."""
        runs: dict[str, dict[str, int]] = {}
        for layer in fetch_json(f"{base}{PLUGIN_ROUTES}/layers")["layers"]:
            for run, entry in layer["runs"].items():
                runs.setdefault(run, {})[layer["name"]] = entry["max_step"]
        return runs

    with support.tensorboard_server(tmp_path, load_fast=load_fast) as base:
        deadline = time.monotonic() + 30
        while listed(base) != latest and time.monotonic() < deadline:  # until both runs are loaded
            time.sleep(0.5)
        time.sleep(2)  # a couple more reload cycles over the damaged file
        assert listed(base) == latest
        for run, layers in expected.items():
            for layer, logged in layers.items():
                steps = fetch_json(f"{base}{PLUGIN_ROUTES}/steps?run={run}&layer={layer}")["steps"]
                assert [s["step"] for s in steps] == logged, (run, layer)
                for step in steps:
                    status, body, kind = fetch(f"{base}{PLUGIN_ROUTES}/mosaic?{step['key']}")
                    assert status == 200 and body.startswith(b"\x89PNG") and kind == "image/png"


LONG_RUN_STEPS = 20_000


@pytest.fixture(scope="module")
def long_run(tmp_path_factory) -> Path:
    """One run of 20,000 logged steps of a small layer, the first one a baseline: the records
    summary.mosaic writes, each of the 16 frames built once and written with the TF-free event
    writer (the Keras callback's), in a second instead of 40 s of eager TensorFlow."""
    logdir = tmp_path_factory.mktemp("long")
    rng = np.random.default_rng(0)
    frames = rng.normal(size=(16, 1, 4, 4, 8)).astype(np.float32)
    baseline, cycle = mosaic_records("conv", frames[0], baseline=True), [mosaic_records("conv", frame) for frame in frames]
    writer = EventWriter(str(logdir / "long"))
    for step in range(LONG_RUN_STEPS):
        assert writer.write(step, baseline if step == 0 else cycle[step % 16]), f"step {step} not written"
    writer.close()
    return logdir


@pytest.mark.parametrize("load_fast", support.LOADERS)
def test_a_run_of_20000_steps_keeps_the_sampling_budget_and_its_baseline(long_run, load_fast):
    from tb_convcam.plugin.loader import DEFAULT_SAMPLES_PER_TAG

    with support.tensorboard_server(long_run, load_fast=load_fast) as base:
        deadline = time.monotonic() + 120
        while True:  # wait until the loader has read to the end of the file
            listing = fetch_json(f"{base}{PLUGIN_ROUTES}/steps?run=long&layer=conv")
            if listing["steps"] and listing["steps"][-1]["step"] == LONG_RUN_STEPS - 1:
                break
            assert time.monotonic() < deadline, "tensorboard did not load the long run in time"
            time.sleep(1)
        steps = [s["step"] for s in listing["steps"]]
        # Both loaders sample with a seeded reservoir that keeps the latest step (Python: random.Random(0),
        # RustBoard: ChaCha20 seeded 0): the layer's own tag fills its budget and, over 20,000 steps, no
        # longer holds step 0; the baseline companion brings step 0 back.
        assert len(steps) == DEFAULT_SAMPLES_PER_TAG + 1
        assert steps[0] == 0 and listing["baseline_step"] == 0
        status, body, _ = fetch(f"{base}{PLUGIN_ROUTES}/mosaic?run=long&layer=conv&step=0")
        assert status == 200 and body.startswith(b"\x89PNG")


def test_the_layer_listing_follows_a_new_latest_step(tmp_path):
    """/layers keeps each latest layout between calls, until a newer step arrives."""
    import tensorflow as tf
    from tensorboard.backend.event_processing import plugin_event_multiplexer

    from tb_convcam import summary

    writer = tf.summary.create_file_writer(str(tmp_path / "run"))
    multiplexer = plugin_event_multiplexer.EventMultiplexer()
    multiplexer.AddRunsFromDirectory(str(tmp_path))
    client = client_over(multiplexer, tmp_path)

    def latest_layout(step, kernels):
        with writer.as_default():
            summary.mosaic("conv", np.ones((1, 4, 4, kernels), np.float32), step=step)
        writer.flush()
        multiplexer.Reload()
        (layer,) = json.loads(client.get(f"{PLUGIN_ROUTES}/layers").data)["layers"]
        return layer["runs"]["run"]["layout"]

    first = latest_layout(0, 8)
    assert (first["step"], first["kernel_count"]) == (0, 8)
    second = latest_layout(1, 24)
    assert (second["step"], second["kernel_count"]) == (1, 24)
