"""The probe pass of a PyTorch model: one forward at inference, the wanted outputs on the host.

Forward hooks catch the wanted calls' outputs; they exist only during the
probe pass and are always removed, so the user's own hooks and the training
forward are untouched. The pass runs under `torch.no_grad()` in eval mode
(BatchNorm and Dropout as at inference) and then gives every module its own
`training` flag back, also when the forward raises. The forward stops as soon
as the last wanted output is caught: a model's head is not run for nothing.
Only the wanted activations leave the device, as NHWC float32 arrays (what
`mosaic.tile` reads), whatever the memory format (channels_last) or dtype
(float16, bfloat16).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

from tb_convcam.module_paths import ModulePath


class _Caught(BaseException):
    """Stops the forward once every wanted output is caught. A BaseException, so that a model's
    own `except Exception` cannot swallow it."""


class LayerError(ValueError):
    """A wanted call that the forward does not make, or whose output is no conv map."""


class TorchProbe:
    """Runs `model` on a fixed probe and returns the outputs of `paths`' calls, in order."""

    def __init__(self, model: nn.Module, paths: Sequence[ModulePath], probe: Any) -> None:
        self.model = model
        self.paths = list(paths)
        self._args, self._kwargs = _as_call(probe)
        self._on_device: tuple[Any, tuple, dict] | None = None  # (device and dtype, args, kwargs) cached

    def outputs(self) -> list[Any]:
        """The wanted calls' outputs as the model gives them (any type; `arrays` checks them)."""
        wanted: dict[int, dict[int, list[int]]] = {}  # id(module) -> call -> positions in paths
        for position, path in enumerate(self.paths):
            wanted.setdefault(id(path.module), {}).setdefault(path.call, []).append(position)
        calls: dict[int, int] = {}
        caught: dict[int, Any] = {}

        def hook(module: nn.Module, inputs: Any, output: Any) -> None:
            call = calls.get(id(module), 0)
            calls[id(module)] = call + 1
            for position in wanted[id(module)].get(call, ()):
                caught[position] = output
            if len(caught) == len(self.paths):
                raise _Caught

        modules = {id(path.module): path.module for path in self.paths}
        flags = [(module, module.training) for module in self.model.modules()]
        handles = [module.register_forward_hook(hook) for module in modules.values()]
        try:
            args, kwargs = self._probe_on_device()
            self.model.eval()
            with torch.no_grad():
                try:
                    self.model(*args, **kwargs)
                except _Caught:
                    pass
        finally:
            for handle in handles:
                handle.remove()
            for module, training in flags:
                module.training = training
        missing = [self.paths[i] for i in range(len(self.paths)) if i not in caught]
        if missing:
            path = missing[0]
            count = calls.get(id(path.module), 0)
            raise LayerError(
                f"layers: {path.requested!r} ({type(path.module).__name__}) is called {count} time(s) by the "
                f"model's forward on the probe" + (f", got @{path.call}" if count else "; nothing to show")
            )
        return [caught[i] for i in range(len(self.paths))]

    def images_nhwc(self) -> np.ndarray | None:
        """The probe's first image-like (4-D, [N, C, H, W]) tensor as a host [N, H, W, C] float32
        array: what the mosaics show, and what the health metrics compare maps with."""
        image = next((t for t in (*self._args, *self._kwargs.values()) if t.ndim == 4), None)
        return None if image is None else image.detach().float().permute(0, 2, 3, 1).contiguous().cpu().numpy()

    def arrays(self) -> list[np.ndarray]:
        """The wanted outputs as host NHWC float32 arrays; ValueError naming a call whose output
        is not one 4-D [N, C, H, W] tensor."""
        return [nhwc(output, path) for output, path in zip(self.outputs(), self.paths)]

    def _probe_on_device(self) -> tuple[tuple, dict]:
        """The probe on the model's device, floats in its floating dtype; moved once per placement."""
        device, dtype = _placement(self.model)
        if self._on_device is None or self._on_device[0] != (device, dtype):
            move = lambda t: _move(t, device, dtype)  # noqa: E731
            args = tuple(move(t) for t in self._args)
            kwargs = {k: move(t) for k, t in self._kwargs.items()}
            self._on_device = ((device, dtype), args, kwargs)
        return self._on_device[1], self._on_device[2]


def nhwc_shape(output: Any, path: ModulePath) -> list[int]:
    """[N, H, W, C] of a call's [N, C, H, W] output; LayerError naming the call if it is not one."""
    if not isinstance(output, torch.Tensor) or output.ndim != 4:
        given = (f"a tensor of shape {list(output.shape)}" if isinstance(output, torch.Tensor)
                 else f"a {type(output).__name__}")
        raise LayerError(f"layers: {path.requested!r} ({type(path.module).__name__} {path.resolved!r}) gives "
                         f"{given}; expected one 4-D [N, C, H, W] tensor (a conv-like output)")
    n, c, h, w = output.shape
    return [n, h, w, c]


def nhwc(output: Any, path: ModulePath) -> np.ndarray:
    """A [N, C, H, W] tensor (any memory format, any float dtype) as a host [N, H, W, C] float32 array."""
    nhwc_shape(output, path)
    host = output.detach().permute(0, 2, 3, 1)
    if host.dtype != torch.float32 and host.is_floating_point():
        host = host.float()  # bfloat16 has no NumPy dtype; half is converted on the device, once
    return host.contiguous().cpu().numpy()


def check_probe(probe: Any) -> None:
    """TypeError/ValueError unless `probe` is a tensor, or a tuple/list/dict of them, with a batch axis."""
    args, kwargs = _as_call(probe)
    if not args and not kwargs:
        raise ValueError("probe: expected a tensor, or a tuple or dict of tensors as the model's forward takes "
                         "them, got an empty one")
    labelled = (
        [("probe", args[0])] if not isinstance(probe, (Mapping, tuple, list))
        else [(f"probe[{i}]", t) for i, t in enumerate(args)] + [(f"probe[{k!r}]", t) for k, t in kwargs.items()]
    )
    for label, tensor in labelled:
        if tensor.ndim == 0 or tensor.shape[0] == 0:
            raise ValueError(f"{label}: expected a batch of at least one sample, got shape {list(tensor.shape)}")


def _as_call(probe: Any) -> tuple[tuple, dict]:
    """The probe as forward's positional and keyword arguments."""
    if isinstance(probe, Mapping):
        return (), {str(k): _as_tensor(v, f"probe[{k!r}]") for k, v in probe.items()}
    if isinstance(probe, (tuple, list)):
        return tuple(_as_tensor(v, f"probe[{i}]") for i, v in enumerate(probe)), {}
    return (_as_tensor(probe, "probe"),), {}


def _as_tensor(value: Any, label: str) -> torch.Tensor:
    if isinstance(value, torch.Tensor):
        return value.detach()
    if isinstance(value, np.ndarray):
        return torch.from_numpy(value)
    raise TypeError(f"{label}: expected a torch.Tensor (or a NumPy array), got {type(value).__name__}")


def _placement(model: nn.Module) -> tuple[torch.device, torch.dtype | None]:
    """The device of the model's first parameter (or buffer), and its floating dtype."""
    tensor = next(itertools.chain(model.parameters(), model.buffers()), None)
    if tensor is None:
        return torch.device("cpu"), None
    return tensor.device, tensor.dtype if tensor.is_floating_point() else None


def _move(tensor: torch.Tensor, device: torch.device, dtype: torch.dtype | None) -> torch.Tensor:
    if tensor.is_floating_point() and dtype is not None:
        return tensor.to(device=device, dtype=dtype)
    return tensor.to(device=device)
