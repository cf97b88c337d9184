"""A small logdir with health metrics and a probe image, written record by record.

Built from tb_convcam.records, metadata and event_writer alone (no logger, no
TensorFlow), the way a logger writes a step: the mosaics (with baseline
companions at the first step), one scalar per layer source and health metric,
and the probe image with the first step. Every value is a short binary
fraction, so float32 keeps it exactly and a test can compare for equality.

Runs:
  "blank", "trained"  step info version 2 with per-kernel health, health scalars, a probe image;
  "legacy"            step info version 1, nothing else: a log from before health metrics.
Layers:
  "xa/conv1"          8 kernels; kernel 3 is dead (zero everywhere), kernel 5 dormant (tiny);
  "dual/conv1"        "xa/conv1" and "xb/conv1" (6 kernels) merged.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np

from tb_convcam import metadata, records
from tb_convcam.event_writer import EventWriter
from tb_convcam.mosaic import TileOptions

STEPS = (0, 10, 20, 30)
HEALTH_RUNS = ("blank", "trained")
LEGACY_RUN = "legacy"
LAYER = "xa/conv1"
DUAL_LAYER = "dual/conv1"
SOURCES = {LAYER: ("xa/conv1",), DUAL_LAYER: ("xa/conv1", "xb/conv1")}
KERNELS = {"xa/conv1": 8, "xb/conv1": 6}
DEAD_KERNEL = 3  # of xa/conv1
DORMANT_KERNEL = 5  # of xa/conv1
SIZE = 24


def probe_picture() -> np.ndarray:
    """The probe image, [24, 24] uint8: a bright disc over diagonal stripes."""
    y, x = np.mgrid[0:SIZE, 0:SIZE]
    disc = (x - 9) ** 2 + (y - 10) ** 2 < 36
    stripes = (x + y) // 4 % 2 == 0
    return np.where(disc, 255, np.where(stripes, 110, 30)).astype(np.uint8)


def activations(run: str, source: str, step: int) -> np.ndarray:
    """[1, 24, 24, C] ReLU maps of the probe: echoes of it when blank, edges that sharpen as `trained` learns."""
    image = probe_picture().astype(np.float32) / 255
    count = KERNELS[source]
    learned = step / STEPS[-1] if run == "trained" else 0.0
    edges = np.abs(np.gradient(image, axis=1)) + np.abs(np.gradient(image, axis=0))
    maps = [(1 - learned) * image * (1 + k) + learned * edges * (2 + k) for k in range(count)]
    if source == "xa/conv1":
        maps[DEAD_KERNEL] = np.zeros_like(image)
        maps[DORMANT_KERNEL] = 1e-5 * (image + 1)
    return np.maximum(np.stack(maps, axis=-1), 0)[None].astype(np.float32)


def kernel_health(run: str, source: str, step: int) -> dict[str, np.ndarray]:
    """Each kernel's echo and change since the baseline, over all the source's kernels."""
    count = KERNELS[source]
    kernels = np.arange(count)
    fade = 1 - step / 64 if run == "trained" else 1.0
    echo = (count - kernels) / count * fade
    change = (kernels + 1) / count * step / 64 if run == "trained" else np.zeros(count)
    if source == "xa/conv1":
        echo[DEAD_KERNEL] = change[DEAD_KERNEL] = 0.0
    return {"echo": echo.astype(np.float32), "change": change.astype(np.float32)}


def metric_value(run: str, source: str, metric: str, step: int) -> float:
    """The logged value of one health scalar."""
    trained = run == "trained"
    dead = 1 if source == "xa/conv1" else 0
    values = {
        "dead_fraction": dead / KERNELS[source],
        "dormant_fraction": 2 * dead / KERNELS[source],
        "echo": 0.75 - step / 128 if trained else 0.75,
        "drift": step / 64 if trained else 0.0,
    }
    return float(np.float32(values[metric]))


def logged_curves(run: str, source: str) -> dict[str, list[list[float]]]:
    """What the health route answers for one source of a health run: {metric: [[step, value], ...]}."""
    return {metric: [[step, metric_value(run, source, metric, step)] for step in STEPS] for metric in metadata.METRICS}


def probe_png() -> bytes:
    return records.encode_png(probe_picture())


def write_health_logdir(root: Path) -> Path:
    for run in (*HEALTH_RUNS, LEGACY_RUN):
        writer = EventWriter(str(root / run))
        for step in STEPS:
            assert writer.write(step, _step_summaries(run, step)), f"{run} step {step} not written"
        writer.close()
    return root


def _step_summaries(run: str, step: int) -> list:
    legacy = run == LEGACY_RUN
    first = step == STEPS[0]
    prepared = []
    for tag, sources in SOURCES.items():
        writes = records.writes(tag, sources, None, None, baseline=first, also_to_images=False)
        health = None if legacy else [kernel_health(run, source, step) for source in sources]
        mosaic = records.prepare([activations(run, source, step) for source in sources], sources, [TileOptions()],
                                 writes, health=health)
        prepared.append(dataclasses.replace(mosaic, infos=[_version_1(info) for info in mosaic.infos]) if legacy
                        else mosaic)
    summaries = records.summaries(prepared)
    if not legacy:
        summaries.append(records.scalars({
            metadata.metric_tag(source, metric): metric_value(run, source, metric, step)
            for source in KERNELS for metric in metadata.METRICS
        }))
        if first:
            summaries.append(records.probe_image([probe_picture()]))
    return summaries


def _version_1(info: bytes) -> bytes:
    """Step info as written before health metrics: the same fields, version 1, no "health"."""
    parsed = json.loads(info)
    parsed["version"] = 1
    return json.dumps(parsed, separators=(",", ":")).encode("utf-8")
