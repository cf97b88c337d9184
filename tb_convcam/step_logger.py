"""What every framework's logger shares: its arguments, schedule and failure policy.

The Keras callback and the PyTorch logger differ only in how they find layers
and run the probe. Everything after the probe's arrays are on the host is
here: tiling each tag, the baseline companion at the first logged step, the
probe image with the first step, each layer's health metrics (as scalars, and
per kernel in the step info; computed once per layer even when it is in
several mosaics), one event per kind of record, and the rule that a logging
hiccup never kills training (it warns once per kind, the step goes to
`skipped_steps`, and the next log goes on).
"""

from __future__ import annotations

import dataclasses
import os
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol, Union

import numpy as np
from tensorboard.compat.proto import summary_pb2

from tb_convcam import health as health_lib
from tb_convcam import metadata, records
from tb_convcam.mosaic import MAX_SOURCES, SourceCache, TileOptions
from tb_convcam.workers import Workers, finish, spare_cores

LayerSpec = Union[str, tuple[str, ...]]
LayersArg = Union[Sequence[LayerSpec], Mapping[str, LayerSpec]]


class Sink(Protocol):
    """Where a step's summaries go: `event_writer.EventWriter`, or a user's SummaryWriter."""

    def write(self, step: int, summaries: Sequence[summary_pb2.Summary]) -> bool: ...

    def close(self) -> None: ...


@dataclasses.dataclass(frozen=True)
class Mosaic:
    """One tag: the paths asked for, the layers they resolved to, and where their arrays
    are in the probe's outputs (a source shown in several mosaics is computed once)."""

    tag: str
    names: tuple[str, ...]
    resolved: tuple[str, ...]
    outputs: tuple[int, ...]


