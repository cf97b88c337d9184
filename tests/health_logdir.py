"""A small logdir with health metrics and a probe image, written record by record.

Built from tb_convcam.records, metadata and event_writer alone (no logger, no
TensorFlow), the way a logger writes a step: the mosaics (with baseline
companions at the first step), one scalar per layer source and health metric,
and the probe image with the first step. Every value is a short binary
fraction, so float32 keeps it exactly and a test can compare for equality.

Runs:
  "blank", "trained"  step info version 2 with per-kernel health, health scalars, a probe image;
  "two_probes"        like "blank", but of a batch of three probe images, logged for two of them
                      (batch_index=[2, 0]): a mosaic per image per step, two probe PNGs;
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
TWO_PROBE_RUN = "two_probes"
HEALTH_RUNS = ("blank", "trained", TWO_PROBE_RUN)
LEGACY_RUN = "legacy"
SHOWN_ITEMS = {TWO_PROBE_RUN: (2, 0)}  # the probe batch items each run's mosaics show, in order
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


def probe_batch(run: str) -> list[np.ndarray]:
    """The run's batch of probe images, each [24, 24] uint8: `probe_picture` alone, or for
    TWO_PROBE_RUN three of them, item 2 a bright square over horizontal bars."""
    if run != TWO_PROBE_RUN:
        return [probe_picture()]
    y, x = np.mgrid[0:SIZE, 0:SIZE]
    square = (abs(x - 15) < 5) & (abs(y - 13) < 5)
    bars = np.where(square, 255, np.where(y // 3 % 2 == 0, 140, 10)).astype(np.uint8)
    return [probe_picture(), np.full((SIZE, SIZE), 80, np.uint8), bars]


def shown_probes(run: str) -> list[np.ndarray]:
    """The probe images the run's mosaics show, in the order of a step's [mosaic, step info] pairs."""
    batch = probe_batch(run)
    return [batch[item] for item in SHOWN_ITEMS.get(run, (0,))]


def activations(run: str, source: str, step: int) -> np.ndarray:
    """[B, 24, 24, C] ReLU maps of the probe batch: echoes of it when blank, edges that sharpen as `trained` learns."""
    return np.stack([_maps(run, source, step, picture) for picture in probe_batch(run)])


def _maps(run: str, source: str, step: int, picture: np.ndarray) -> np.ndarray:
    """[24, 24, C] maps of one probe image."""
    image = picture.astype(np.float32) / 255
    count = KERNELS[source]
    learned = step / STEPS[-1] if run == "trained" else 0.0
    edges = np.abs(np.gradient(image, axis=1)) + np.abs(np.gradient(image, axis=0))
    maps = [(1 - learned) * image * (1 + k) + learned * edges * (2 + k) for k in range(count)]
    if source == "xa/conv1":
        maps[DEAD_KERNEL] = np.zeros_like(image)
        maps[DORMANT_KERNEL] = 1e-5 * (image + 1)
    return np.maximum(np.stack(maps, axis=-1), 0).astype(np.float32)


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


def mosaic_pngs(run: str, layer: str, step: int) -> list[bytes]:
    """The mosaic PNGs a step of the layer holds, one per probe image shown, as the writer encodes them."""
    return [records.encode_png(picture) for picture in _prepared(run, layer, step).pictures]


def write_health_logdir(root: Path) -> Path:
    for run in (*HEALTH_RUNS, LEGACY_RUN):
        writer = EventWriter(str(root / run))
        for step in STEPS:
            assert writer.write(step, _step_summaries(run, step)), f"{run} step {step} not written"
        writer.close()
    return root


def _prepared(run: str, layer: str, step: int) -> records.PreparedMosaic:
    """A layer's step as the logger prepares it: a mosaic per probe image shown, its step info, its records."""
    legacy = run == LEGACY_RUN
    sources = SOURCES[layer]
    writes = records.writes(layer, sources, None, None, baseline=step == STEPS[0], also_to_images=False)
    health = None if legacy else [kernel_health(run, source, step) for source in sources]
    options = [TileOptions(batch_index=item) for item in SHOWN_ITEMS.get(run, (0,))]
    mosaic = records.prepare([activations(run, source, step) for source in sources], sources, options,
                             writes, health=health)
    return dataclasses.replace(mosaic, infos=[_version_1(info) for info in mosaic.infos]) if legacy else mosaic


def _step_summaries(run: str, step: int) -> list:
    legacy = run == LEGACY_RUN
    first = step == STEPS[0]
    summaries = records.summaries([_prepared(run, layer, step) for layer in SOURCES])
    if not legacy:
        summaries.append(records.scalars({
            metadata.metric_tag(source, metric): metric_value(run, source, metric, step)
            for source in KERNELS for metric in metadata.METRICS
        }))
        if first:
            summaries.append(records.probe_image(shown_probes(run)))
    return summaries


def _version_1(info: bytes) -> bytes:
    """Step info as written before health metrics: the same fields, version 1, no "health"."""
    parsed = json.loads(info)
    parsed["version"] = 1
    return json.dumps(parsed, separators=(",", ":")).encode("utf-8")
