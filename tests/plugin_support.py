"""Shared helpers for the plugin tests: logdirs written by the real logger,
and a real `tensorboard` subprocess.

Kept out of conftest.py on purpose: the plugin tests import what they use.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import zlib
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from typing import IO
from pathlib import Path

import numpy as np

# A run name full of HTML: the tab must show it as text, never as markup.
HOSTILE_RUN = '<img src=x onerror="document.title=1">&amp;'
STEPS = (0, 5, 10, 15, 20)
SINGLE_LAYER = "xa/conv1"
SECOND_LAYER = "xa/conv2"
DUAL_LAYER = "dual/merged"


def activations(run: str, step: int, shape: Sequence[int]) -> np.ndarray:
    """Deterministic activations: noise for the blank run, stripes that grow with the step otherwise."""
    rng = np.random.default_rng(zlib.crc32(f"{run}|{step}|{shape}".encode()))
    batch, height, width, channels = shape
    if run == "blank":
        return rng.normal(size=shape).astype(np.float32)
    y, x = np.mgrid[0:height, 0:width]
    kernels = np.arange(channels)
    pattern = np.sin((x[..., None] * (1 + kernels % 3) + y[..., None] * (kernels % 4)) * (1 + step / 10.0))
    scale = 1.0 + kernels * (1 + step)  # kernels differ in range, so normalisation modes differ
    data = pattern * scale + 0.1 * rng.normal(size=(height, width, channels))
    return np.broadcast_to(data, (batch, height, width, channels)).astype(np.float32)


def write_run(
    logdir: Path,
    run: str,
    steps: Sequence[int] = STEPS,
    *,
    dual: bool = True,
    baseline_tag: bool = False,
) -> Path:
    """Write one run with the real writer: two single-source layers and (optionally) a dual one.

    `baseline_tag` marks the first step as the baseline, which the writer also
    keeps under a `<tag>/baseline` companion that sampling cannot evict.
    """
    import tensorflow as tf

    from tb_convcam import summary

    run_dir = logdir / run
    writer = tf.summary.create_file_writer(str(run_dir))
    with writer.as_default():
        for step in steps:
            baseline = baseline_tag and step == steps[0]
            summary.mosaic(SINGLE_LAYER, activations(run, step, (2, 8, 8, 16)), step=step, baseline=baseline)
            summary.mosaic(
                SECOND_LAYER, activations(run, step, (1, 4, 4, 40)), step=step, normalize="layer", baseline=baseline
            )
            if dual:
                summary.mosaic(
                    DUAL_LAYER,
                    [activations(run, step, (1, 6, 6, 12)), activations(run + "b", step, (1, 6, 6, 8))],
                    step=step,
                    sources=["xa/conv3", "xb/conv3"],
                    baseline=baseline,
                )
    writer.close()
    return run_dir


def write_demo_logdir(logdir: Path) -> Path:
    """A blank run, a trained run, and a trained run with an HTML-laden name."""
    write_run(logdir, "blank")
    write_run(logdir, "trained", steps=STEPS + (25,))
    write_run(logdir, HOSTILE_RUN, steps=(0, 10), dual=False)
    return logdir


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def tensorboard_server(
    logdir: Path,
    *,
    load_fast: bool,
    extra_args: Sequence[str] = (),
    timeout: float = 60.0,
    wait_for_data: bool = True,
    path_prefix: str = "",
) -> Iterator[str]:
    """Run `tensorboard` on 127.0.0.1 over `logdir`; yields its base URL, always stops it.

    Waits until the convcam routes answer (and, with `wait_for_data`, list a layer).
    """
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "tensorboard.main",
        "--logdir",
        str(logdir),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        f"--load_fast={'true' if load_fast else 'false'}",
        "--reload_interval",
        "1",
        *(["--path_prefix", path_prefix] if path_prefix else []),
        *extra_args,
    ]
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    # cwd: away from a source checkout, whose stale egg-info could hide the entry point.
    # Output goes to a file, not a pipe: nobody reads a pipe while tests run, and a
    # full one (a loader complaining about a damaged file) would block tensorboard.
    output = tempfile.TemporaryFile()
    process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, env=env, cwd=str(logdir))
    base_url = f"http://127.0.0.1:{port}{path_prefix}"
    try:
        wait_until_serving(base_url, process, output, timeout, wait_for_data)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        output.close()


def wait_until_serving(
    base_url: str, process: subprocess.Popen, output: IO[bytes], timeout: float, wait_for_data: bool
) -> None:
    """Wait until TensorBoard answers (and, if asked, has loaded convcam data)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output.seek(0)
            printed = output.read().decode("utf-8", "replace")
            raise RuntimeError(f"tensorboard exited with {process.returncode}:\n{printed}")
        try:
            layers = fetch_json(f"{base_url}/data/plugin/convcam/layers")
            if layers["layers"] or not wait_for_data:
                return
        except (urllib.error.URLError, ConnectionError, OSError):
            pass
        time.sleep(0.3)
    raise TimeoutError(f"tensorboard at {base_url} did not serve convcam data within {timeout}s")


def fetch(url: str) -> tuple[int, bytes, str]:
    """GET `url`; returns (status, body, content type) for success and HTTP errors alike."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read(), response.headers.get("Content-Type", "")
    except urllib.error.HTTPError as error:
        return error.code, error.read(), error.headers.get("Content-Type", "")


def fetch_json(url: str):
    status, body, _ = fetch(url)
    if status != 200:
        raise urllib.error.URLError(f"{url}: HTTP {status}")
    return json.loads(body)
