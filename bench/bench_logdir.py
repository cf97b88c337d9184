"""The serving benchmarks' logdir: 10 runs x 6 layers x 500 steps, written by the real writer.

Activations are small ([1, 8..16, 8..16, 32..128] per layer) ReLU'd noise in
4x4 blocks: spatially correlated like real feature maps, and cheap to
PNG-encode (white noise costs twice the time for a less realistic picture).
Every mosaic also goes to the stock Images dashboard (`also_to_images=True`)
so both plugins can serve the very same PNG; step 0 is the baseline. Runs are
written by two processes in parallel.

The logdir is cached (default `$TMPDIR/tb_convcam_bench_logdir`) so --quick
runs do not rewrite it. The rule (`logdir_state`): a logdir is reused only if
this user owns it and everything in it, nothing in it is a link or writable
by group or others, and its marker (`bench_logdir.json`: "writing" until the
last run is written, then "complete") names the same LogdirShape and the
same writer version (`writer_version`: a hash of the code that draws and
writes the mosaics). A logdir of ours that fails the rule is rewritten,
saying why; one that is not ours (another owner, a link, or a non-empty
folder with no marker, which may be someone's data) is never deleted: the
bench stops and says so.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import inspect
import json
import multiprocessing
import os
import shutil
import stat
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


# The tb_convcam modules summary.mosaic draws and writes with: part of the writer version.
WRITER_MODULES = ("summary.py", "mosaic.py", "records.py", "metadata.py")


class NotOurLogdir(RuntimeError):
    """The logdir exists but is not one this user's bench wrote: it is left alone."""


def writer_version() -> str:
    """A hash of what decides the logdir's bytes: this module's drawing and writing code and tb_convcam's writer."""
    digest = hashlib.sha256()
    for function in (LogdirShape.layer_shapes, write_run, blocky_activations):
        digest.update(inspect.getsource(function).encode())
    package = Path(__file__).resolve().parent.parent / "tb_convcam"
    for name in WRITER_MODULES:
        digest.update((package / name).read_bytes())
    return digest.hexdigest()[:16]


def logdir_state(shape: LogdirShape, root: Path) -> str | None:
    """None if `root` may be reused as it is, else why it must be (re)written.

    Raises NotOurLogdir for a logdir that must not be touched.
    """
    try:
        info = root.lstat()
    except FileNotFoundError:
        return "it does not exist"
    uid = os.getuid()
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
        raise NotOurLogdir(f"{root} is a link or not a folder; pass --logdir PATH to use another place")
    if info.st_uid != uid:
        raise NotOurLogdir(f"{root} belongs to uid {info.st_uid}, not to you (uid {uid}): it is not reused "
                           f"or deleted; pass --logdir PATH to write the bench logdir elsewhere")
    marker = root / STAMP
    if not marker.exists():
        if any(root.iterdir()):
            raise NotOurLogdir(f"{root} is not empty and has no {STAMP}: not a bench logdir, so it is not "
                               f"deleted; remove it yourself or pass --logdir PATH")
        return "it is empty"
    for path in [root, *root.rglob("*")]:
        entry = path.lstat()
        if stat.S_ISLNK(entry.st_mode):
            return f"it holds a link ({path})"
        if entry.st_uid != uid:
            return f"{path} belongs to uid {entry.st_uid}"
        if entry.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            return f"{path} is writable by group or others"
    try:
        stamp = json.loads(marker.read_text())
    except (OSError, ValueError) as error:
        return f"its {STAMP} is unreadable ({error})"
    if not isinstance(stamp, dict) or "shape" not in stamp:
        return f"its {STAMP} is from an older bench (no writer version)"
    if stamp.get("state") != "complete":
        return "an earlier write did not finish"
    if stamp["shape"] != dataclasses.asdict(shape):
        return f"it was written for {stamp['shape']}, not {dataclasses.asdict(shape)}"
    if stamp.get("writer") != writer_version():
        return f"it was written by writer version {stamp.get('writer')}, this is {writer_version()}"
    return None


def ensure_logdir(shape: LogdirShape = LogdirShape(), root: Path = DEFAULT_CACHE) -> Path:
    """The cached logdir for `shape` under `root`, written first unless `logdir_state` allows reuse.

    Says on stdout which it did and why; raises NotOurLogdir rather than delete what is not ours.
    """
    reason = logdir_state(shape, root)
    if reason is None:
        stamp = json.loads((root / STAMP).read_text())
        print(f"bench logdir: reusing {root} (written {stamp.get('written_at', '?')}, writer {stamp['writer']})", flush=True)
        return root
    print(f"bench logdir: writing {root} because {reason}", flush=True)
    if root.exists():
        shutil.rmtree(root)  # ours (logdir_state checked): errors are raised, not ignored
    root.mkdir(parents=True, mode=0o755)
    wanted = {"shape": dataclasses.asdict(shape), "writer": writer_version()}
    write_marker(root, {**wanted, "state": "writing"})
    jobs = [(str(root / run), shape, seed) for seed, run in enumerate(shape.run_names())]
    with multiprocessing.get_context("spawn").Pool(min(2, os.cpu_count() or 1)) as pool:
        pool.starmap(write_run, jobs)
    for path in [root, *root.rglob("*")]:  # whatever the umask: nobody else may change what we reuse
        path.chmod(path.lstat().st_mode & 0o7755)
    written_at = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    write_marker(root, {**wanted, "state": "complete", "written_at": written_at})
    return root


def write_marker(root: Path, stamp: dict) -> None:
    temporary = root / (STAMP + ".tmp")
    temporary.write_text(json.dumps(stamp))
    os.replace(temporary, root / STAMP)


def write_run(run_dir: str, shape: LogdirShape, seed: int) -> None:
    """One run: every layer at every step, with health scalars (smooth random walks: the tab's
    curves draw them, what they say does not matter here) and a probe image at step 0."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as tf

    from tb_convcam import metadata, records, summary

    rng = np.random.default_rng(seed)
    layers = shape.layer_shapes()
    health = {(tag, metric): rng.uniform(0.2, 0.8) for tag in layers for metric in metadata.METRICS}
    writer = tf.summary.create_file_writer(run_dir, max_queue=1000)
    with writer.as_default():
        probe = (rng.uniform(size=(64, 64, 3)) * 255).astype(np.uint8)
        tf.summary.experimental.write_raw_pb(records.probe_image([probe]).SerializeToString(), step=0)
        for step in range(shape.steps):
            for tag, layer_shape in layers.items():
                summary.mosaic(tag, blocky_activations(rng, layer_shape), step=step, baseline=step == 0, also_to_images=True)
                for metric in metadata.METRICS:
                    value = health[tag, metric] = float(np.clip(health[tag, metric] + rng.normal(0, 0.02), 0, 1))
                    tf.summary.scalar(metadata.metric_tag(tag, metric), value, step=step)
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
