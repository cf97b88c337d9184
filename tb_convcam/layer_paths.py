"""Resolve layer paths like "xb/add_10" to layers inside nested Keras models.

A path is layer names joined by "/", each segment one level deeper into a
nested model. Keras numbers auto-named layers across the whole process, so
the second Xception in a process has Add layers `add_12`..`add_23`; users
think in the names a model has when built alone (`add_10`). A segment that
matches no layer exactly therefore resolves structurally: `base_N` (or
`base` for N = 0) is the (N+1)-th auto-named layer of class `base` in that
model, in creation order. An exact name always wins.
"""

from __future__ import annotations

import dataclasses
import difflib
import re

import keras
from keras.src.utils.naming import to_snake_case

_AUTO_NAME = re.compile(r"^(?P<base>.+?)(?:_(?P<index>\d+))?$")


@dataclasses.dataclass(frozen=True)
class ResolvedPath:
    """A requested path, the layers it walks through, and their real names."""

    requested: str
    chain: tuple[keras.layers.Layer, ...]

    @property
    def resolved(self) -> str:
        return "/".join(layer.name for layer in self.chain)

    @property
    def layer(self) -> keras.layers.Layer:
        return self.chain[-1]


def resolve(model: keras.Model, path: str) -> ResolvedPath:
    """Find the layer `path` names in `model`; ValueError with close names if none."""
    if not isinstance(path, str) or not path.strip("/"):
        raise ValueError(f"layers: expected a layer path like 'conv1' or 'backbone/add_10', got {path!r}")
    container: keras.layers.Layer = model
    chain = []
    for depth, segment in enumerate(path.strip("/").split("/")):
        children = getattr(container, "layers", None)
        if children is None:
            walked = "/".join(path.strip("/").split("/")[:depth])
            raise ValueError(
                f"layers: {path!r} goes into {walked!r}, a {type(container).__name__}, "
                "which is not a model with layers"
            )
        layer = _find(children, segment)
        if layer is None:
            raise ValueError(_unknown_layer_message(model, path))
        chain.append(layer)
        container = layer
    return ResolvedPath(path, tuple(chain))


def all_paths(model: keras.Model) -> list[str]:
    """Every layer path in `model`, nested models included (for error messages)."""
    paths = []
    for layer in getattr(model, "layers", []):
        paths.append(layer.name)
        paths.extend(f"{layer.name}/{inner}" for inner in all_paths(layer))
    return paths


def _find(children: list[keras.layers.Layer], segment: str) -> keras.layers.Layer | None:
    for layer in children:
        if layer.name == segment:
            return layer
    return _find_by_auto_name(children, segment)


def _find_by_auto_name(children: list[keras.layers.Layer], segment: str) -> keras.layers.Layer | None:
    match = _AUTO_NAME.match(segment)
    base, index = match["base"], int(match["index"] or 0)
    auto_named = []
    for layer in children:
        own = _AUTO_NAME.match(layer.name)
        if own["base"] == base and to_snake_case(type(layer).__name__) == base:
            auto_named.append((int(own["index"] or 0), layer))
    auto_named.sort(key=lambda pair: pair[0])
    return auto_named[index][1] if index < len(auto_named) else None


def _unknown_layer_message(model: keras.Model, path: str) -> str:
    known = all_paths(model)
    close = difflib.get_close_matches(path, known, n=5, cutoff=0.5)
    hint = f"closest existing: {', '.join(close)}" if close else f"the model has {len(known)} layers"
    return f"layers: no layer {path!r} in model {model.name!r}; {hint}"
