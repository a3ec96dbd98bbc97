"""Keras 3's object dicts: `{module, class_name, config, registered_name, build_config?}`.

`serialize_keras_object` writes them for layers, models, optimizers, losses, metrics and
registered functions; `deserialize_keras_object` reads them back, resolving classes through
`custom_objects`, `custom_object_scope`, `register_keras_serializable` and lamina's built-ins.
Python code stored in a file (a Keras `Lambda`'s bytecode) is never run.
"""

from __future__ import annotations

import contextlib
from typing import Any, Iterator, Mapping

import numpy as np

from lamina import errors
from lamina.layers.base import LAYER_CLASSES, Layer
from lamina.saving import registry

_KERAS_MODULES = {"lamina.layers": "keras.layers", "lamina.models": "keras",
                  "lamina.optimizers": "keras.optimizers", "lamina.losses": "keras.losses",
                  "lamina.metrics": "keras.metrics"}


_KERAS_INTERNAL_CLASSES = {"Functional": ("keras.src.models.functional", "Functional")}


def _module_of(cls: type) -> str:
    for prefix, keras_module in _KERAS_MODULES.items():
        if cls.__module__.startswith(prefix):
            return keras_module
    return cls.__module__


def _is_builtin(cls: type) -> bool:
    return cls.__module__.startswith("lamina.")


def serialize_keras_object(obj: Any) -> Any:
    """`obj` as Keras 3 serializes it (plain values pass through, containers recurse)."""
    if obj is None or isinstance(obj, (str, bool, int, float)):
        return obj
    if isinstance(obj, (list, tuple)):
        return [serialize_keras_object(x) for x in obj]
    if isinstance(obj, dict):
        return {k: serialize_keras_object(v) for k, v in obj.items()}
    if isinstance(obj, (np.ndarray, np.generic)):
        return np.asarray(obj).tolist()
    if isinstance(obj, type) or (callable(obj) and not hasattr(obj, "get_config")):
        return _serialize_function(obj)
    if not hasattr(obj, "get_config"):
        raise errors.ConfigError(f"Cannot serialize {obj!r}: it has no get_config(). "
                                 "Give its class get_config() / from_config().")
    cls = type(obj)
    config = serialize_keras_object(obj.get_config())
    if isinstance(obj, Layer) and isinstance(config, dict) and "layers" in config:
        config = keras3_layer_list(_describe_layer_entries(obj, config))
    result = {"module": _module_of(cls), "class_name": cls.__name__, "config": config,
              "registered_name": None if _is_builtin(cls) else registry.get_registered_name(cls)}
    if getattr(cls, "keras_module", None):  # graph operations (layers/tensor_ops.py)
        result["module"], result["registered_name"] = cls.keras_module, cls.__name__
    if cls.__name__ in _KERAS_INTERNAL_CLASSES:  # Keras finds these by module + registered name
        result["module"], result["registered_name"] = _KERAS_INTERNAL_CLASSES[cls.__name__]
    if isinstance(obj, Layer) and obj.built and obj._build_shape is not None:
        result["build_config"] = {"input_shape": _shape_to_json(obj._build_shape)}
    return result


def _describe_layer_entries(model: Layer, config: dict) -> dict:
    """Each layer entry of a container's config gets the layer's real module and registered
    name (custom classes), and in a Sequential its build_config, as Keras writes them."""
    by_name = {layer.name: layer for layer in getattr(model, "layers", [])}
    sequential = any(c.__name__ == "Sequential" for c in type(model).__mro__)
    entries = []
    for entry in config["layers"]:
        layer = by_name.get(entry.get("config", {}).get("name"))
        if layer is not None:
            described = serialize_keras_object(layer) if sequential else {}
            entry = {**entry, "module": _module_of(type(layer)),
                     "registered_name": None if _is_builtin(type(layer))
                     else registry.get_registered_name(type(layer))}
            if "build_config" in described:
                entry["build_config"] = described["build_config"]
        entries.append(entry)
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
            "batch_shape": list(shape), "dtype": dtype or "float32", "sparse": False,
            "ragged": False, "name": "input_layer", "optional": False},
            "registered_name": None})
    return {**config, "layers": layers}


def _serialize_function(fn) -> dict:
    name = registry.get_registered_name(fn)
    if getattr(fn, "__name__", None) == "<lambda>":
        raise errors.ConfigError("Cannot serialize a lambda function: give it a name with `def` "
                                 "and register it with register_keras_serializable().")
    return {"module": getattr(fn, "__module__", None), "class_name": "function",
            "config": name, "registered_name": "function"}


def _shape_to_json(shape):
    if isinstance(shape, (list, tuple)):
        return [_shape_to_json(d) for d in shape]
    if isinstance(shape, dict):
        return {k: _shape_to_json(v) for k, v in shape.items()}
    return shape


def json_to_shape(shape):
    """JSON lists back to shape tuples (a list of shapes stays a list of tuples)."""
    if isinstance(shape, dict):
        return {k: json_to_shape(v) for k, v in shape.items()}
    if isinstance(shape, (list, tuple)):
        if all(d is None or isinstance(d, int) for d in shape):
            return tuple(shape)
        return [json_to_shape(s) for s in shape]
    return shape


