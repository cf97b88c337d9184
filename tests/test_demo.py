"""The demo behind the README's first command: trains, logs both runs, blank and trained differ."""

import subprocess
import sys

import numpy as np
from convcam_events import read_logdir

from demo import data, models
from tb_convcam import metadata


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
        assert layer_tags | {f"{tag}/baseline" for tag in layer_tags} | {metadata.PROBE_TAG} == set(logged[run])
        assert [m.step for m in logged[run]["dual/conv3"]] == [0, 4, 8, 12, 16]
    blank, trained = logged["blank"]["dual/block2_out"], logged["trained"]["dual/block2_out"]
    assert blank[0].png == trained[0].png, "both runs start from the same weights"
    assert blank[-1].png == blank[0].png, "the blank run never learns"
    assert trained[-1].png != trained[0].png, "the trained run does"


def test_the_blank_run_keeps_batchnorm_statistics_too():
    """Learning rate 0 keeps the weights, but BatchNormalization's moving statistics would still move
    (Xception's add_10 drifted in the blank run): keep_blank freezes them, in nested backbones too."""
    import keras

    inputs = keras.Input((8, 8, 3))
    backbone = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.Conv2D(4, 3), keras.layers.BatchNormalization()])
    model = keras.Model(inputs, keras.layers.Dense(2)(keras.layers.GlobalAveragePooling2D()(backbone(inputs))))
    models.keep_blank(model)
    model.compile(keras.optimizers.SGD(0.0), keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    before = [w.copy() for w in model.get_weights()]
    model.fit(np.random.default_rng(0).uniform(size=(8, 8, 8, 3)), np.arange(8) % 2, batch_size=4, verbose=0)
    for old, new in zip(before, model.get_weights()):
        np.testing.assert_array_equal(old, new)
