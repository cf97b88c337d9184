"""The serving benchmarks' logdir: 10 runs x 6 layers x 500 steps, written by the real writer.

Activations are small ([1, 8..16, 8..16, 32..128] per layer) ReLU'd noise in
4x4 blocks: spatially correlated like real feature maps, and cheap to
PNG-encode (white noise costs twice the time for a less realistic picture).
Every mosaic also goes to the stock Images dashboard (`also_to_images=True`)
so both plugins can serve the very same PNG; step 0 is the baseline. Runs are
written by two processes in parallel. The logdir is cached: one whose stamp
file holds the same shape is reused, so --quick runs do not rewrite it.
"""

from __future__ import annotations

import dataclasses
import json
import multiprocessing
import os
import shutil
import struct
import tempfile
from pathlib import Path

import numpy as np

DEFAULT_CACHE = Path(tempfile.gettempdir()) / "tb_convcam_bench_logdir"
STAMP = "bench_logdir.json"
BLOCK = 4  # activations are constant over BLOCK x BLOCK pixels


@dataclasses.dataclass(frozen=True)
class LogdirShape:
    runs: int = 10
    layers: int = 6
    steps: int = 500

    def run_names(self) -> list[str]:
        return [f"run{i:02d}" for i in range(self.runs)]

    def layer_shapes(self) -> dict[str, tuple[int, int, int, int]]:
        """Layer tag -> activation shape; fixed per layer so its geometry stays the same."""
        rng = np.random.default_rng(1234)
        return {
            f"block{i}/conv": (1, int(rng.integers(8, 17)), int(rng.integers(8, 17)), int(rng.integers(32, 129)))
            for i in range(self.layers)
        }


def ensure_logdir(shape: LogdirShape = LogdirShape(), root: Path = DEFAULT_CACHE) -> Path:
    """The cached logdir for `shape` under `root`, written first if missing or of another shape."""
    stamp = root / STAMP
    wanted = dataclasses.asdict(shape)
    if stamp.exists() and json.loads(stamp.read_text()) == wanted:
        return root
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    jobs = [(str(root / run), shape, seed) for seed, run in enumerate(shape.run_names())]
    with multiprocessing.get_context("spawn").Pool(min(2, os.cpu_count() or 1)) as pool:
        pool.starmap(write_run, jobs)
    stamp.write_text(json.dumps(wanted))
    return root


def write_run(run_dir: str, shape: LogdirShape, seed: int) -> None:
    """One run: every layer at every step."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as tf

    from tb_convcam import summary

    rng = np.random.default_rng(seed)
    layers = shape.layer_shapes()
    writer = tf.summary.create_file_writer(run_dir, max_queue=1000)
    with writer.as_default():
        for step in range(shape.steps):
            for tag, layer_shape in layers.items():
                summary.mosaic(tag, blocky_activations(rng, layer_shape), step=step, baseline=step == 0, also_to_images=True)
    writer.close()


def blocky_activations(rng: np.random.Generator, shape: tuple[int, int, int, int]) -> np.ndarray:
    batch, height, width, channels = shape
    coarse = rng.standard_normal((batch, -(-height // BLOCK), -(-width // BLOCK), channels), dtype=np.float32)
    return np.maximum(coarse.repeat(BLOCK, 1).repeat(BLOCK, 2)[:, :height, :width], 0)


def bytes_per_mosaic(logdir: Path) -> dict[str, float]:
    """On-disk bytes per logged mosaic, convcam records alone (Images copies counted apart)."""
    from tensorboard.compat.proto import event_pb2

    convcam = images = mosaics = 0
    for path in logdir.glob("*/events.out.tfevents.*"):
        for record in tfrecords(path.read_bytes()):
            values = event_pb2.Event.FromString(record).summary.value
            # An event may hold several values (a step's records are written together):
            # each value counts its own bytes plus a share of the event's framing.
            shared = (len(record) + 16 - sum(value.ByteSize() for value in values)) / max(1, len(values))
            for value in values:
                size = value.ByteSize() + shared
                if value.tag.endswith("/image"):
                    images += size
                else:
                    convcam += size
                    mosaics += 1
    return {
        "bytes_per_mosaic": convcam / max(1, mosaics),
        "images_copy_bytes_per_mosaic": images / max(1, mosaics),
        "logdir_mb": (convcam + images) / 1e6,
    }


def tfrecords(data: bytes):
    """The payloads of a TFRecord file (CRCs not checked: we wrote it)."""
    offset = 0
    while offset + 12 <= len(data):
        (length,) = struct.unpack_from("<Q", data, offset)
        yield data[offset + 12 : offset + 12 + length]
        offset += 12 + length + 4
