"""ConvcamLogger: Convcam mosaics from a PyTorch training loop.

    convcam = ConvcamLogger("runs/exp1", model, layers={"dual/layer3": ("a.layer3", "b.layer3")},
                            probe=x_val[:4], every_n_steps=100)
    convcam.step(0)                  # the blank model, before training
    for step, (x, y) in enumerate(loader, start=1):
        ...; optimizer.step()
        convcam.step(step)           # logs when step crosses a multiple of every_n_steps
    convcam.close()

A training loop has no callback points, so the user calls `step`. The probe
pass (`torch_probe.py`) runs the unwrapped model at inference on a fixed
probe batch; tiling, records and the failure policy are shared with the Keras
callback (`step_logger.py`). Under `torch.distributed` only rank 0 probes and
writes. Configuration errors (unknown module, a non-4-D output, a probe the
forward rejects) raise at construction, from one probe forward on rank 0;
later failures warn once, go to `skipped_steps`, and training goes on.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from tensorboard.compat.proto import summary_pb2
from torch import nn

from tb_convcam import module_paths
from tb_convcam.event_writer import EventWriter
from tb_convcam.mosaic import check_request
from tb_convcam.step_logger import (
    LayersArg, Mosaic, Sink, StepLogger, check_every_n_steps, check_log_dir, parse_layers, plan_outputs,
    split_batch_index,
)
from tb_convcam.torch_probe import LayerError, TorchProbe, check_probe, nhwc_shape


class ConvcamLogger:
    """Log Convcam mosaics of `model`'s `layers` from a PyTorch training loop.

    Args:
      log_dir_or_writer: the run's directory, or a `torch.utils.tensorboard.SummaryWriter`
        (the mosaics then go into its event file, beside the user's scalars).
      model: the `nn.Module` being trained; DistributedDataParallel, DataParallel and
        `torch.compile` wrappers are looked through.
      layers: module paths as `model.named_modules()` names them ("backbone_a.layer3",
        "features.12"; a wrapper's "module." or "_orig_mod." prefix is optional; "tower@1"
        is the second call of a module called twice), a tuple of 2-3 paths (one RGB
        mosaic), a list of those, or `{tag: path or tuple}`.
      probe: the fixed input batch: a tensor, or a tuple (positional) or dict (keyword) of
        tensors as the model's forward takes them. Moved to the model's device.
      every_n_steps: `step` logs when the global step crosses a multiple of this.
      also_to_images: also write each mosaic to the stock Images dashboard.
      health_metrics: log each layer's health metrics (dead and dormant kernels, echo of the
        probe image, drift since the baseline) as scalars `convcam/<path>/<metric>`, and per
        kernel in the step info; compared with the probe's first image (4-D) tensor.
      **tile_options: passed to `tb_convcam.tile` (normalize, padding, ...); `batch_index` may
        be a list: a mosaic per listed probe image per step (each stored in full).
    """

    def __init__(
        self,
        log_dir_or_writer: str | os.PathLike | Any,
        model: nn.Module,
        layers: LayersArg,
        probe: Any,
        every_n_steps: int = 100,
        also_to_images: bool = False,
        health_metrics: bool = True,
        **tile_options: Any,
    ) -> None:
        sink, where = _sink(log_dir_or_writer)
        if not isinstance(model, nn.Module):
            raise TypeError(f"model: expected a torch.nn.Module, got {type(model).__name__}")
        specs = parse_layers(layers)
        check_probe(probe)
        self.every_n_steps = check_every_n_steps(every_n_steps)
        options, batch_indices = split_batch_index(tile_options)
        inner = module_paths.unwrap(model)
        paths = {tag: [module_paths.resolve(inner, path) for path in spec] for tag, spec in specs.items()}
        by_name = {path.resolved: path for tag_paths in paths.values() for path in tag_paths}
        unique, outputs = plan_outputs({tag: [p.resolved for p in tag_paths] for tag, tag_paths in paths.items()})
        self._probe = TorchProbe(inner, [by_name[name] for name in unique], probe)
        mosaics = [
            Mosaic(tag, tuple(p.requested for p in tag_paths), tuple(p.resolved for p in tag_paths), outputs[tag])
            for tag, tag_paths in paths.items()
        ]
        self._logger = StepLogger("ConvcamLogger", sink, where, mosaics, options, also_to_images,
                                  self._probe.images_nhwc(), bool(health_metrics), batch_indices)
        if is_chief():
            self._check_outputs()

    @property
    def skipped_steps(self) -> list[int]:
        """Logged steps lost (in part or whole) to failures."""
        return self._logger.skipped_steps

    @property
    def last_logged(self) -> int | None:
        """The step logged last, None before the first log."""
        return self._logger.last_logged

    def step(self, global_step: int) -> bool:
        """Log if this is the first call (the baseline) or `global_step` crossed a multiple of
        every_n_steps since the last log. True iff it logged (and every mosaic was written)."""
        step = _check_step(global_step)
        if not self._logger.is_due(step, self.every_n_steps):
            return False
        return self.log(step)

    def log(self, global_step: int) -> bool:
        """Log now, at `global_step`. True iff every mosaic was written; False on ranks other than 0."""
        step = _check_step(global_step)
        if not is_chief():
            return False
        return self._logger.log(step, self._probe.arrays)

    def close(self) -> None:
        """Flush; close the event file if this logger opened it (a given SummaryWriter stays open)."""
        self._logger.close()

    def __enter__(self) -> ConvcamLogger:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def _check_outputs(self) -> None:
        """One probe forward before training: every call gives a 4-D output the tile options fit."""
        try:
            outputs = self._probe.outputs()
        except LayerError:
            raise
        except Exception as error:
            raise ValueError(f"probe: the model's forward failed on the probe ({error!r}); expected the input "
                             "batch as the model's forward takes it (a tensor, or a tuple or dict of them)") from error
        shapes = {path.resolved: nhwc_shape(out, path) for out, path in zip(outputs, self._probe.paths)}
        for mosaic in self._logger.mosaics:
            check_request([shapes[name] for name in mosaic.resolved], self._logger.options,
                          source_names=list(mosaic.names))


def is_chief() -> bool:
    """Rank 0 writes; other ranks of a torch.distributed job do no probe work."""
    import torch.distributed as dist

    return not (dist.is_available() and dist.is_initialized()) or dist.get_rank() == 0


class _SummaryWriterSink:
    """A user's `SummaryWriter`: the mosaics go into its event file, beside the user's scalars.
    It writes in the background, so a write cannot be checked here; `close` only flushes."""

    def __init__(self, writer: Any) -> None:
        self.writer = writer

    def write(self, step: int, summaries: Sequence[summary_pb2.Summary]) -> bool:
        file_writer = self.writer._get_file_writer()  # public API only writes its own summary kinds
        for summary in summaries:
            file_writer.add_summary(summary, step)
        return True

    def close(self) -> None:
        self.writer.flush()


def _sink(target: Any) -> tuple[Sink, str]:
    if isinstance(target, (str, os.PathLike)):
        log_dir = check_log_dir(target)
        return EventWriter(log_dir), log_dir
    if is_summary_writer(target):
        return _SummaryWriterSink(target), target.get_logdir()
    raise TypeError(f"log_dir_or_writer: expected a directory path or a torch.utils.tensorboard.SummaryWriter, "
                    f"got {type(target).__name__}")


def is_summary_writer(target: Any) -> bool:
    """Whether `target` is a torch.utils.tensorboard.SummaryWriter. Checked without importing that
    module, which imports TensorFlow when it is installed: if it is not loaded, no writer exists."""
    module = sys.modules.get("torch.utils.tensorboard.writer")
    return module is not None and isinstance(target, module.SummaryWriter)


def _check_step(global_step: Any) -> int:
    if isinstance(global_step, torch.Tensor) and global_step.numel() == 1 and not global_step.is_floating_point():
        global_step = global_step.item()
    if not isinstance(global_step, (int, np.integer)) or isinstance(global_step, bool):
        raise TypeError(f"global_step: expected an int, got {type(global_step).__name__}")
    if global_step < 0:
        raise ValueError(f"global_step: expected a step >= 0, got {global_step}")
    return int(global_step)
