"""The demo behind the README's first command: trains, logs both runs, blank and trained differ."""

import subprocess
import sys

import numpy as np
from convcam_events import read_logdir

from demo import data, models


def test_synthetic_images_are_deterministic_and_cover_every_class():
    images, labels = data.make_images(200, 32, seed=3)
    again, _ = data.make_images(200, 32, seed=3)
    np.testing.assert_array_equal(images, again)
    assert images.shape == (200, 32, 32, 3) and 0 <= images.min() and images.max() <= 1
    assert set(labels) == set(range(len(data.CLASSES)))


def test_demo_logs_a_blank_and_a_trained_run_of_every_layer(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "demo", "--no-serve", "--logdir", str(tmp_path), "--epochs", "2",
         "--images", "256", "--every", "4"],
        check=True, timeout=600,
    )
    logged = read_logdir(str(tmp_path))
    layer_tags = set(models.convcam_layers("small"))
    for run in ("blank", "trained"):
        assert layer_tags | {f"{tag}/baseline" for tag in layer_tags} == set(logged[run])
        assert [m.step for m in logged[run]["dual/conv3"]] == [0, 4, 8, 12, 16]
    blank, trained = logged["blank"]["dual/block2_out"], logged["trained"]["dual/block2_out"]
    assert blank[0].png == trained[0].png, "both runs start from the same weights"
    assert blank[-1].png == blank[0].png, "the blank run never learns"
    assert trained[-1].png != trained[0].png, "the trained run does"
