"""The host stage of a functional model: the layers that take strings run before the device.

A model may start with layers that work on text (`TextVectorization`, `StringLookup`,
`Hashing` of strings, ...) from `Input(dtype="string")`. Strings cannot enter a compiled JAX
function, so the graph is split in two:

- the *host stage*: every node that consumes a string tensor (and so every node downstream of
  one, as long as it still produces strings). It runs eagerly in NumPy, once per batch, before
  the compiled step — in `fit`, `evaluate`, `predict` and a direct `model(x)`;
- the *device part*: everything else, traced and compiled as usual. It starts from the
  *boundary*: the numeric tensors the host stage hands over, plus the numeric model inputs that
  device layers read directly.

The host stage's result for one batch is a `HostFed` (a JAX pytree of the boundary values), which
`Functional.call` recognises and evaluates from the boundary on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import jax
import numpy as np

from lamina import errors
from lamina.layers.base import is_symbolic
from lamina.models import graph


class HostFed:
    """One batch after the host stage: the values of the boundary tensors, in order."""

    def __init__(self, values: list):
        self.values = list(values)

    def __repr__(self) -> str:
        return f"HostFed({[getattr(v, 'shape', v) for v in self.values]})"


jax.tree_util.register_pytree_node(HostFed, lambda fed: (fed.values, None),
                                   lambda _, values: HostFed(list(values)))


def is_string_tensor(tensor) -> bool:
    return getattr(tensor, "dtype", None) == "string"


@dataclass(frozen=True)
class HostStage:
    """The host nodes of a functional model and the boundary tensors they hand over."""

    nodes_by_depth: dict
    boundary: list

    inputs: list

    def run(self, model, x) -> HostFed:
        """The boundary values for raw batch `x` (strings as NumPy arrays or lists)."""
        flat = model._flatten_inputs(x) if hasattr(model, "_flatten_inputs") else [x]
        values = [_host_value(v) for v in flat]
        with jax.default_device(jax.devices("cpu")[0]):
            outputs = graph.run(self.nodes_by_depth, self.inputs, values, self.boundary)
        return HostFed([np.asarray(v) for v in outputs])


class HostStagedCall:
    """`__call__` for graph models (Functional, Sequential): raw inputs holding strings go
    through the host stage first; the model's `call` then starts from the boundary."""

    def __call__(self, inputs, *args, **kwargs):
        if not is_symbolic(inputs) and not isinstance(inputs, HostFed):
            if not self.built and _holds_text(inputs):
                self._ensure_built_for(inputs)  # a Sequential learns its input dtype here
            stage = host_stage(self)
            if stage is not None:
                inputs = stage.run(self, inputs)
        return super().__call__(inputs, *args, **kwargs)


def call_starts(model, inputs, graph_inputs: list, flatten) -> tuple[list, list]:
    """(start tensors, their values) for a graph model's `call`: the boundary after the host
    stage, else the model's inputs."""
    if isinstance(inputs, HostFed):
        return host_stage(model).boundary, inputs.values
    return graph_inputs, flatten(inputs)


def host_stage(model) -> HostStage | None:
    """The model's host stage (None when no input is a string), computed once per graph."""
    nodes = getattr(model, "_nodes_by_depth", None)
    cached = model.__dict__.get("_host_stage_cache")
    if nodes is None:
        return None
    if cached is None or cached[0] is not nodes:
        cached = model.__dict__["_host_stage_cache"] = (nodes, _split(model))
    return cached[1]


def _graph_of(model) -> tuple[list, list]:
    """The (inputs, outputs) tensors of a Functional or a built Sequential model."""
    if hasattr(model, "_graph_inputs"):
        return model._graph_inputs, model._graph_outputs
    return model._inputs, model._outputs


def _split(model) -> HostStage | None:
    inputs, _ = _graph_of(model)
    if not inputs:
        return None
    host_nodes, string_ids = _host_nodes(model._nodes_by_depth)
    if not host_nodes:
        return None
    boundary = _boundary(model, host_nodes, string_ids)
    by_depth = {depth: [n for n in nodes if n in host_nodes]
                for depth, nodes in model._nodes_by_depth.items()}
    return HostStage({d: ns for d, ns in by_depth.items() if ns}, boundary, list(inputs))


