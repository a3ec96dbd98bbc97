"""get_source_inputs and is_keras_tensor, as in `keras.utils`: questions about the symbolic
tensors of functional models."""

from __future__ import annotations

from lamina.backend import is_keras_tensor
from lamina.tree import flatten

__all__ = ["get_source_inputs", "is_keras_tensor"]


def get_source_inputs(tensor) -> list:
    """The `keras.Input` tensors that `tensor` is computed from, each once, in the order met
    walking back through its layers (a list, even of one). Anything that is not a symbolic
    tensor is returned as it is.

    ```python
    inputs = keras.Input((4,))
    outputs = keras.layers.Dense(2)(keras.layers.Dense(3)(inputs))
    assert keras.utils.get_source_inputs(outputs)[0] is inputs
    ```
    """
    if not hasattr(tensor, "_keras_history"):
        return tensor
    if tensor._keras_history is None:
        return [tensor]
    layer, node_index, _ = tensor._keras_history
    node = layer._inbound_nodes[node_index]
    if node.is_input:
        return flatten(node.outputs)
    sources: list = []
    for parent in node.input_tensors:
        for source in get_source_inputs(parent):
            if all(source is not known for known in sources):
                sources.append(source)
    return sources
