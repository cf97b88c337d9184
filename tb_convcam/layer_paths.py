"""Resolve layer paths like "xb/add_10" or "tower@1/c2" to calls inside nested Keras models.

A path is layer names joined by "/", each segment one level deeper into a
nested model (functional or Sequential, to any depth). A segment names one
*call* of a layer in its container's graph: `tower@1` is the second call of
`tower` (a shared tower, a siamese model), counted in the order the model was
defined; a plain `tower` is its first call, `tower@0`.

Keras numbers auto-named layers across the whole process, so the second
Xception in a process has Add layers `add_12`..`add_23`; users think in the
names a model has when built alone (`add_10`). A segment that matches no
layer exactly therefore resolves structurally: `base_N` (or `base` for N = 0)
is the (N+1)-th auto-named layer of class `base` in that model, in creation
order. An exact name always wins.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from typing import Any

import keras
from keras.src.utils.naming import to_snake_case

_AUTO_NAME = re.compile(r"^(?P<base>.+?)(?:_(?P<index>\d+))?$")
_CALL = re.compile(r"^(?P<name>.+)@(?P<call>\d+)$")


@dataclasses.dataclass(frozen=True)
class Hop:
    """One step of a path: a layer, and which of its calls in the container's graph."""

    layer: keras.layers.Layer
    call: int
    node: Any  # the Keras graph node of that call

    @property
    def name(self) -> str:
        return f"{self.layer.name}@{self.call}" if self.call else self.layer.name


@dataclasses.dataclass(frozen=True)
class ResolvedPath:
    """A requested path, the calls it walks through, and their real names."""

    requested: str
    hops: tuple[Hop, ...]

    @property
    def resolved(self) -> str:
        return "/".join(hop.name for hop in self.hops)

    @property
    def layer(self) -> keras.layers.Layer:
        return self.hops[-1].layer

    @property
    def output_shape(self) -> tuple[int | None, ...] | None:
        """The output shape of the called layer, None if it has several outputs."""
        outputs = self.hops[-1].node.outputs
        return tuple(outputs[0].shape) if len(outputs) == 1 else None


def graph_of(model: keras.layers.Layer) -> Any | None:
    """The functional graph a model runs (a Sequential keeps it apart), None if it has none."""
    if isinstance(model, keras.Sequential):
        return model._functional
    return model if hasattr(model, "_nodes_by_depth") else None


def resolve(model: keras.Model, path: str) -> ResolvedPath:
    """Find the layer call `path` names in `model`; ValueError with close names if none."""
    if not isinstance(path, str) or not path.strip("/"):
        raise ValueError(f"layers: expected a layer path like 'conv1' or 'backbone/add_10', got {path!r}")
    segments = path.strip("/").split("/")
    container: keras.layers.Layer = model
    hops = []
    for depth, segment in enumerate(segments):
        graph = graph_of(container)
        if graph is None:
            raise ValueError(_not_a_graph_message(path, "/".join(segments[:depth]), container))
        layer, call = _find(container.layers, segment)
        if layer is None:
            raise ValueError(_unknown_layer_message(model, path))
        calls = calls_in(graph, layer)
        if call >= len(calls):
            raise ValueError(
                f"layers: {path!r}: layer {layer.name!r} is called {len(calls)} time(s) in model "
                f"{container.name!r} (calls @0..@{len(calls) - 1}), got @{call}"
            )
        hops.append(Hop(layer, call, calls[call]))
        container = layer
    return ResolvedPath(path, tuple(hops))


def calls_in(graph: Any, layer: keras.layers.Layer) -> list:
    """The graph's nodes that call `layer`, in the order they were defined."""
    order = {id(node): index for index, node in enumerate(layer._inbound_nodes)}
    nodes = [node for depth in graph._nodes_by_depth.values() for node in depth if node.operation is layer]
    return sorted(nodes, key=lambda node: order.get(id(node), len(order)))


def all_paths(model: keras.layers.Layer) -> list[str]:
    """Every layer path in `model`, nested models included (for error messages)."""
    paths = []
    for layer in getattr(model, "layers", []):
        paths.append(layer.name)
        paths.extend(f"{layer.name}/{inner}" for inner in all_paths(layer))
    return paths


def _find(children: list[keras.layers.Layer], segment: str) -> tuple[keras.layers.Layer | None, int]:
    """The layer a segment names and the call index it asks for."""
    for layer in children:
        if layer.name == segment:
            return layer, 0
    match = _CALL.match(segment)
    name, call = (match["name"], int(match["call"])) if match else (segment, 0)
    for layer in children:
        if layer.name == name:
            return layer, call
    return _find_by_auto_name(children, name), call


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


def _not_a_graph_message(path: str, walked: str, container: keras.layers.Layer) -> str:
    if not walked:
        return (
            f"layers: cannot probe {path!r}: model {container.name!r} is a subclassed "
            f"{type(container).__name__} without a functional graph; build it with keras.Input "
            "(functional or Sequential), or pass submodel= naming its functional or Sequential backbone"
        )
    if isinstance(container, keras.Sequential):
        return (
            f"layers: {path!r} goes into {walked!r}, a Sequential model that has not been built; "
            "give it a keras.Input first"
        )
    return (
        f"layers: {path!r} goes into {walked!r}, a {type(container).__name__}, "
        "which is not a functional or Sequential model"
    )


def _unknown_layer_message(model: keras.Model, path: str) -> str:
    known = all_paths(model)
    close = difflib.get_close_matches(path, known, n=5, cutoff=0.5)
    hint = f"closest existing: {', '.join(close)}" if close else f"the model has {len(known)} layers"
    return f"layers: no layer {path!r} in model {model.name!r}; {hint}"
