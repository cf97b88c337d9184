"""Small Keras models and synthetic data for the callback tests.

A support module, not a test module: test modules and the scripts they run
in subprocesses (which put tests/ on sys.path) import from here.
"""

from __future__ import annotations

import keras
import numpy as np

SIZE = 16  # the dual model's input height and width


def _backbone(name: str) -> keras.Model:
    inputs = keras.Input((SIZE, SIZE, 3))
    x = keras.layers.Conv2D(4, 3, padding="same", activation="relu", name="conv1")(inputs)
    x = keras.layers.Conv2D(6, 3, strides=2, padding="same")(x)  # auto-named conv2d, conv2d_1, ...
    return keras.Model(inputs, x, name=name)


def dual_model() -> keras.Model:
    """Two nested backbones, `xa` and `xb`, under a compiled classifier named `dual`."""
    inputs = keras.Input((SIZE, SIZE, 3))
    pooled = [keras.layers.GlobalAveragePooling2D()(_backbone(name)(inputs)) for name in ("xa", "xb")]
    model = keras.Model(inputs, keras.layers.Dense(2, name="logits")(keras.layers.Concatenate()(pooled)), name="dual")
    model.compile(keras.optimizers.SGD(0.1), keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def training_data(count: int = 16) -> tuple[np.ndarray, np.ndarray]:
    """`count` images for `dual_model` and their labels (0 or 1), the same on every call."""
    rng = np.random.default_rng(0)
    return rng.uniform(size=(count, SIZE, SIZE, 3)).astype(np.float32), rng.integers(0, 2, count)


def noisy_conv_model(size: int = 64) -> keras.Model:
    """A compiled model with one conv layer, `conv`, whose mosaic of a `noise` probe is ~100 KB of
    incompressible PNG at the default size: enough to fill a small disk quickly."""
    inputs = keras.Input((size, size, 3))
    x = keras.layers.Conv2D(32, 3, padding="same", name="conv")(inputs)
    model = keras.Model(inputs, keras.layers.Dense(2)(keras.layers.GlobalAveragePooling2D()(x)))
    model.compile("sgd", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def noise(count: int, size: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """`count` uniform-noise images of `size` x `size` and their labels (0 or 1)."""
    rng = np.random.default_rng(0)
    return rng.uniform(size=(count, size, size, 3)).astype(np.float32), rng.integers(0, 2, count)


def known_health_model() -> keras.Model:
    """A compiled model whose layers have known health: `grey` (a frozen 1×1 conv averaging the
    channels: its map is the probe image in grey, echo 1), `zero` (a frozen all-zero conv: every
    kernel dead and dormant, echo 0) and `learn` (trained: drift 0 at the baseline, > 0 later)."""
    inputs = keras.Input((SIZE, SIZE, 3))
    grey = keras.layers.Conv2D(1, 1, use_bias=False, kernel_initializer=keras.initializers.Constant(1 / 3),
                               trainable=False, name="grey")(inputs)
    zero = keras.layers.Conv2D(4, 3, padding="same", kernel_initializer="zeros", trainable=False, name="zero")(inputs)
    learn = keras.layers.Conv2D(8, 3, padding="same", activation="relu", name="learn")(inputs)
    pooled = keras.layers.GlobalAveragePooling2D()(keras.layers.Concatenate()([grey, zero, learn]))
    model = keras.Model(inputs, keras.layers.Dense(2, name="logits")(pooled), name="known_health")
    model.compile(keras.optimizers.SGD(0.5), keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model
