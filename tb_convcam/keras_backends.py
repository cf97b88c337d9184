"""What differs between Keras 3's TensorFlow, JAX and PyTorch backends, for the callback.

Each function imports only the framework of the backend in use, so a JAX or
PyTorch run never imports TensorFlow because of us.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import keras
import numpy as np


def backend() -> str:
    return keras.backend.backend()


def compile_forward(forward: Callable[[list[Any]], list[Any]]) -> Callable[[list[Any]], list[Any]]:
    """The probe forward as the backend runs it fastest without touching training state.

    TensorFlow traces it once into a graph. JAX and PyTorch run it eagerly: a
    jitted JAX function would freeze the weights it closes over, and PyTorch
    only needs autograd off.
    """
    name = backend()
    if name == "tensorflow":
        import tensorflow as tf

        return tf.function(forward, reduce_retracing=True)
    if name == "torch":
        import torch

        def no_grad_forward(inputs: list[Any]) -> list[Any]:
            with torch.no_grad():
                return forward(inputs)

        return no_grad_forward
    return forward


def to_numpy(tensor: Any) -> np.ndarray:
    """A host array of an activation (read in place where the backend allows)."""
    if backend() == "torch":  # keras.ops.convert_to_numpy warns under NumPy 2; NumPy has no bfloat16
        import torch

        tensor = tensor.detach().cpu()
        return (tensor.float() if tensor.dtype == torch.bfloat16 else tensor).numpy()
    array = np.asarray(tensor)
    # bfloat16 (mixed precision) is an ml_dtypes type NumPy cannot reduce: draw it as float32.
    return array if array.dtype.kind in "biuf" else array.astype(np.float32)


def global_step(model: keras.Model) -> int:
    """The optimizer's step count (counts every batch, whatever steps_per_execution is)."""
    value = model.optimizer.iterations.value  # the backend's own variable or tensor
    # A tf.Variable (a MirroredVariable under a strategy) reads with .numpy(); jax and torch take int().
    return int(value.numpy()) if backend() == "tensorflow" else int(value)


def is_chief(model: keras.Model) -> bool:
    """Whether this process writes: one writer per run under any kind of distribution."""
    name = backend()
    if name == "tensorflow":
        return _is_tf_chief(model.distribute_strategy)
    if name == "jax":
        import jax

        return jax.process_index() == 0
    if name == "torch":
        import torch.distributed

        return not (torch.distributed.is_available() and torch.distributed.is_initialized()) or (
            torch.distributed.get_rank() == 0
        )
    return True


def _is_tf_chief(strategy: Any) -> bool:
    """Only the chief writes under multi-worker strategies."""
    resolver = getattr(strategy, "cluster_resolver", None)
    extended = strategy.extended
    if resolver is None or not getattr(extended, "_in_multi_worker_mode", lambda: False)():
        return True
    task_type, task_id = resolver.task_type, resolver.task_id
    if task_type in (None, "chief"):
        return True
    has_chief = "chief" in resolver.cluster_spec().as_dict()
    return task_type == "worker" and task_id == 0 and not has_chief