class StepLogger:
    """Tile, encode and write the mosaics of each logged step, warning (not raising) on failures."""

    def __init__(
        self,
        owner: str,
        sink: Sink,
        where: str,
        mosaics: Sequence[Mosaic],
        options: TileOptions,
        also_to_images: bool,
        probe_images: np.ndarray | None = None,
        health_metrics: bool = True,
        batch_indices: Sequence[int] | None = None,
    ) -> None:
        """`probe_images`: the probe's image input on the host, [B, H, W, C] (None if it has none):
        logged as the probe image, and what the `echo` metric compares maps with.
        `batch_indices`: the probe images the mosaics show (default: options.batch_index)."""
        self.owner = owner  # names the logger in warnings
        self.where = where  # names the destination in warnings
        self.mosaics = list(mosaics)
        self.options = options
        self.item_options = [options.updated({"batch_index": i}) for i in batch_indices or [options.batch_index]]
        self._sink = sink
        self._writes = {
            (m.tag, baseline): records.writes(m.tag, m.names, m.resolved, None, baseline, also_to_images)
            for m in self.mosaics
            for baseline in (False, True)
        }
        # Each computed layer's scalar tag name: the path first asked for it.
        self._source_names: dict[int, str] = {}
        for m in self.mosaics:
            for name, output in zip(m.names, m.outputs):
                self._source_names.setdefault(output, name)
        self._probe_images = probe_images
        self._probe_pending = probe_images is not None  # written with the first step that reaches the sink
        self._grey = None if probe_images is None else health_lib.GreyProbe(probe_images)
        self.health_metrics = health_metrics and self._grey is not None
        self._baselines: dict[int, health_lib.Baseline] = {}
        self.worker_count = spare_cores()  # threads a log call may use beside its own
        self.last_logged: int | None = None
        self.skipped_steps: list[int] = []  # logged steps lost (in part or whole) to failures
        self._warned: set[str] = set()

    def is_due(self, step: int, every_n_steps: int) -> bool:
        """The first log (the baseline), and whenever `step` crosses a multiple of every_n_steps."""
        return self.last_logged is None or step // every_n_steps > self.last_logged // every_n_steps

    def log(self, step: int, forward: Callable[[], list[np.ndarray]]) -> bool:
        """Run `forward` (the probe: host arrays [B, H, W, C], one per output) and write the
        step's mosaics. True iff every mosaic reached the sink; the first log is the baseline."""
        is_baseline = self.last_logged is None
        self.last_logged = step
        try:
            arrays = forward()
        except Exception as error:  # a logging hiccup must never kill training
            self._skip(step, "forward", f"probe forward failed at step {step}: {error!r}")
            return False
        with Workers(self.worker_count) as workers:  # no thread outlives the call: forks stay safe
            prepared, pngs, layer_health = self._prepare(step, arrays, is_baseline, workers)
        summaries = records.summaries(prepared, pngs) if prepared else []
        if layer_health:
            summaries.append(records.scalars({
                metadata.metric_tag(self._source_names[i], metric): value
                for i, result in layer_health.items() for metric, value in result.metrics().items()
            }))
        with_probe = self._probe_pending
        if with_probe:
            try:
                summaries.append(records.probe_image(
                    [_picture(self._probe_images[item.batch_index]) for item in self.item_options]))
            except Exception as error:
                with_probe = False
                self._skip(step, "probe image", f"could not log the probe image at step {step}: {error!r}")
        if not summaries:
            return False
        try:
            reached = self._sink.write(step, summaries)
            problem = "disk full or log directory gone?"
        except Exception as error:
            reached, problem = False, repr(error)
        if reached and with_probe:
            self._probe_pending = False
        if not reached:
            self._skip(step, "write", f"convcam events for step {step} did not reach {self.where!r} ({problem}); "
                       "the next log goes to a new event file")
        return reached and len(prepared) == len(self.mosaics)

    def _prepare(
        self, step: int, arrays: list[np.ndarray], is_baseline: bool, workers: Workers
    ) -> tuple[list[records.PreparedMosaic], list[list[bytes]], dict[int, health_lib.LayerHealth]]:
        """Tile every tag, measure each layer's health, and describe and encode the pictures. The PNG
        encodes go to spare cores (zlib runs without the GIL) while this thread tiles and computes
        the health (NumPy on small maps: mostly holding the GIL); see workers.py."""
        tiled, cache = [], SourceCache()
        for m in self.mosaics:
            try:
                items = records.tile_items([arrays[i] for i in m.outputs], m.names, self.item_options, cache)
            except Exception as error:
                self._skip_tag(step, m.tag, error)
                continue
            tiled.append((m, items, [workers.submit(records.encode_png, picture) for picture, _ in items]))
        layer_health = self._health(step, arrays) if self.health_metrics else {}
        described = []
        for m, items, encodes in tiled:
            per_kernel = None
            if all(i in layer_health for i in m.outputs):
                per_kernel = [{"echo": layer_health[i].kernel_echo, "change": layer_health[i].kernel_change}
                              for i in m.outputs]
            try:
                described.append((m, items, encodes, [records.step_info(layout, per_kernel) for _, layout in items]))
            except Exception as error:
                self._skip_tag(step, m.tag, error)
        finish([job for _, _, encodes, _ in described for job in encodes])
        prepared, pngs = [], []
        for m, items, encodes, infos in described:
            try:
                pngs.append([job.result() for job in encodes])
            except Exception as error:
                self._skip_tag(step, m.tag, error)
                continue
            prepared.append(records.PreparedMosaic([picture for picture, _ in items], infos,
                                                   self._writes[m.tag, is_baseline]))
        return prepared, pngs, layer_health

    def _health(self, step: int, arrays: list[np.ndarray]) -> dict[int, health_lib.LayerHealth]:
        """Each computed layer's health, against its baseline (kept from the first log)."""
        result = {}
        for i, name in self._source_names.items():
            try:
                if i not in self._baselines:
                    self._baselines[i] = health_lib.baseline(arrays[i])
                result[i] = health_lib.layer_health(arrays[i], self._grey, self._baselines[i])
            except Exception as error:
                self._skip(step, "health", f"health metrics of {name!r} failed at step {step}: {error!r}")
        return result

    def close(self) -> None:
        self._sink.close()
        if self.skipped_steps:
            warnings.warn(
                f"{self.owner}: {len(self.skipped_steps)} logged step(s) were skipped or incomplete "
                f"because of failures: {self.skipped_steps[:20]}"
            )

    def _skip_tag(self, step: int, tag: str, error: Exception) -> None:
        """A mosaic that failed at one of its stages (tiling, step info, encoding)."""
        self._skip(step, tag, f"could not log {tag!r} at step {step}: {error!r}")

    def _skip(self, step: int, kind: str, message: str) -> None:
        if step not in self.skipped_steps:
            self.skipped_steps.append(step)
        if kind not in self._warned:
            self._warned.add(kind)
            warnings.warn(f"{self.owner}: {message}; skipped (further failures of this kind are not reported)")


