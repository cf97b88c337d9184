"""Build one model that outputs the activations of many (nested) layers.

Keras 3 cannot make a model from the outer inputs straight to a layer inside
a nested model: the inner layer's output lives in the nested model's own
graph. So, per nested model, an extractor is built inside that graph (its
inputs to the wanted inner tensors) and then called on the tensor that feeds
the nested model in its parent's graph; this repeats to any depth. The
extractors reuse the original layers, so the probe always sees the current
weights, and every requested layer comes out of one forward pass.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras

from tb_convcam.layer_paths import ResolvedPath


def build_probe_model(model: keras.Model, paths: Sequence[ResolvedPath]) -> keras.Model:
    """A model from `model`'s inputs to the output of each path's layer."""
    outputs = _tap(model, [path.chain for path in paths])
    return keras.Model(model.input, outputs, name=f"{model.name}_convcam_probe")


def _tap(graph: keras.Model, chains: list[tuple[keras.layers.Layer, ...]]) -> list:
    """Symbolic tensors, in `graph`'s graph, for each chain of layers."""
    tensors: list = [None] * len(chains)
    through_nested: dict[int, tuple[keras.layers.Layer, list[int]]] = {}
    for i, chain in enumerate(chains):
        if len(chain) == 1:
            tensors[i] = _single(_node_in(graph, chain[0]).output_tensors, chain[0])
        else:
            through_nested.setdefault(id(chain[0]), (chain[0], []))[1].append(i)
    for nested, indices in through_nested.values():
        inner = _tap(nested, [chains[i][1:] for i in indices])
        extractor = keras.Model(nested.input, inner, name=f"{nested.name}_convcam_extractor")
        feed = _node_in(graph, nested).input_tensors
        outer = extractor(feed[0] if len(feed) == 1 else feed)
        for i, tensor in zip(indices, outer if isinstance(outer, (list, tuple)) else [outer]):
            tensors[i] = tensor
    return tensors


def _node_in(graph: keras.Model, layer: keras.layers.Layer):
    """The call of `layer` that belongs to `graph` (a layer may be reused)."""
    nodes = layer._inbound_nodes
    graph = getattr(graph, "_functional", None) or graph  # a Sequential keeps its graph here
    keys = getattr(graph, "_nodes", None)
    if keys is not None:
        for index, node in enumerate(nodes):
            if f"{id(layer)}_ib-{index}" in keys:
                return node
    if len(nodes) == 1:
        return nodes[0]
    raise ValueError(
        f"layers: cannot tell which call of layer {layer.name!r} belongs to model {graph.name!r} "
        f"(it is called {len(nodes)} times)"
    )


def _single(outputs: list, layer: keras.layers.Layer):
    if len(outputs) != 1:
        raise ValueError(f"layers: layer {layer.name!r} has {len(outputs)} outputs; expected a single 4-D output")
    return outputs[0]
