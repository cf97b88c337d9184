"""Find PyTorch modules by the names `model.named_modules()` gives them.

Users copy paths from where they see them: `print(model)` of the bare model
(`backbone_a.layer3`), of a DistributedDataParallel or DataParallel wrapper
(`module.backbone_a.layer3`) or of a `torch.compile`d one
(`_orig_mod.backbone_a.layer3`). All of those name the same module. Paths are
resolved against the unwrapped model, which is also what the probe runs:
calling a DDP wrapper on one rank would wait for the others, and calling a
compiled model in eval mode would recompile it.

`path@k` names the k-th call (from 0) of a module the forward calls more than
once (a shared tower), as in the Keras callback.
"""

from __future__ import annotations

import dataclasses
import difflib
import re

from torch import nn

_WRAPPER_SEGMENTS = ("module", "_orig_mod")
_CALL_INDEX = re.compile(r"^(?P<name>.*?)(?:@(?P<call>\d+))?$")


@dataclasses.dataclass(frozen=True)
class ModulePath:
    """A requested path and the module call it names."""

    requested: str
    name: str  # as the unwrapped model's named_modules() gives it
    module: nn.Module
    call: int  # which call of the module in one forward, from 0

    @property
    def resolved(self) -> str:
        return f"{self.name}@{self.call}" if self.call else self.name


def unwrap(model: nn.Module) -> nn.Module:
    """The module a DDP / DataParallel / torch.compile wrapper (in any nesting) wraps."""
    while True:
        if isinstance(model, (nn.parallel.DistributedDataParallel, nn.DataParallel)):
            model = model.module
        elif isinstance(getattr(model, "_orig_mod", None), nn.Module):  # torch.compile's OptimizedModule
            model = model._orig_mod
        else:
            return model


def resolve(model: nn.Module, path: str) -> ModulePath:
    """The call of a module of `model` (already unwrapped) that `path` names; ValueError if none."""
    match = _CALL_INDEX.match(path)
    name, call = match["name"], int(match["call"] or 0)
    modules = {n: m for n, m in model.named_modules(remove_duplicate=False) if n}
    by_plain_name: dict[str, str] = {}
    for candidate in modules:
        by_plain_name.setdefault(_plain(candidate), candidate)
    found = name if name in modules else by_plain_name.get(_plain(name))
    if found is not None:
        return ModulePath(path, found, modules[found], call)
    names = list(modules)
    close = difflib.get_close_matches(name, names, n=5, cutoff=0.5)
    hint = (f"closest: {', '.join(map(repr, close))}" if close
            else f"its modules include {', '.join(map(repr, names[:8]))}" if names else "it has no submodules")
    raise ValueError(f"layers: no module {path!r} in {type(model).__name__} (names as model.named_modules() "
                     f"gives them); {hint}")


def _plain(name: str) -> str:
    """The name without wrapper segments (`module.`, `_orig_mod.`) anywhere in it."""
    return ".".join(segment for segment in name.split(".") if segment not in _WRAPPER_SEGMENTS)
