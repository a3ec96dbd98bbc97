"""Keras 3's object dicts: `{module, class_name, config, registered_name, build_config?,
compile_config?}`, written exactly as `keras.saving.serialize_keras_object` writes them.

lamina's built-in classes are written under Keras's public modules (`keras.layers`,
`keras.initializers`, ...) with `registered_name: None`; user classes under their own module
(None for `__main__`) and their registered name (`"package>Name"`, or the class name when not
registered); every function as `{"module": "builtins", "class_name": "function",
"config": <registered name>, "registered_name": "function"}`. The reverse is
`deserialization.deserialize_keras_object`, re-exported here.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lamina import errors
from lamina.saving import registry
from lamina.saving.container_config import describe_layer_entries, keras3_layer_list
from lamina.saving.deserialization import (  # noqa: F401 - re-exported
    check_safe,
    deserialize_keras_object,
    json_to_shape,
)

PLAIN_TYPES = (str, int, float, bool)

#: lamina module prefix -> the Keras module its public classes live in (most specific first).
_KERAS_MODULES = (
    ("lamina.layers", "keras.layers"), ("lamina.models", "keras"),
    ("lamina.optimizers.schedules", "keras.optimizers.schedules"),
    ("lamina.optimizers", "keras.optimizers"), ("lamina.losses", "keras.losses"),
    ("lamina.metrics", "keras.metrics"), ("lamina.initializers", "keras.initializers"),
    ("lamina.regularizers", "keras.regularizers"), ("lamina.constraints", "keras.constraints"),
    ("lamina.random", "keras.random"), ("lamina.utils", "keras.utils"),
)
#: classes Keras does not export publicly: written with their Keras module and registered name.
_KERAS_INTERNAL_CLASSES = {"Functional": ("keras.src.models.functional", "Functional")}


def is_builtin(cls: type) -> bool:
    """Whether `cls` is one of lamina's own classes (written under Keras's public names)."""
    return cls.__module__.startswith("lamina.") and not registry.is_registered(cls)


def keras_module_of(cls: type) -> str | None:
    """The `module` entry Keras writes for an object of class `cls`."""
    if is_builtin(cls):
        for prefix, keras_module in _KERAS_MODULES:
            if cls.__module__.startswith(prefix):
                return keras_module
    return None if cls.__module__ == "__main__" else cls.__module__


def serialize_keras_object(obj: Any) -> Any:
    """`obj` as Keras 3 serializes it: plain values pass through, containers recurse, arrays
    become `__numpy__` / `__tensor__` dicts, functions and objects become Keras object dicts."""
    if obj is None or isinstance(obj, PLAIN_TYPES):
        return obj
    if isinstance(obj, (list, tuple)):
        items = [serialize_keras_object(x) for x in obj]
        return tuple(items) if isinstance(obj, tuple) else items
    if isinstance(obj, dict):
        return {key: serialize_keras_object(value) for key, value in obj.items()}
    special = _serialize_special(obj)
    if special is not None:
        return special
    if hasattr(obj, "get_config") and not isinstance(obj, type):
        return _serialize_object(obj)
    if callable(obj) and hasattr(obj, "__name__"):
        return serialize_function(obj)
    raise TypeError(f"Cannot serialize object {obj!r} of type {type(obj).__name__}. To be "
                    "serializable, a class must implement the `get_config()` method.")


def _serialize_special(obj: Any) -> Any:
    """Bytes, slices, `...`, NumPy and JAX values as Keras writes them; else None."""
    from lamina.layers.tensor_ops import serialize_argument

    if isinstance(obj, bytes):
        return {"class_name": "__bytes__", "config": {"value": obj.decode("utf-8")}}
    if isinstance(obj, np.generic) or (isinstance(obj, np.ndarray) and obj.ndim == 0):
        return obj.item()
    if isinstance(obj, slice):
        return {"class_name": "__slice__", "config": {
            key: serialize_keras_object(getattr(obj, key)) for key in ("start", "stop", "step")}}
    return serialize_argument(obj)


def serialize_function(fn: Any) -> dict:
    """Keras's dict for a function: found again by its registered name (`"pkg>name"`), or by
    its plain name among built-ins and `custom_objects`."""
    if getattr(fn, "__name__", None) == "<lambda>":
        raise errors.ConfigError(
            "Cannot serialize a lambda: lamina never stores Python bytecode. Define the "
            "function with `def` and decorate it with "
            "@keras.saving.register_keras_serializable(), or pass it in custom_objects when "
            "loading.")
    return {"module": "builtins", "class_name": "function",
            "config": registry.get_registered_name(fn), "registered_name": "function"}


def _serialize_object(obj: Any) -> dict:
    cls = type(obj)
    inner = obj.get_config()
    if not isinstance(inner, dict):
        raise TypeError(f"The `get_config()` method of {obj} should return a dict. "
                        f"It returned: {inner!r}")
    inner = serialize_keras_object(inner)
    if "layers" in inner and hasattr(obj, "layers"):  # Sequential / functional containers
        inner = keras3_layer_list(describe_layer_entries(obj, inner, serialize_keras_object))
    class_name = cls.__dict__.get("keras_class_name", cls.__name__)  # Keras's export name
    config = {"module": keras_module_of(cls), "class_name": class_name, "config": inner,
              "registered_name": None if is_builtin(cls) else registry.get_registered_name(cls)}
    if is_builtin(cls) and getattr(cls, "keras_module", None):  # graph ops (tensor_ops.py)
        config["module"], config["registered_name"] = cls.keras_module, cls.__name__
    if is_builtin(cls) and cls.__name__ in _KERAS_INTERNAL_CLASSES:
        config["module"], config["registered_name"] = _KERAS_INTERNAL_CLASSES[cls.__name__]
    _add_build_and_compile_config(obj, config)
    return config


def _add_build_and_compile_config(obj: Any, config: dict) -> None:
    """`build_config` / `compile_config` entries, from the object's own hooks (as Keras)."""
    if hasattr(obj, "get_build_config"):
        build_config = obj.get_build_config()
        if build_config is not None:
            config["build_config"] = serialize_keras_object(dict(build_config))
    if hasattr(obj, "get_compile_config"):
        compile_config = obj.get_compile_config()
        if compile_config is not None:
            config["compile_config"] = serialize_keras_object(dict(compile_config))
