"""Functional model configs in Keras 3's format: `layers` (each with `inbound_nodes`),
`input_layers`, `output_layers`; and rebuilding a model from one (Keras files included)."""

from __future__ import annotations

from typing import Any

import jax

from lamina import errors
from lamina.layers.base import KerasTensor
from lamina.layers.tensor_ops import ARGUMENT_CLASSES, revive_argument, serialize_argument

_is_tensor = lambda v: isinstance(v, KerasTensor)  # noqa: E731


def _is_functional(layer) -> bool:
    return any(c.__name__ == "Functional" for c in type(layer).__mro__)


def _own_nodes(model) -> set[int]:
    return {id(n) for nodes in model._nodes_by_depth.values() for n in nodes}


def _node_index(layer, node_index: int, own: set[int]) -> int:
    """Keras's index of a node: counting only this model's nodes of the layer, plus one for
    nested functional models (Keras gives them a first node of their own)."""
    kept = sum(1 for n in layer._inbound_nodes[:node_index] if id(n) in own)
    return kept + (1 if _is_functional(layer) else 0)


def _tensor_config(tensor: KerasTensor, own: set[int]) -> dict:
    layer, node_index, tensor_index = tensor._keras_history
    return {"class_name": "__keras_tensor__", "config": {
        "shape": tuple(tensor.shape), "dtype": tensor.dtype,
        "keras_history": [layer.name, _node_index(layer, node_index, own), tensor_index]}}


def _history(tensor: KerasTensor, own: set[int]) -> list:
    return _tensor_config(tensor, own)["config"]["keras_history"]


def _node_config(node, own: set[int]) -> dict:
    from lamina.saving.serialization import serialize_keras_object

    args, kwargs = jax.tree_util.tree_map(
        lambda v: _tensor_config(v, own) if _is_tensor(v) else (
            serialize_argument(v) or serialize_keras_object(v)),
        (tuple(node.args), dict(node.kwargs)), is_leaf=_is_tensor)
    if _is_functional(node.layer):
        kwargs = {"mask": None, **kwargs}  # Keras records the mask its models are called with
    return {"args": args, "kwargs": kwargs}


def functional_config(model) -> dict:
    """`model.get_config()` as Keras 3 writes it for functional models."""
    from lamina.saving.serialization import serialize_keras_object

    own = _own_nodes(model)
    layers = []
    for layer in model._operations:  # layers and `x + y`-style operations, as Keras lists them
        entry = serialize_keras_object(layer)
        entry["name"] = layer.name
        entry["inbound_nodes"] = [_node_config(n, own) for n in layer._inbound_nodes
                                  if id(n) in own and not n.is_input]
        layers.append(entry)
    as_history = lambda t: _history(t, own)  # noqa: E731
    return {"name": model.name, "trainable": model.trainable, "layers": layers,
            "input_layers": _map(as_history, model._inputs_struct),
            "output_layers": _map(as_history, model._outputs_struct)}


def _map(fn, structure):
    return jax.tree_util.tree_map(fn, structure, is_leaf=_is_tensor)


def _is_history(value) -> bool:
    return isinstance(value, list) and len(value) == 3 and isinstance(value[0], str) and \
        isinstance(value[1], int)


def functional_from_config(cls, config: dict, custom_objects=None):
    """Rebuild a functional model: create each layer, then replay its calls in order."""
    from lamina.saving.serialization import deserialize_keras_object

    created, pending = {}, []
    for entry in config["layers"]:
        layer = deserialize_keras_object(entry, custom_objects)
        created[entry.get("name", layer.name)] = layer
        pending += [(layer, node) for node in entry.get("inbound_nodes", [])]
    while pending:
        remaining = [(layer, node) for layer, node in pending
                     if not _try_call(layer, node, created)]
        if len(remaining) == len(pending):
            names = sorted({layer.name for layer, _ in remaining})
            raise errors.ConfigError(f"Invalid functional model config: the calls of layers "
                                     f"{names} refer to tensors no other layer produces.")
        pending = remaining

    def tensor(history):
        return _lookup(created, *history)

    inputs = _revive(config["input_layers"], tensor)
    outputs = _revive(config["output_layers"], tensor)
    return cls(inputs, outputs, name=config.get("name"),
               trainable=config.get("trainable", True))


def _lookup(created: dict, name: str, node_index: int, tensor_index: int) -> KerasTensor:
    layer = created.get(name)
    if layer is None:
        raise errors.ConfigError(f"Invalid functional model config: unknown layer {name!r}.")
    index = node_index - (1 if _is_functional(layer) else 0)
    if not 0 <= index < len(layer._inbound_nodes):
        raise IndexError(name)
    return layer._inbound_nodes[index].outputs[tensor_index]


def _revive(structure, tensor_fn) -> Any:
    """Replace Keras tensor references ([name, node, index] or __keras_tensor__ dicts)."""
    if _is_history(structure):
        return tensor_fn(structure)
    if isinstance(structure, dict):
        if structure.get("class_name") == "__keras_tensor__":
            return tensor_fn(structure["config"]["keras_history"])
        if structure.get("class_name") in ARGUMENT_CLASSES:
            return revive_argument(structure)
        return {k: _revive(v, tensor_fn) for k, v in structure.items()}
    if isinstance(structure, (list, tuple)):
        return [_revive(v, tensor_fn) for v in structure]
    return structure


def _try_call(layer, node: Any, created: dict) -> bool:
    """Replay one recorded call; False while a tensor it needs does not exist yet."""
    from lamina.saving.serialization import deserialize_keras_object

    try:
        if isinstance(node, list):  # the older [[name, node, tensor, kwargs], ...] form
            tensors = [_lookup(created, *item[:3]) for item in node]
            args, kwargs = [tensors[0] if len(tensors) == 1 else tensors], {}
        else:
            args = _revive(node.get("args", []), lambda h: _lookup(created, *h))
            kwargs = _revive(node.get("kwargs", {}), lambda h: _lookup(created, *h))
            kwargs = {k: deserialize_keras_object(v) if isinstance(v, dict) and
                      "class_name" in v else v for k, v in kwargs.items()}
    except IndexError:
        return False
    if not getattr(layer, "is_operation", False):  # a layer's recorded mask is recomputed;
        kwargs.pop("mask", None)                     # an op's `mask=` is a real argument
    layer(*args, **kwargs)
    return True
