"""Every logger writes known health metrics: as TensorBoard scalars, per kernel in the step info,
with the probe image; Keras on each backend and PyTorch."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
import torch

from convcam_events import read_logdir, scalars
from keras_models import training_data
from tb_convcam import metadata
from tb_convcam.torch import ConvcamLogger
from torch_models import KnownHealth, images, train_steps

TESTS = os.path.dirname(os.path.abspath(__file__))


def stretched(image: np.ndarray) -> np.ndarray:
    """An RGB probe image [H, W, 3] as the tab shows it: stretched to 0..255 over its own range."""
    return np.round((image - image.min()) / (image.max() - image.min()) * 255).astype(np.uint8)


def assert_known_health(logdir, steps: list[int], probe_image: np.ndarray) -> None:
    logged = scalars(logdir)
    metric = lambda layer, name: logged[metadata.metric_tag(layer, name)]  # noqa: E731
    for layer in ("grey", "zero", "learn"):
        for name in metadata.METRICS:
            series = metric(layer, name)
            assert [step for step, _ in series] == steps, (layer, name)
            assert all(0 <= value <= 1 for _, value in series), (layer, name, series)
    assert all(value > 0.999 for _, value in metric("grey", "echo")), "the grey map is the probe image"
    assert all(value == 1 for _, value in metric("zero", "dead_fraction"))
    assert all(value == 1 for _, value in metric("zero", "dormant_fraction")), "zero everywhere: all dormant"
    assert all(value == 0 for _, value in metric("zero", "echo"))
    assert all(value == 0 for _, value in metric("grey", "drift")), "a frozen layer does not drift"
    drift = [value for _, value in metric("learn", "drift")]
    assert drift[0] == 0 and drift[-1] > 0, drift

    mosaics = read_logdir(str(logdir))["."]
    grey = mosaics["grey"]
    kernel_health = grey[-1].info["sources"][0]["health"]
    assert kernel_health["echo"][0] > 0.999 and kernel_health["change"][0] == 0
    assert mosaics["learn"][0].info["sources"][0]["health"]["change"].tolist() == [0] * 8, "none at the baseline"
    assert (mosaics["learn"][-1].info["sources"][0]["health"]["change"] > 0).any()
    probe = mosaics[metadata.PROBE_TAG]
    assert [m.step for m in probe] == [0], "the probe image is logged once, with the first step"
    np.testing.assert_array_equal(probe[0].pixels(), stretched(probe_image))


@pytest.mark.parametrize("backend", ["tensorflow", "jax", "torch"])
def test_keras_callback_logs_known_health_on_each_backend(tmp_path, backend):
    env = {**os.environ, "KERAS_BACKEND": backend}
    subprocess.run([sys.executable, os.path.join(TESTS, "health_run.py"), str(tmp_path)], check=True, env=env,
                   timeout=600)
    assert_known_health(tmp_path, [0, 2, 4], training_data(8)[0][0])


def test_pytorch_logger_logs_known_health(tmp_path):
    torch.manual_seed(0)
    model = KnownHealth()
    with ConvcamLogger(tmp_path, model, ["grey", "zero", "learn"], probe=images(2)[0], every_n_steps=2) as convcam:
        convcam.step(0)
        train_steps(model, 4, on_step=convcam.step)
    assert convcam.skipped_steps == []
    assert_known_health(tmp_path, [0, 2, 4], images(2)[0][0].permute(1, 2, 0).numpy())


def test_health_metrics_can_be_turned_off(tmp_path):
    with ConvcamLogger(tmp_path, KnownHealth(), ["grey"], probe=images(2)[0], health_metrics=False) as convcam:
        convcam.step(0)
    assert scalars(tmp_path) == {}
    assert "health" not in read_logdir(str(tmp_path))["."]["grey"][0].info["sources"][0]


def test_a_layer_in_several_mosaics_gets_one_set_of_scalars(tmp_path):
    layers = {"both": ("grey", "learn"), "grey alone": "grey", "learn alone": "learn"}
    with ConvcamLogger(tmp_path, KnownHealth(), layers, probe=images(2)[0]) as convcam:
        convcam.step(0)
    assert sorted(scalars(tmp_path)) == sorted(metadata.metric_tag(layer, name) for layer in ("grey", "learn")
                                               for name in metadata.METRICS)
    np.testing.assert_array_equal(*(read_logdir(str(tmp_path))["."][tag][0].info["sources"][0]["health"]["echo"]
                                    for tag in ("both", "grey alone")))
