"""Run a model's graph far enough to read the outputs of many (nested) layer calls.

Keras cannot build a model from the outer inputs to a layer inside a nested
model, and the tricks that try (an extractor per nested model, fed from
`nested.input`) break on Sequential backbones, shared towers and reloaded
models. So the probe runs the graph itself: node by node, as Keras'
functional models do, but only the nodes the wanted calls depend on, and,
where a path goes into a nested model, into that model's own graph for the
call the path names. The layers are the model's own, so the probe always
sees the current weights; everything runs with `training=False` (BatchNorm
and Dropout as at inference); every wanted output comes from one pass, on
any Keras backend.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import keras

from tb_convcam.layer_paths import ResolvedPath, graph_of


class Probe:
    """`probe(inputs)` -> the output of each path's layer call, in order."""

    def __init__(self, model: keras.Model, paths: Sequence[ResolvedPath]) -> None:
        self._graph = graph_of(model)
        self._plan = _Plan.of([path.hops for path in paths])

    def __call__(self, inputs: Sequence[Any]) -> list[Any]:
        found: dict[int, Any] = {}
        _run(self._graph, list(inputs), self._plan, found)
        return [found[id(tap)] for tap in self._plan.taps_in_order]


class _Plan:
    """What to read in one graph: node outputs here, and plans for nested calls."""

    def __init__(self) -> None:
        self.taps: dict[int, tuple[Any, list[tuple]]] = {}  # id(node) -> (node, hop chains ending there)
        self.nested: dict[int, tuple[Any, _Plan]] = {}  # id(node) -> (node, plan inside its model)
        self.taps_in_order: list[tuple] = []
        self._schedule: list[tuple[Any, bool]] | None = None

    @classmethod
    def of(cls, chains: list[tuple]) -> _Plan:
        plan = cls()
        for chain in chains:
            plan._add(chain, chain)
            plan.taps_in_order.append(chain)
        return plan

    def _add(self, chain: tuple, rest: tuple) -> None:
        node = rest[0].node
        if len(rest) == 1:
            self.taps.setdefault(id(node), (node, []))[1].append(chain)
        else:
            self.nested.setdefault(id(node), (node, _Plan()))[1]._add(chain, rest[1:])

    def schedule(self, graph: Any) -> list[tuple[Any, bool]]:
        """The nodes to compute in `graph`, in order, each with whether its own outputs are needed
        (a nested call that only leads to taps inside it is not run as a whole). Planned once."""
        if self._schedule is None:
            wanted = [node for node, _ in self.taps.values()] + [node for node, _ in self.nested.values()]
            needed = _ancestors(wanted)
            consumed = {id(parent) for node in needed.values() for parent in node.parent_nodes}
            self._schedule = [
                (node, id(node) in consumed or id(node) in self.taps or id(node) not in self.nested)
                for depth in sorted(graph._nodes_by_depth, reverse=True)
                for node in graph._nodes_by_depth[depth]
                if id(node) in needed and not node.is_input
            ]
        return self._schedule


def _run(graph: Any, inputs: list[Any], plan: _Plan, found: dict[int, Any]) -> None:
    """Compute the nodes `plan` needs in `graph`; store tapped outputs in `found` by id(chain)."""
    values = {id(tensor): value for tensor, value in zip(graph.inputs, inputs)}
    for node, outputs_needed in plan.schedule(graph):
        args, kwargs = node.arguments.fill_in(values)
        nested = plan.nested.get(id(node))
        if nested is not None:
            feed = args[0] if args else kwargs["inputs"]  # model(x) or model(inputs=x)
            _run(graph_of(node.operation), keras.tree.flatten(feed), nested[1], found)
        if not outputs_needed:
            continue
        outputs = _call(node.operation, args, kwargs)
        for tensor, value in zip(node.outputs, keras.tree.flatten(outputs)):
            values[id(tensor)] = value
        for chain in plan.taps.get(id(node), (None, []))[1]:
            found[id(chain)] = values[id(node.outputs[0])]


def _ancestors(nodes: list) -> dict[int, Any]:
    """The nodes and every node they depend on, by id."""
    seen: dict[int, Any] = {}
    stack = list(nodes)
    while stack:
        node = stack.pop()
        if id(node) not in seen:
            seen[id(node)] = node
            stack.extend(node.parent_nodes)
    return seen


def _call(operation: Any, args: tuple, kwargs: dict) -> Any:
    """Call a layer as at inference time."""
    if getattr(operation, "_call_has_training_arg", False):
        kwargs = {**kwargs, "training": False}
    return operation(*args, **kwargs)
