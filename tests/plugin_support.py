"""Shared helpers for the plugin tests: logdirs written by the real logger, and
the harness's real `tensorboard` with the tests' defaults.

Kept out of conftest.py on purpose: the plugin tests import what they use.
"""

from __future__ import annotations

import contextlib
import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest

from harness.tensorboard import tensorboard

# `load_fast` for each of TensorBoard's loaders: Python, and RustBoard (--load_fast=true).
LOADERS = [pytest.param(False, id="python-loader"), pytest.param(True, id="rustboard")]
# The loader users get by default (TensorBoard's --load_fast=auto picks RustBoard). The loader changes
# what the tab fetches (routes, listings, blobs, reloads), not what it composes from data it holds
# (export, arrange, compare, colour bar, legend, layout, keys): browser tests of the latter run on it alone.
DEFAULT_LOADER = [pytest.param(True, id="rustboard")]


def on_the_default_loader(server_fixture: str = "server"):
    """Marks a test that composes from data the tab already holds: its module's (or conftest's)
    loader-parametrized `server_fixture` starts on DEFAULT_LOADER only, for this test."""
    return pytest.mark.parametrize(server_fixture, DEFAULT_LOADER, indirect=True)


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


@contextlib.contextmanager
def tensorboard_server(
    logdir: Path, *, load_fast: bool, wait_for_data: bool = True, timeout: float = 60.0, **options
) -> Iterator[str]:
    """The harness's tensorboard as the plugin tests use it: reloading every second, and by
    default waiting until convcam data is listed; yields its base URL."""
    extra_args = ("--reload_interval", "1", *options.pop("extra_args", ()))
    with tensorboard(logdir, load_fast=load_fast, wait_for_data=wait_for_data, timeout=timeout,
                     extra_args=extra_args, **options) as server:
        yield server.base_url