def check_safe(config: Any, safe_mode: bool = True) -> None:
    """Refuse configs carrying Python bytecode (Keras's `__lambda__` dicts)."""
    if isinstance(config, dict):
        if config.get("class_name") == "__lambda__":
            if safe_mode:
                raise errors.ConfigError(
                    "The file holds a Lambda layer or function stored as Python bytecode, and "
                    "deserializing it could run arbitrary code, so safe_mode=True refuses it. "
                    "If you trust the file, pass safe_mode=False; better, rewrite the Lambda "
                    "as a custom layer registered with register_keras_serializable().")
            raise errors.ConfigError(
                "The file holds Python bytecode (a Keras Lambda), which lamina never runs. "
                "Rewrite the Lambda as a custom layer registered with "
                "register_keras_serializable().")
        for value in config.values():
            check_safe(value, safe_mode)
    elif isinstance(config, list):
        for value in config:
            check_safe(value, safe_mode)


def _resolve(config: dict, custom_objects: Mapping[str, Any] | None):
    for key in (config.get("registered_name"), config.get("class_name")):
        if isinstance(key, str):
            found = registry.get_registered_object(key, custom_objects)
            if found is not None:
                return found
    return None


@contextlib.contextmanager
def layer_scope(custom_objects: Mapping[str, Any] | None) -> Iterator[None]:
    """Make custom layer classes visible to `from_config` of containers (Sequential looks its
    layers up in `LAYER_CLASSES` by class name); restores the registry afterwards."""
    objects = {**registry.scoped_objects(), **(custom_objects or {})}
    patch = {}
    for key, obj in objects.items():
        if isinstance(obj, type) and issubclass(obj, Layer):
            for name in {key, key.split(">")[-1], obj.__name__}:
                patch[name] = obj
    saved = {name: LAYER_CLASSES[name] for name in patch if name in LAYER_CLASSES}
    LAYER_CLASSES.update(patch)
    try:
        with registry.custom_object_scope(custom_objects):
            yield
    finally:
        for name in patch:
            if name in saved:
                LAYER_CLASSES[name] = saved[name]
            else:
                LAYER_CLASSES.pop(name, None)


def deserialize_keras_object(config: Any, custom_objects: Mapping[str, Any] | None = None,
                             safe_mode: bool = True) -> Any:
    """The object a Keras 3 dict describes (layers and models come back built)."""
    if not isinstance(config, dict) or "class_name" not in config:
        return config
    check_safe(config, safe_mode)
    if config["class_name"] == "function":
        return _deserialize_function(config, custom_objects)
    module = str(config.get("module") or "")
    cls = _resolve(config, custom_objects)
    if cls is None and module.startswith(("keras.optimizers", "keras.losses", "keras.metrics")):
        return _deserialize_builtin(module, config, custom_objects)
    if cls is None and module.startswith("keras.src.ops"):
        from lamina.layers.tensor_ops import OP_CLASSES

        cls = OP_CLASSES.get(config["class_name"])
    if cls is None:
        cls = LAYER_CLASSES.get(config["class_name"])
    if cls is None:
        raise errors.unknown_name("class", str(config["class_name"]), [
            *LAYER_CLASSES, *registry.scoped_objects(), *(custom_objects or {})]) from None
    with layer_scope(custom_objects):
        obj = _from_config(cls, config.get("config", {}), custom_objects)
    build_config = config.get("build_config")
    if isinstance(obj, Layer) and build_config and not obj.built:
        shape = json_to_shape(build_config.get("input_shape"))
        if shape is not None:
            obj.build(shape) if hasattr(obj, "layers") else obj._maybe_build(shape)
    return obj


def _from_config(cls, inner: Any, custom_objects):
    if not hasattr(cls, "from_config"):
        return cls(**inner) if isinstance(inner, dict) else cls
    try:
        return cls.from_config(inner, custom_objects=custom_objects)
    except TypeError as exc:
        if "custom_objects" not in str(exc):
            raise
        return cls.from_config(inner)


def _deserialize_builtin(module: str, config: dict, custom_objects):
    from lamina import losses, metrics, optimizers

    if module.startswith("keras.optimizers"):
        return optimizers.deserialize(config, custom_objects)
    family = losses if module.startswith("keras.losses") else metrics
    return family.deserialize(config)


def _deserialize_function(config: dict, custom_objects):
    name = config.get("config")
    found = registry.get_registered_object(str(name), custom_objects)
    if found is None and isinstance(name, str):
        found = registry.get_registered_object(name.split(">")[-1], custom_objects)
    if found is None:
        from lamina import activations, losses, metrics

        for family in (activations, losses, metrics):
            try:
                return family.get(name)
            except (errors.LaminaError, ValueError, KeyError):
                continue
        raise errors.unknown_name("function", str(name), registry.scoped_objects())
    return found
