"""What logging a mosaic costs, against its floor and against tf-explain.

- mosaic_vs_png_floor: tile + encode one mosaic / PNG-encode a picture of the
  same size and content; worst of the seed shapes.
- mosaic_vs_tf_explain: the same work / tf-explain 0.3.1's grid + normalise +
  the same PNG encoder (tf.io.encode_png); worst shape. tf-explain draws no
  separators, so this compares convcam with padding=0 (the same picture
  content); `vs_tf_explain_padded` keeps the default 1-pixel separators.
- log_call_vs_limit: one ConvcamCallback log on the demo model (probe forward
  + tile + encode + write, all tags) / its unavoidable part (the same probe
  forward + PNG-encoding the same mosaics).
- fit_overhead_every100: model.fit with the callback logging every 100 steps
  / model.fit without it (median over adjacent pairs); also the share of the
  fit spent inside the callback.
- bytes_per_mosaic: event-file bytes per logged mosaic of the demo model.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time

import numpy as np
import tensorflow as tf

from bench.timing import alternate, paired
from tb_convcam import metadata, tile

SEED_SHAPES = {
    "xception_add_10_299": (19, 19, 728),
    "irv2_conv_7b_ac": (8, 8, 1536),
    "11x7x1536": (11, 7, 1536),
    "early_147x147x64": (147, 147, 64),
}


def relu_activations(shape: tuple[int, ...], seed: int = 0) -> np.ndarray:
    return np.maximum(np.random.default_rng(seed).normal(size=(1, *shape)), 0).astype(np.float32)


def convcam_mosaic(activations: np.ndarray, padding: int = 1) -> None:
    picture, layout = tile(activations, padding=padding)
    tf.io.encode_png(picture[:, :, None])
    metadata.encode_step_info(layout)


def tf_explain_mosaic(activations: np.ndarray) -> None:
    from tf_explain.utils.display import filter_display

    grid = filter_display(activations)  # tf-explain's ExtractActivations.explain, minus the model
    grid = (grid - grid.min()) / (grid.max() - grid.min())
    tf.io.encode_png((np.clip(grid, 0, 1) * 255).astype("uint8")[:, :, None])


def mosaic_ratios(repeats: int) -> dict[str, dict[str, float]]:
    """Per seed shape: ms of tile+encode, of the PNG floor, of tf-explain, and the ratios."""
    rows = {}
    for name, shape in SEED_SHAPES.items():
        activations = relu_activations(shape)
        picture = np.ascontiguousarray(tile(activations)[0][:, :, None])
        ours, floor = alternate(lambda: convcam_mosaic(activations), lambda: tf.io.encode_png(picture), repeats)
        unpadded, theirs = alternate(lambda: convcam_mosaic(activations, 0), lambda: tf_explain_mosaic(activations), repeats)
        padded, theirs_again = alternate(lambda: convcam_mosaic(activations), lambda: tf_explain_mosaic(activations), repeats)
        rows[name] = {
            "convcam_ms": ours * 1e3,
            "png_floor_ms": floor * 1e3,
            "tf_explain_ms": theirs * 1e3,
            "vs_png_floor": ours / floor,
            "vs_tf_explain": unpadded / theirs,
            "vs_tf_explain_padded": padded / theirs_again,
        }
    return rows


def demo_callback(log_dir: str, every: int):
    """The demo's dual-backbone model, compiled, with its ConvcamCallback attached."""
    import keras

    from demo import data, models
    from tb_convcam import ConvcamCallback

    keras.utils.set_random_seed(0)
    model = models.dual_backbone_classifier("small", 64, len(data.CLASSES))
    model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    probe, _ = data.make_images(4, 64, seed=1)
    callback = ConvcamCallback(log_dir, models.convcam_layers("small"), probe=probe, every_n_steps=every)
    callback.set_model(model)
    return model, callback


def log_call_ratio(repeats: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as log_dir:
        model, callback = demo_callback(log_dir, every=100)
        callback.on_train_begin()
        outputs = callback._forward(callback._probe_batch)
        pictures = []
        for tag, indices in callback._output_index.items():
            data = [outputs[i] for i in indices]
            picture = tile(data[0] if len(data) == 1 else data)[0]
            pictures.append(picture[:, :, None] if picture.ndim == 2 else picture)
        steps = iter(range(1, 10**9))

        def unavoidable():
            callback._forward(callback._probe_batch)
            for picture in pictures:
                tf.io.encode_png(picture)

        full, limit = alternate(lambda: callback._log_if_new(next(steps)), unavoidable, repeats)
        callback.on_train_end()
        return {"log_call_ms": full * 1e3, "limit_ms": limit * 1e3, "ratio": full / limit}


def fit_overhead(steps: int, repeats: int) -> dict[str, float]:
    """model.fit for `steps` steps with the callback every 100 steps, over without it.

    `ratio` is the median of the ratios of adjacent pairs (`bench.timing.paired`).
    `in_callback_share` is the time spent inside the callback's hooks over the
    wall time of the fits with it: the callback's own cost, free of the
    fit-to-fit noise.
    """
    from demo import data

    images, labels = data.make_images(steps * 32, 64, seed=0)
    with tempfile.TemporaryDirectory() as log_dir:
        model, callback = demo_callback(log_dir, every=100)
        in_hooks = time_hooks(callback, ("on_train_begin", "on_train_batch_end", "on_train_end"))
        fit = lambda callbacks: model.fit(images, labels, batch_size=32, epochs=1, verbose=0, callbacks=callbacks)
        fit([])  # trace the train step once, outside the measurement
        pairs = paired(lambda: fit([callback]), lambda: fit([]), repeats)
    with_cb, without = zip(*pairs)
    return {
        "with_s": statistics.median(with_cb),
        "without_s": statistics.median(without),
        "ratio": statistics.median(a / b for a, b in pairs),
        "pair_ratios": [a / b for a, b in pairs],
        "in_callback_share": sum(in_hooks) / sum(with_cb),
    }


def time_hooks(callback: object, names: tuple[str, ...]) -> list[float]:
    """Wrap the callback's hooks so that each call's seconds are appended to the returned list."""
    seconds: list[float] = []

    def timed(hook):
        def run(*args, **kwargs):
            started = time.perf_counter()
            try:
                return hook(*args, **kwargs)
            finally:
                seconds.append(time.perf_counter() - started)

        return run

    for name in names:
        setattr(callback, name, timed(getattr(callback, name)))
    return seconds


def bytes_per_mosaic() -> dict[str, float]:
    with tempfile.TemporaryDirectory() as log_dir:
        model, callback = demo_callback(log_dir, every=100)
        callback.on_train_begin()
        for step in range(1, 11):
            callback._log_if_new(step)
        callback.on_train_end()
        size = sum(os.path.getsize(os.path.join(log_dir, f)) for f in os.listdir(log_dir))
        tags = len(callback._paths)
        mosaics = tags * 11 + tags  # 11 logged steps, plus each tag's baseline companion
        return {"bytes_per_mosaic": size / mosaics, "tags": tags}
