"""The `layers` list of a Sequential's config as Keras 3 writes it: each layer as
`serialize_keras_object(layer)` gives it (real module, registered name, build_config), and
`input_shape=` on the first layer turned into an InputLayer entry."""

from __future__ import annotations

from typing import Any, Callable


def _is_sequential(model: Any) -> bool:
    return any(c.__name__ == "Sequential" for c in type(model).__mro__)


def describe_layer_entries(model: Any, config: dict, serialize: Callable[[Any], Any]) -> dict:
    """A Sequential's layer entries re-serialized from the layers themselves (functional
    configs already carry them, with `name` and `inbound_nodes`)."""
    if not _is_sequential(model):
        return config
    by_name = {layer.name: layer for layer in getattr(model, "layers", [])}
    entries = []
    for entry in config["layers"]:
        layer = by_name.get(entry.get("config", {}).get("name"))
        entries.append(entry if layer is None else serialize(layer))
    return {**config, "layers": entries}


def keras3_layer_list(config: dict) -> dict:
    """A Sequential config as Keras 3 writes it: `input_shape=` on the first layer becomes an
    InputLayer entry (Keras 3 layer configs carry no `batch_input_shape`)."""
    layers = [dict(entry, config=dict(entry["config"])) for entry in config["layers"]]
    shape = None
    for entry in layers:
        shape = entry["config"].pop("batch_input_shape", None) if shape is None else shape
        entry["config"].pop("batch_input_shape", None)
    if shape is not None and not (layers and layers[0]["class_name"] == "InputLayer"):
        dtype = layers[0]["config"].get("dtype")
        if isinstance(dtype, dict):
            dtype = dtype.get("config", {}).get("name")
        layers.insert(0, {"module": "keras.layers", "class_name": "InputLayer", "config": {
            "batch_shape": tuple(shape), "dtype": dtype or "float32", "sparse": False,
            "ragged": False, "name": "input_layer", "optional": False},
            "registered_name": None})
    return {**config, "layers": layers}