def split_batch_index(tile_options: Mapping[str, Any]) -> tuple[TileOptions, tuple[int, ...]]:
    """The loggers' tile options, and the probe images their mosaics show: `batch_index` may be
    one index or a list of them (a mosaic per image per step, each stored in full)."""
    options = dict(tile_options)
    indices = options.get("batch_index", 0)
    if isinstance(indices, (list, tuple)):
        if not indices or len(set(indices)) != len(indices) or not all(
            isinstance(i, (int, np.integer)) and not isinstance(i, bool) and i >= 0 for i in indices
        ):
            raise ValueError(f"batch_index: expected an int >= 0 or a non-empty list of distinct ones, got {indices!r}")
        options["batch_index"] = max(indices)  # checked against the probe's batch size like one index
        return TileOptions().updated(options), tuple(int(i) for i in indices)
    result = TileOptions().updated(options)
    return result, (result.batch_index,)


def _picture(image: np.ndarray) -> np.ndarray:
    """A probe image [H, W, C] as a uint8 picture stretched to its own range: probes come in any
    units (0..1, 0..255, mean/std-normalised). One channel is grey, three RGB, others their mean."""
    image = np.nan_to_num(np.asarray(image, np.float32))
    if image.ndim == 3:
        image = image[..., 0] if image.shape[-1] == 1 else image if image.shape[-1] == 3 else image.mean(-1)
    low, high = float(image.min()), float(image.max())
    scaled = (image - low) / (high - low) * 255 if high > low else np.zeros_like(image)
    return np.round(scaled).astype(np.uint8)


def plan_outputs(resolved: Mapping[str, Sequence[str]]) -> tuple[list[str], dict[str, tuple[int, ...]]]:
    """The unique layers to compute, in first-seen order, and each tag's positions among them."""
    unique = list(dict.fromkeys(name for names in resolved.values() for name in names))
    index = {name: i for i, name in enumerate(unique)}
    return unique, {tag: tuple(index[name] for name in names) for tag, names in resolved.items()}


def parse_layers(layers: LayersArg) -> dict[str, tuple[str, ...]]:
    """Normalise the `layers` argument to `{tag: (path, ...)}`."""
    if isinstance(layers, Mapping):
        items = list(layers.items())
    elif isinstance(layers, Sequence) and not isinstance(layers, str):
        items = [(spec if isinstance(spec, str) else "+".join(map(str, spec)), spec) for spec in layers]
    else:
        raise TypeError(f"layers: expected a list of layer paths or a dict {{tag: path}}, got {type(layers).__name__}")
    if not items:
        raise ValueError("layers: expected at least one layer path, got none")
    specs: dict[str, tuple[str, ...]] = {}
    for tag, spec in items:
        paths = (spec,) if isinstance(spec, str) else tuple(spec) if isinstance(spec, (tuple, list)) else None
        if (
            not isinstance(tag, str)
            or not tag
            or paths is None
            or not 1 <= len(paths) <= MAX_SOURCES
            or not all(isinstance(p, str) and p.strip("/") for p in paths)
        ):
            raise ValueError(
                f"layers: expected each entry to be a layer path or a tuple of 2-{MAX_SOURCES} paths "
                f"under a non-empty tag, got {tag!r}: {spec!r}"
            )
        if tag in specs:
            raise ValueError(f"layers: tag {tag!r} appears twice")
        specs[tag] = paths
    return specs


def check_log_dir(log_dir: Any) -> str:
    if not isinstance(log_dir, (str, os.PathLike)) or not os.fspath(log_dir):
        raise TypeError(f"log_dir: expected a directory path, got {log_dir!r}")
    log_dir = os.fspath(log_dir)
    if os.path.exists(log_dir) and not os.path.isdir(log_dir):
        raise ValueError(f"log_dir: expected a directory, got {log_dir!r}, which is a file")
    return log_dir


def check_every_n_steps(every_n_steps: Any) -> int:
    if not isinstance(every_n_steps, (int, np.integer)) or isinstance(every_n_steps, bool):
        raise TypeError(f"every_n_steps: expected a positive int, got {type(every_n_steps).__name__}")
    if every_n_steps < 1:
        raise ValueError(f"every_n_steps: expected a positive int, got {every_n_steps}")
    return int(every_n_steps)
