"""ConvcamCallback for Lightning: Convcam mosaics from `Trainer.fit`, no loop code.

Works with `lightning` (`lightning.pytorch`) or `pytorch_lightning`, whichever is
installed (`lightning` first). The mosaics go into the trainer's TensorBoardLogger
run, beside its scalars, or into `log_dir` when the trainer has none. Steps are
`trainer.global_step` (optimizer steps). Only global rank 0 probes and writes, as
Lightning's own loggers do. Errors in `layers` or `probe` raise at the start of
`fit`, before the first training step.
"""

from __future__ import annotations

import os
from typing import Any

try:
    import lightning.pytorch as pl
except ImportError:
    try:
        import pytorch_lightning as pl
    except ImportError as error:
        raise ImportError(
            "tb_convcam.lightning needs Lightning: pip install 'tb_convcam[lightning]' (or install lightning)"
        ) from error

from tb_convcam.step_logger import LayersArg, check_every_n_steps, check_log_dir, parse_layers, split_batch_index
from tb_convcam.torch import ConvcamLogger, is_summary_writer
from tb_convcam.torch_probe import check_probe


class ConvcamCallback(pl.Callback):
    """Log Convcam mosaics of the LightningModule's `layers` every `every_n_steps` global steps.

    Args:
      layers, probe, also_to_images, health_metrics, **tile_options: as for
        `tb_convcam.torch.ConvcamLogger`
        (module paths are relative to the LightningModule).
      every_n_steps: log when `trainer.global_step` crosses a multiple of this; also once
        before the first step (the baseline) and at the end of training.
      log_dir: where to write when the trainer has no TensorBoardLogger.
    """

    def __init__(
        self,
        layers: LayersArg,
        probe: Any,
        every_n_steps: int = 100,
        log_dir: str | os.PathLike | None = None,
        also_to_images: bool = False,
        health_metrics: bool = True,
        **tile_options: Any,
    ) -> None:
        super().__init__()
        parse_layers(layers)
        check_probe(probe)
        split_batch_index(tile_options)
        self.layers, self.probe, self.tile_options = layers, probe, tile_options
        self.every_n_steps = check_every_n_steps(every_n_steps)
        self.log_dir = None if log_dir is None else check_log_dir(log_dir)
        self.also_to_images = also_to_images
        self.health_metrics = health_metrics
        self._logger: ConvcamLogger | None = None  # rank 0's, kept across fits: one baseline per callback

    @property
    def skipped_steps(self) -> list[int]:
        """Logged steps lost (in part or whole) to failures."""
        return [] if self._logger is None else self._logger.skipped_steps

    def on_fit_start(self, trainer: Any, pl_module: Any) -> None:
        if not trainer.is_global_zero or self._logger is not None:
            return
        self._logger = ConvcamLogger(
            self._destination(trainer), pl_module, self.layers, self.probe, self.every_n_steps,
            self.also_to_images, self.health_metrics, **self.tile_options,
        )

    def on_train_start(self, trainer: Any, pl_module: Any) -> None:
        if self._logger is not None:
            self._logger.step(trainer.global_step)

    def on_train_batch_end(self, trainer: Any, pl_module: Any, outputs: Any, batch: Any, batch_idx: int) -> None:
        if self._logger is not None:
            self._logger.step(trainer.global_step)

    def on_train_end(self, trainer: Any, pl_module: Any) -> None:
        if self._logger is None:
            return
        if trainer.global_step != self._logger.last_logged:
            self._logger.log(trainer.global_step)
        self._logger.close()

    def _destination(self, trainer: Any) -> Any:
        """The trainer's TensorBoardLogger's writer (or its run directory), else log_dir."""
        for logger in trainer.loggers:
            if isinstance(logger, pl.loggers.TensorBoardLogger):
                writer = logger.experiment
                return writer if is_summary_writer(writer) else logger.log_dir  # tensorboardX: own file
        if self.log_dir is None:
            raise ValueError("log_dir: the trainer has no TensorBoardLogger; pass log_dir= to ConvcamCallback")
        return self.log_dir
