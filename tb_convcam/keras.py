"""ConvcamCallback: log mosaics of chosen conv layers while `model.fit` runs.

Keras 3 callbacks never see the training batch, so the callback runs a fixed
`probe` batch through the model: the same images every time, so steps
compare. All layers come out of one forward pass (see `probe.py`). It runs
on Keras 3's TensorFlow, JAX and PyTorch backends alike and writes with the
TensorFlow-free `event_writer`, so a JAX or PyTorch run never imports
TensorFlow because of it.

Logged steps are global steps (`optimizer.iterations`): once before the first
step (the blank-model baseline, also kept under `<tag>/baseline` so sampling
never evicts it), every `every_n_steps`, and at the end of training.
Configuration errors raise at `on_train_begin`, before any training time is
spent; failures while logging warn once and training goes on.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import keras
import numpy as np

from tb_convcam import keras_backends, layer_paths
from tb_convcam.event_writer import EventWriter
from tb_convcam.mosaic import check_dtype, check_request
from tb_convcam.probe import Probe
from tb_convcam.step_logger import (
    LayersArg, Mosaic, StepLogger, check_every_n_steps, check_log_dir, parse_layers, plan_outputs, split_batch_index,
)


class ConvcamCallback(keras.callbacks.Callback):
    """Log Convcam mosaics of `layers` every `every_n_steps` global steps.

    Args:
      log_dir: the run's directory (TensorBoard shows it as one run).
      layers: a list of layer paths ("conv1", "xa/add_10"; one mosaic each) or
        tuples of 2-3 paths (one RGB mosaic, path i in channel i), or a dict
        `{tag: path or tuple of paths}`. "tower@1/c2" reads the second call
        of a shared `tower`; a plain "tower/c2" is its first call.
      probe: the fixed input batch, shaped like the model's input (a single
        sample without batch axis is accepted too); a list (or a dict by
        input name) for a model with several inputs.
      every_n_steps: log when the global step crosses a multiple of this.
      also_to_images: also write each mosaic to the stock Images dashboard.
      health_metrics: log each layer's health metrics (dead and dormant kernels, echo of the
        probe image, drift since the baseline) as scalars `convcam/<path>/<metric>`, and per
        kernel in the step info; compared with the probe's first image input.
      submodel: for a subclassed model, the functional or Sequential model
        inside it to probe (an attribute path like "backbone", or the model
        itself): layer paths are relative to it and the probe is its input.
      **tile_options: passed to `tb_convcam.tile` (normalize, padding, ...); `batch_index` may
        be a list: a mosaic per listed probe image per step (each stored in full).
    """

    def __init__(
        self,
        log_dir: str | os.PathLike,
        layers: LayersArg,
        probe: Any,
        every_n_steps: int = 100,
        also_to_images: bool = False,
        submodel: str | keras.Model | None = None,
        health_metrics: bool = True,
        **tile_options: Any,
    ) -> None:
        super().__init__()
        self.log_dir = check_log_dir(log_dir)
        self.layer_specs = parse_layers(layers)
        self.every_n_steps = check_every_n_steps(every_n_steps)
        if probe is None:
            raise ValueError("probe: expected a fixed input batch for the model (e.g. a few training images), got None")
        self.probe = probe
        self.also_to_images = also_to_images
        self.health_metrics = bool(health_metrics)
        if submodel is not None and not isinstance(submodel, (str, keras.Model)):
            raise TypeError(f"submodel: expected an attribute name or a keras.Model, got {type(submodel).__name__}")
        self.submodel = submodel
        self.tile_options, self.batch_indices = split_batch_index(tile_options)
        self._forward = None
        self._paths: dict[str, list[layer_paths.ResolvedPath]] = {}
        self._mosaics: list[Mosaic] = []
        self._probe_batch: list | None = None
        self._logger: StepLogger | None = None  # the chief's, kept across fit() calls: one baseline per callback
        self._training = False
        self._step_read = 0  # the global step when last read, and batch callbacks since
        self._calls_since_read = 0
        self._steps_per_call = 1

    @property
    def skipped_steps(self) -> list[int]:
        """Logged steps lost (in part or whole) to failures."""
        return [] if self._logger is None else self._logger.skipped_steps

    # -- Keras hooks -----------------------------------------------------

    def on_train_begin(self, logs: dict | None = None) -> None:
        if self._forward is None:
            self._prepare()
        if not keras_backends.is_chief(self.model):
            return
        if self._logger is None:
            images = next((keras_backends.to_numpy(x) for x in self._probe_batch if len(x.shape) == 4), None)
            self._logger = StepLogger("ConvcamCallback", EventWriter(self.log_dir), self.log_dir, self._mosaics,
                                      self.tile_options, self.also_to_images, images, self.health_metrics,
                                      self.batch_indices)
        self._training = True
        self._steps_per_call = max(1, int(getattr(self.model, "steps_per_execution", 1) or 1))
        self._read_step()
        if self._step_read != self._logger.last_logged:
            self._log(self._step_read)

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        if not self._training:
            return
        self._calls_since_read += 1
        next_log = (self._logger.last_logged // self.every_n_steps + 1) * self.every_n_steps
        if self._step_read + self._calls_since_read * self._steps_per_call < next_log:
            return  # cannot have reached the next multiple yet: no need to read the step
        self._read_step()
        if self._step_read >= next_log:
            self._log(self._step_read)

    def on_train_end(self, logs: dict | None = None) -> None:
        if not self._training:
            return
        self._training = False
        self._read_step()
        if self._step_read != self._logger.last_logged:
            self._log(self._step_read)
        self._logger.close()  # a later fit() opens a new event file

    # -- setup -----------------------------------------------------------

    def _prepare(self) -> None:
        """Resolve layers, check outputs and probe, plan the probe forward."""
        model = _probed_model(self.model, self.submodel, self.probe)
        self._paths = {
            tag: [layer_paths.resolve(model, path) for path in paths] for tag, paths in self.layer_specs.items()
        }
        by_name = {path.resolved: path for paths in self._paths.values() for path in paths}
        for path in by_name.values():
            shape = path.output_shape
            if shape is None or len(shape) != 4:
                raise ValueError(
                    f"layers: {path.requested!r} ({type(path.layer).__name__} {path.resolved!r}) has output shape "
                    f"{shape}; expected a 4-D [batch, height, width, kernels] conv output"
                )
        self._probe_batch = _check_probe(self.probe, layer_paths.graph_of(model))
        batch = int(self._probe_batch[0].shape[0])
        for tag, paths in self._paths.items():
            shapes = [[batch, *path.output_shape[1:]] for path in paths]
            check_request(shapes, self.tile_options, source_names=[p.requested for p in paths])
        unique, outputs = plan_outputs({tag: [p.resolved for p in paths] for tag, paths in self._paths.items()})
        self._mosaics = [
            Mosaic(tag, tuple(p.requested for p in paths), tuple(p.resolved for p in paths), outputs[tag])
            for tag, paths in self._paths.items()
        ]
        self._forward = keras_backends.compile_forward(Probe(model, [by_name[name] for name in unique]))

    # -- logging ---------------------------------------------------------

    def _read_step(self) -> None:
        """Read the global step. Reading is not free: it waits for the device, and on JAX syncs
        the whole training state into the model, so batches that cannot reach the next multiple
        of every_n_steps (each calls back after at most steps_per_execution steps) skip it."""
        self._step_read = keras_backends.global_step(self.model)
        self._calls_since_read = 0

    def _log(self, step: int) -> None:
        self._logger.log(step, lambda: [keras_backends.to_numpy(out) for out in self._forward(self._probe_batch)])


def _probed_model(model: keras.Model, submodel: str | keras.Model | None, probe: Any) -> keras.Model:
    """The model whose graph the probe runs: the trained model, or the sub-model named by `submodel`."""
    if isinstance(submodel, str):
        target: Any = model
        for attribute in submodel.split("."):
            target = getattr(target, attribute, None)
        if not isinstance(target, keras.Model):
            raise ValueError(
                f"submodel: expected {submodel!r} to name a keras.Model inside {type(model).__name__} "
                f"{model.name!r}, got {type(target).__name__}"
            )
        submodel = target
    target = model if submodel is None else submodel
    if isinstance(target, keras.Sequential) and not target.built and np.ndim(probe) >= 2:
        # A Sequential without keras.Input is built when fit traces its first step, after
        # on_train_begin on TensorFlow: build it now as fit will, from the input's shape.
        target.build((None, *np.shape(probe)[1:]))
    if layer_paths.graph_of(target) is None or not target.built:
        hint = "" if submodel is not None else ", or pass submodel= naming its functional or Sequential backbone"
        raise ValueError(
            f"model: ConvcamCallback needs a built functional or Sequential model with known inputs "
            f"(got {type(target).__name__} {target.name!r}); build it with keras.Input first{hint}"
        )
    return target


def _check_probe(probe: Any, graph: Any) -> list:
    """The probe as one backend tensor per model input; ValueError if it does not fit."""
    inputs = graph.inputs
    if len(inputs) > 1:
        if isinstance(probe, Mapping):
            names = [tensor.name for tensor in inputs]
            if sorted(probe) != sorted(names):
                raise ValueError(f"probe: expected a dict with the model's input names {names}, got keys {sorted(probe)}")
            probe = [probe[name] for name in names]
        if not isinstance(probe, (list, tuple)) or len(probe) != len(inputs):
            raise ValueError(f"probe: the model has {len(inputs)} inputs; expected a list of {len(inputs)} arrays")
        return [_check_probe_array(p, i, f"probe[{n}]") for n, (p, i) in enumerate(zip(probe, inputs))]
    return [_check_probe_array(probe, inputs[0], "probe")]


def _check_probe_array(probe: Any, model_input: Any, label: str) -> Any:
    try:
        array = np.asarray(probe)
    except Exception as error:
        raise TypeError(f"{label}: expected an array, got {type(probe).__name__}") from error
    check_dtype(array.dtype, label)
    expected = list(model_input.shape)
    if array.ndim == len(expected) - 1:
        array = array[None]
    if array.ndim != len(expected) or any(e is not None and e != a for e, a in zip(expected[1:], array.shape[1:])):
        raise ValueError(f"{label}: expected shape {expected} (the model's input), got {list(np.shape(probe))}")
    if array.shape[0] == 0:
        raise ValueError(f"{label}: expected at least one sample, got shape {list(array.shape)}")
    return keras.ops.convert_to_tensor(array.astype(model_input.dtype))
