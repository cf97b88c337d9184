"""Benchmark: tiling + PNG encoding one mosaic, against PNG-encoding alone.

The floor for logging a mosaic is encoding a PNG of the same size; this
prints, per seed shape, the median time of each and their ratio (measured
alternately in one run, so machine noise hits both alike).

    python bench/tile_encode.py [--repeats 30]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from tb_convcam import metadata, tile  # noqa: E402

SEED_SHAPES = {
    "Xception add_10 @299 (19x19x728)": (19, 19, 728),
    "InceptionResNetV2 conv_7b_ac (8x8x1536)": (8, 8, 1536),
    "11x7x1536": (11, 7, 1536),
    "early layer (147x147x64)": (147, 147, 64),
}


def tile_and_encode(activations: np.ndarray) -> None:
    mosaic, layout = tile(activations)
    tf.io.encode_png(mosaic[:, :, None])
    metadata.encode_step_info(layout)


def encode_only(picture: np.ndarray) -> None:
    tf.io.encode_png(picture)


def median_seconds(samples: list[float]) -> float:
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    print(f"{'shape':42} {'tile+encode ms':>15} {'encode ms':>10} {'ratio':>6}")
    for name, shape in SEED_SHAPES.items():
        activations = np.maximum(rng.normal(size=(1, *shape)), 0).astype(np.float32)  # ReLU-like
        mosaic, _ = tile(activations)
        picture = rng.integers(0, 256, size=(*mosaic.shape, 1), dtype=np.uint8)
        picture[...] = mosaic[:, :, None]  # same content, so the encoder does the same work
        full, floor = [], []
        for _ in range(args.repeats):
            for work, arg, samples in ((tile_and_encode, activations, full), (encode_only, picture, floor)):
                started = time.perf_counter()
                work(arg)
                samples.append(time.perf_counter() - started)
        ratio = median_seconds(full) / median_seconds(floor)
        print(f"{name:42} {median_seconds(full) * 1e3:15.2f} {median_seconds(floor) * 1e3:10.2f} {ratio:6.2f}")


if __name__ == "__main__":
    main()
