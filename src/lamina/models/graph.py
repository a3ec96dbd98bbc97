"""The model graph: nodes recorded by symbolic calls, their topological order, and evaluation.

Calling a layer on KerasTensors records a `Node` (the layer, the call's arguments with their
KerasTensors, the output KerasTensors). A functional model is the set of nodes between its
inputs and outputs, ordered as Keras orders them (by depth from the outputs, ties in
traversal order), and `run` evaluates them on arrays: one pure function, traced by the engine.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from lamina import errors
from lamina.layers.base import KerasTensor

_is_tensor = lambda v: isinstance(v, KerasTensor)  # noqa: E731


def flatten(structure) -> list:
    """The KerasTensors / arrays of a (nested) list, tuple or dict, in Keras's order."""
    return jax.tree_util.tree_leaves(structure, is_leaf=_is_tensor)


def pack_like(structure, flat: list):
    """Rebuild `structure`'s nesting with the values of `flat`."""
    treedef = jax.tree_util.tree_structure(structure, is_leaf=_is_tensor)
    return jax.tree_util.tree_unflatten(treedef, flat)


class Node:
    """One call of a layer on symbolic tensors."""

    def __init__(self, layer, args: tuple, kwargs: dict, outputs):
        self.layer = layer
        self.args = args
        self.kwargs = kwargs
        self.outputs_struct = outputs
        self.outputs = flatten(outputs)
        self.input_tensors = [t for t in flatten((args, kwargs)) if _is_tensor(t)]
        self.is_input = not args and not kwargs

    @property
    def parent_nodes(self) -> list[Node]:
        return [history[0]._inbound_nodes[history[1]] for history in
                (t._keras_history for t in self.input_tensors) if history is not None]

    def fill_in(self, values: dict[int, Any]) -> tuple[tuple, dict]:
        """The call's (args, kwargs) with each KerasTensor replaced by its computed value."""
        return jax.tree_util.tree_map(lambda v: values[id(v)] if _is_tensor(v) else v,
                                      (self.args, self.kwargs), is_leaf=_is_tensor)


def record_node(layer, args: tuple, kwargs: dict, outputs):
    """Record a symbolic call of `layer` and stamp its outputs with their history."""
    nodes = layer.__dict__.setdefault("_inbound_nodes", [])
    node = Node(layer, args, kwargs, outputs)
    for index, tensor in enumerate(node.outputs):
        tensor._keras_history = (layer, len(nodes), index)
    nodes.append(node)
    return outputs


def _node_of(tensor: KerasTensor) -> Node:
    layer, node_index, _ = tensor._keras_history
    return layer._inbound_nodes[node_index]


def _build_map(inputs: list, outputs: list) -> tuple[list[Node], dict]:
    """Nodes from inputs to outputs (depth-first, post-order) and each layer's first visit."""
    finished, in_progress, ordered, layer_index = set(), set(), [], {}
    input_ids = {id(t) for t in inputs}

    def visit(tensor: KerasTensor) -> None:
        node = _node_of(tensor)
        if node in finished:
            return
        if not node.is_input and id(tensor) in input_ids:
            finished.add(node)
            return
        if node in in_progress:
            raise errors.ConfigError(f"Tensor {tensor} from layer '{node.layer.name}' is part "
                                     "of a cycle.")
        layer_index.setdefault(node.layer, len(layer_index))
        in_progress.add(node)
        for parent in node.input_tensors:
            if parent._keras_history is not None:
                visit(parent)
        finished.add(node)
        in_progress.discard(node)
        ordered.append(node)

    for output in outputs:
        visit(output)
    return ordered, layer_index


def map_graph(inputs: list, outputs: list) -> tuple[dict[int, list[Node]], list]:
    """`(nodes_by_depth, layers)` of the graph from `inputs` to `outputs`, ordered as Keras
    orders them; raises when an output cannot be computed from the inputs."""
    ordered, layer_index = _build_map(inputs, outputs)
    in_graph = set(ordered)
    node_depth: dict[Node, int] = {}
    layer_depth: dict[Any, int] = {}
    for node in reversed(ordered):
        depth = max(node_depth.setdefault(node, 0), layer_depth.get(node.layer, 0))
        layer_depth[node.layer] = node_depth[node] = depth
        for parent in node.parent_nodes:
            if parent in in_graph:
                node_depth[parent] = max(depth + 1, node_depth.get(parent, 0))
    for tensor in inputs:  # inputs feeding no output still belong to the model
        node = _node_of(tensor)
        if node.is_input and node.layer not in layer_depth:
            layer_depth[node.layer], layer_index[node.layer], node_depth[node] = 0, -1, 0
    nodes_by_depth: dict[int, list[Node]] = defaultdict(list)
    for node, depth in node_depth.items():
        nodes_by_depth[depth].append(node)
    layers_by_depth: dict[int, list] = defaultdict(list)
    for layer, depth in layer_depth.items():
        layers_by_depth[depth].append(layer)
    layers = [layer for depth in sorted(layers_by_depth, reverse=True)
              for layer in sorted(layers_by_depth[depth], key=lambda x: layer_index[x])]
    _check_computable(inputs, nodes_by_depth)
    _check_unique_names(layers)
    return dict(nodes_by_depth), layers