def _holds_text(x) -> bool:
    return any(getattr(np.asarray(v) if isinstance(v, (list, tuple)) else v, "dtype",
                       np.dtype("f")).kind in "OSU"
               for v in jax.tree_util.tree_leaves(x, is_leaf=lambda v: isinstance(v, list)))


def _host_nodes(nodes_by_depth: dict) -> tuple[set, set]:
    """Nodes consuming a string tensor, and nodes of layers that cannot be traced (lookups:
    `host_only`) fed from inputs and host nodes only; in graph order, so they chain."""
    host, string_ids, host_ids = set(), set(), set()
    for depth in sorted(nodes_by_depth, reverse=True):
        for node in nodes_by_depth[depth]:
            if node.is_input:
                string_ids.update(id(t) for t in node.outputs if is_string_tensor(t))
                host_ids.update(id(t) for t in node.outputs)
                continue
            if any(id(t) in string_ids for t in node.input_tensors):
                check_takes_strings(node.layer, node.input_tensors)
            elif not (getattr(node.layer, "host_only", False)
                      and all(id(t) in host_ids for t in node.input_tensors)):
                continue
            host.add(node)
            string_ids.update(id(t) for t in node.outputs if is_string_tensor(t))
            host_ids.update(id(t) for t in node.outputs)
    return host, string_ids


def check_takes_strings(layer, inputs) -> None:
    """Refuse a string tensor reaching a layer that computes on numbers (at graph building)."""
    if not any(is_string_tensor(t) for t in graph.flatten(inputs)):
        return
    if getattr(layer, "takes_strings", False) or hasattr(layer, "compile") or \
            type(layer).__name__ == "Lambda":
        return
    raise errors.ConfigError(errors.message(
        "cannot take strings.", where=f"Layer '{layer.name}' ({type(layer).__name__})",
        got="a string input", fix="Turn the strings into numbers first with "
        "TextVectorization, StringLookup or Hashing in front of this layer."))


def _boundary(model, host_nodes: set, string_ids: set) -> list:
    """Numeric tensors that device nodes or the model's outputs read, in first-use order."""
    host_outputs = {id(t) for n in host_nodes for t in n.outputs}
    boundary, seen = [], set()

    def add(tensor) -> None:
        if id(tensor) in string_ids:
            raise errors.ConfigError(errors.message(
                "has a string tensor where the compiled part of the model starts.",
                where=f"Model '{model.name}'", got=f"{tensor} read by a layer that does not "
                "take strings, or returned as an output",
                fix="Turn strings into numbers first (TextVectorization, StringLookup, "
                    "Hashing), and apply StringLookup(invert=True) to predict()'s output."))
        if id(tensor) not in seen and (id(tensor) in host_outputs or _is_input(tensor)):
            seen.add(id(tensor))
            boundary.append(tensor)

    for depth in sorted(model._nodes_by_depth, reverse=True):
        for node in model._nodes_by_depth[depth]:
            if node.is_input or node in host_nodes:
                continue
            for tensor in node.input_tensors:
                add(tensor)
    for tensor in _graph_of(model)[1]:
        add(tensor)
    _check_host_inputs(model, host_nodes, host_outputs)
    return boundary


def _is_input(tensor) -> bool:
    history = tensor._keras_history
    return history is not None and history[0]._inbound_nodes[history[1]].is_input


def _check_host_inputs(model, host_nodes: set, host_outputs: set) -> None:
    """A host node may read model inputs and host outputs only: device values are not there
    before the compiled step."""
    for node in host_nodes:
        for tensor in node.input_tensors:
            if not (_is_input(tensor) or id(tensor) in host_outputs):
                raise errors.ConfigError(errors.message(
                    "mixes strings with values computed by the compiled part of the model.",
                    where=f"Layer '{node.layer.name}' ({type(node.layer).__name__})",
                    got=f"an input {tensor} computed from other layers",
                    fix="Feed string layers only from Inputs and other string layers."))


def _host_value(value: Any):
    """Lists of strings as NumPy arrays; other data as given."""
    if isinstance(value, (list, tuple)):
        return np.asarray(value)
    if hasattr(value, "numpy") and not isinstance(value, (np.ndarray, jax.Array)):
        return value.numpy()  # a tf.Tensor of strings
    return value
