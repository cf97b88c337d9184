"""What logging a mosaic costs, against its floor and against tf-explain.

Every PNG here, on both sides of every ratio, is encoded with the encoder
convcam itself uses: `tb_convcam.records.encode_png` (Pillow).

- mosaic_vs_png_floor: tile + encode one mosaic / PNG-encode a picture of the
  same size and content; worst of the seed shapes.
- mosaic_vs_tf_explain: the same work / tf-explain 0.3.1's grid + normalise +
  the same PNG encoder; worst shape. tf-explain draws no separators, so this
  compares convcam with padding=0; `vs_tf_explain_padded` keeps the default
  1-pixel separators. Convcam normalises per kernel, tf-explain per layer:
  the pictures differ in contrast, and so in encoding cost (BENCHMARKS.md).
- log_call_vs_limit: one ConvcamCallback log on the demo model (probe forward
  + outputs to NumPy + tile + encode + build records + write, all tags) / its
  unavoidable part (the same probe forward, the outputs to NumPy, and
  PNG-encoding the same mosaics). On the Keras backend of the process: the
  TensorFlow figure in-process (bench/run.py), JAX and PyTorch in a
  subprocess each (`log_call_in_subprocess`), as Keras picks its backend
  at import.
- fit_overhead_every100: what model.fit with the callback logging every 100
  steps costs over model.fit without it, two ways (`fit_overhead`): the wall
  times of adjacent pairs of fits, and the share of the fits' time spent
  inside the callback's hooks. bench/run.py holds the second in --quick
  mode (two pairs of fits cannot resolve 2 %), the first in a full run.
- bytes_per_mosaic: event-file bytes per logged mosaic of the demo model.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from bench.timing import alternate, overhead, paired
from tb_convcam import metadata, tile
from tb_convcam.records import encode_png

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

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
    encode_png(picture)
    metadata.encode_step_info(layout)


def tf_explain_mosaic(activations: np.ndarray) -> None:
    from tf_explain.utils.display import filter_display  # imports TensorFlow: only here

    grid = filter_display(activations)  # tf-explain's ExtractActivations.explain, minus the model
    grid = (grid - grid.min()) / (grid.max() - grid.min())
    encode_png((np.clip(grid, 0, 1) * 255).astype("uint8"))


def mosaic_ratios(repeats: int) -> dict[str, dict[str, float]]:
    """Per seed shape: ms of tile+encode, of the PNG floor, of tf-explain, and the ratios.

    All three encode with `records.encode_png`, the encoder convcam logs with.
    """
    rows = {}
    for name, shape in SEED_SHAPES.items():
        activations = relu_activations(shape)
        picture = tile(activations)[0]
        ours, floor = alternate(lambda: convcam_mosaic(activations), lambda: encode_png(picture), repeats)
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


def log_call_ratio(repeats: int) -> dict[str, float | str]:
    """One log call of the demo model / its limit, on this process's Keras backend.

    The limit is what any logger of these mosaics must do: the probe forward,
    the outputs to NumPy, and PNG-encoding the same pictures with the same
    encoder (`records.encode_png`). Medians of `repeats` alternated calls.
    """
    import keras

    from tb_convcam.keras_backends import to_numpy

    with tempfile.TemporaryDirectory() as log_dir:
        model, callback = demo_callback(log_dir, every=100)
        callback.on_train_begin()
        forward = lambda: [to_numpy(output) for output in callback._forward(callback._probe_batch)]  # noqa: E731
        result = log_call_vs_limit(callback._log, forward, callback._mosaics, callback.tile_options, repeats)
        callback.on_train_end()
        if callback.skipped_steps:
            raise RuntimeError(f"log_call_ratio: the callback skipped steps {callback.skipped_steps[:5]}")
        return {"backend": keras.backend.backend(), **result}


def log_call_vs_limit(log: Callable[[int], object], forward: Callable[[], list[np.ndarray]], mosaics: list,
                      options: Any, repeats: int) -> dict[str, float]:
    """Median ms of `log(step)` and of its limit, alternated: `forward` (the probe's outputs on the
    host) and PNG-encoding the mosaics it logs (`step_logger.Mosaic`s) with the same encoder."""
    arrays = forward()
    pictures = []
    for mosaic in mosaics:
        data = [arrays[i] for i in mosaic.outputs]
        pictures.append(tile(data[0] if len(data) == 1 else data, options)[0])
    steps = iter(range(1, 10**9))

    def limit() -> None:
        forward()
        for picture in pictures:
            encode_png(picture)

    full, floor = alternate(lambda: log(next(steps)), limit, repeats)
    # The call spreads its work over spare cores (tb_convcam/workers.py); its CPU time says what that hides.
    full_cpu, floor_cpu = alternate(lambda: log(next(steps)), limit, max(3, repeats // 2), time.process_time)
    return {"log_call_ms": full * 1e3, "limit_ms": floor * 1e3, "ratio": full / floor,
            "log_call_cpu_ms": full_cpu * 1e3, "limit_cpu_ms": floor_cpu * 1e3, "cpu_ratio": full_cpu / floor_cpu}


def log_call_in_subprocess(backend: str, repeats: int, timeout: float = 600) -> dict[str, float | str]:
    """`log_call_ratio` on another Keras backend ("jax", "torch"): Keras picks it at import."""
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "2"}
    done = subprocess.run(
        [sys.executable, "-m", "bench.logging_cost", "log-call", "--repeats", str(repeats)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout,
    )
    if done.returncode != 0:
        raise RuntimeError(f"log_call_in_subprocess({backend!r}) exited {done.returncode}:\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if result["backend"] != backend:
        raise RuntimeError(f"log_call_in_subprocess: asked for {backend!r}, Keras ran {result['backend']!r}")
    return result


def fit_overhead(steps: int, repeats: int) -> dict[str, float | list[float]]:
    """model.fit for `steps` steps with the callback every 100 steps, against without it.

    `ratio`: the median of the wall-time ratios of adjacent pairs of fits
    (`bench.timing.paired`). It sees everything the callback causes, but one
    fit can take two or three times as long as the next on a shared machine
    (TensorFlow gets one core or two), so it needs many pairs to resolve 2 %.
    `inside_share`: the seconds spent inside the callback's hooks over
    the wall time of the same fits. Both come from the same fits, so a slow
    spell slows both. It misses costs outside the hooks; none is known on
    TensorFlow (Keras dispatches batch hooks synchronously there with or
    without the callback; on JAX a batch hook turns off its async dispatch).
    """
    from demo import data

    images, labels = data.make_images(steps * 32, 64, seed=0)
    with tempfile.TemporaryDirectory() as log_dir:
        model, callback = demo_callback(log_dir, every=100)
        # Resolve the layers and trace the probe forward outside the measurement: once per callback,
        # 0.24 s against 0.03 s per log, it would outweigh all the logging of two pairs of fits.
        callback.on_train_begin()
        callback.on_train_end()
        in_hooks = time_hooks(callback, ("on_train_begin", "on_train_batch_end", "on_train_end"))
        fit = lambda callbacks: model.fit(images, labels, batch_size=32, epochs=1, verbose=0, callbacks=callbacks)
        fit([])  # trace the train step once, outside the measurement
        pairs = paired(lambda: fit([callback]), lambda: fit([]), repeats)
    return overhead(pairs, in_hooks)


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
            callback._log(step)
        callback.on_train_end()
        size = sum(os.path.getsize(os.path.join(log_dir, f)) for f in os.listdir(log_dir))
        tags = len(callback._paths)
        mosaics = tags * 11 + tags  # 11 logged steps, plus each tag's baseline companion
        return {"bytes_per_mosaic": size / mosaics, "tags": tags}


def main() -> None:
    """`python -m bench.logging_cost log-call --repeats N`: one JSON line (for another backend's process)."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("what", choices=["log-call"])
    parser.add_argument("--repeats", type=int, default=25)
    args = parser.parse_args()
    print(json.dumps(log_call_ratio(args.repeats)))


if __name__ == "__main__":
    main()