def _check_computable(inputs: list, nodes_by_depth: dict[int, list[Node]]) -> None:
    known = {id(t) for t in inputs}
    for depth in sorted(nodes_by_depth, reverse=True):
        for node in nodes_by_depth[depth]:
            for tensor in node.input_tensors:
                if id(tensor) not in known:
                    raise errors.ConfigError(errors.message(
                        "Graph disconnected: the model's outputs depend on a tensor that is not "
                        "computed from its inputs.",
                        where=f"Layer '{node.layer.name}' ({type(node.layer).__name__})",
                        got=f"an input {tensor} that no model input leads to",
                        fix="Pass every Input(...) the outputs depend on in Model(inputs=...), "
                            f"e.g. Input '{tensor.name}'."))
            if not node.is_input:  # an Input missing from Model(inputs=...) computes nothing
                known.update(id(t) for t in node.outputs)


def _check_unique_names(layers: list) -> None:
    names = [layer.name for layer in layers]
    for name in names:
        if names.count(name) > 1:
            raise errors.ConfigError(
                f'The name "{name}" is used {names.count(name)} times in the model. All layer '
                "names should be unique: pass distinct name= arguments to the layers.")


def run(nodes_by_depth: dict[int, list[Node]], inputs: list, values: list, outputs: list,
        training=None, masks: list | None = None) -> list:
    """Evaluate the graph on arrays `values` (one per input); returns one array per output.

    Masks (from Embedding(mask_zero=True) and the like) flow along single-input edges."""
    computed = {id(t): adjust_rank(v, t) for t, v in zip(inputs, values)}
    mask_of = {id(t): m for t, m in zip(inputs, masks or []) if m is not None}
    for depth in sorted(nodes_by_depth, reverse=True):
        for node in nodes_by_depth[depth]:
            if node.is_input or any(id(t) not in computed for t in node.input_tensors):
                continue
            result = _run_node(node, computed, mask_of, training)
            for tensor, value in zip(node.outputs, flatten(result)):
                computed[id(tensor)] = value
    missing = [i for i, t in enumerate(outputs) if id(t) not in computed]
    if missing:
        raise errors.ConfigError(f"Output {missing[0]} of the model is not connected to its "
                                 "inputs. Build the outputs from the model's Input tensors.")
    return [computed[id(t)] for t in outputs]


def _run_node(node: Node, computed: dict, mask_of: dict, training):
    """One recorded call on computed values; records the output's mask (layers only: ops take
    neither `training` nor `mask`)."""
    args, kwargs = node.fill_in(computed)
    if getattr(node.layer, "is_operation", False):
        return node.layer(*args, **kwargs)
    kwargs.setdefault("training", training)
    mask = _incoming_mask(node, args, mask_of)
    result = node.layer(*args, mask=mask, **kwargs)
    if len(node.outputs) == 1 and args:
        out_mask = node.layer.compute_mask(args[0], mask)
        if out_mask is not None:
            mask_of[id(node.outputs[0])] = out_mask
    return result


def _incoming_mask(node: Node, args: tuple, mask_of: dict):
    """The mask a recorded call receives: its input's, or for a list of inputs (merge layers)
    one per input (None when none has one)."""
    if len(node.input_tensors) == 1:
        return mask_of.get(id(node.input_tensors[0]))
    if args and isinstance(args[0], (list, tuple)):
        masks = [mask_of.get(id(t)) for t in node.input_tensors]
        return masks if any(m is not None for m in masks) else None
    return None


def rank_adjustable(shape: tuple, reference: tuple) -> bool:
    """Whether data of `shape` fits an input of `reference` shape once Keras's input-rank
    adjustment drops or adds one trailing axis of size 1."""
    if len(shape) == len(reference) + 1:
        return shape[-1] == 1
    return len(shape) == len(reference) - 1 and reference[-1] == 1


def adjust_rank(value, tensor: KerasTensor):
    """`value` for the input `tensor`, as Keras 3's functional models take it: with one
    trailing axis of size 1 squeezed or added when that makes the ranks agree."""
    shape = tuple(np.shape(value))
    if len(shape) == len(tensor.shape) or not hasattr(value, "shape"):
        return value
    if rank_adjustable(shape, tensor.shape):
        squeeze = len(shape) > len(tensor.shape)
        xp = np if isinstance(value, np.ndarray) and value.dtype.kind in "OSU" else jnp  # text
        return xp.squeeze(value, -1) if squeeze else xp.expand_dims(value, -1)
    raise errors.ShapeError(
        f"Invalid input shape for input {value.__class__.__name__} with name '{tensor.name}'. "
        f"Expected shape {tensor.shape}, but input has incompatible shape {shape}.\nGive the "
        f"data the rank of the Input (a trailing axis of size 1 is added or dropped for you).")
