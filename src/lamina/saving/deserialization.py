"""`deserialize_keras_object`: the object a Keras 3 dict describes, built, and compiled when
the dict carries a `compile_config` (as `keras.saving.deserialize_keras_object` does).

Classes and functions are found, in order, in `custom_objects`, the active
`custom_object_scope`s, the `register_keras_serializable` registry (by registered name, then
class name), the caller's `module_objects`, and lamina's built-ins under Keras's module names.
Python code stored in a file (a Keras `Lambda`'s bytecode) is never run.
"""

from __future__ import annotations

import contextlib
import difflib
import inspect
import warnings
from typing import Any, Iterator, Mapping

from lamina import errors
from lamina.layers.base import LAYER_CLASSES, Layer
from lamina.layers.layer_saving import json_to_shape  # noqa: F401 - re-exported
from lamina.saving import registry
from lamina.saving.builtin_objects import builtin_class, builtin_classes, builtin_function

PLAIN_TYPES = (str, int, float, bool)
_ARGUMENTS = ("__slice__", "__ellipsis__", "__tensor__", "__numpy__")


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


@contextlib.contextmanager
def layer_scope(custom_objects: Mapping[str, Any] | None) -> Iterator[None]:
    """`custom_objects` visible to nested lookups (a custom_object_scope), and custom layer
    classes visible to containers that look layers up by class name (RNN cells, wrappers);
    the layer registry is restored afterwards."""
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
                             safe_mode: bool = True, **kwargs) -> Any:
    """The object a Keras 3 config describes (layers and models come back built).

    `module_objects` (keyword) is a family's built-ins by name, searched after the custom
    objects, as in Keras. A bare string comes back as the object of that name when one is
    found, else unchanged."""
    module_objects = kwargs.pop("module_objects", None)
    if kwargs:
        raise TypeError(f"deserialize_keras_object got unexpected arguments {sorted(kwargs)}.")
    if config is None or isinstance(config, (bool, int, float)):
        return config
    if isinstance(config, str):
        found = registry.get_registered_object(config, custom_objects, module_objects)
        return config if found is None else found
    if isinstance(config, (list, tuple)):
        return [deserialize_keras_object(x, custom_objects, safe_mode,
                                         module_objects=module_objects) for x in config]
    if not isinstance(config, dict):
        raise TypeError(f"Could not parse config: {config!r}")
    check_safe(config, safe_mode)
    if "class_name" not in config:
        return {key: deserialize_keras_object(value, custom_objects, safe_mode)
                for key, value in config.items()}
    return _deserialize_dict(config, custom_objects, safe_mode, module_objects)


def _deserialize_dict(config: dict, custom_objects, safe_mode: bool, module_objects) -> Any:
    class_name = config["class_name"]
    if class_name == "__keras_tensor__":
        return config  # functional configs resolve tensor references themselves
    if class_name in _ARGUMENTS:
        from lamina.layers.tensor_ops import revive_argument

        return revive_argument(config)
    if class_name == "__bytes__":
        return config["config"]["value"].encode("utf-8")
    if class_name == "function":
        return deserialize_function(config, custom_objects, module_objects)
    cls = resolve_class(config, custom_objects, module_objects)
    if not inspect.isclass(cls):  # a registered function stored under a class entry
        return cls
    return _instantiate(cls, config, custom_objects)


def deserialize_function(config: dict, custom_objects=None, module_objects=None):
    """The function a `{"class_name": "function", "config": name}` dict names."""
    name = config.get("config")
    if not isinstance(name, str):
        raise TypeError(f"Expected 'config' to be a non-null str for a function class_name. "
                        f"Received: config={config!r}")
    found = registry.get_registered_object(name, custom_objects, module_objects)
    if found is None:
        found = builtin_function(name)
    if found is None:
        found = registry.find_object(name, custom_objects)
    if found is None:
        raise _not_found("function", name, [*(module_objects or {}), *registry.visible_names(
            custom_objects)])
    return found


def resolve_class(config: dict, custom_objects=None, module_objects=None):
    """The class a config names: custom objects by registered name, then by class name, then
    the family's `module_objects`, then lamina's built-in under the config's Keras module."""
    class_name, module = config["class_name"], config.get("module")
    registered = config.get("registered_name") or class_name
    for key in (registered, class_name):
        found = registry.get_registered_object(key, custom_objects)
        if found is not None:
            return found
    if module_objects and class_name in module_objects:
        return module_objects[class_name]
    found = builtin_class(module, class_name)
    if found is None:
        found = registry.find_object(registered, custom_objects)
    if found is None:
        known = module_objects or builtin_classes(module)
        raise _not_found("class", class_name, [*known, *registry.visible_names(custom_objects)],
                         module)
    return found


def _not_found(kind: str, name: str, known: list[str], module: str | None = None):
    where = f" (module {module!r})" if module and not module.startswith("keras") else ""
    close = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
    hint = f" Did you mean {' or '.join(map(repr, close))}?" if close else ""
    short = name.split(">")[-1]
    return errors.UnknownObjectError(
        f"Could not locate {kind} {name!r}{where}.{hint}\nDecorate it with "
        "@keras.saving.register_keras_serializable() and import it before loading, or pass "
        f"custom_objects={{{short!r}: {short}}} to the loading function (or use "
        "keras.saving.custom_object_scope).")


def _instantiate(cls: type, config: dict, custom_objects) -> Any:
    """`cls.from_config(config["config"])` inside a scope holding `custom_objects`, then
    `build_from_config` and the compile step, as Keras does."""
    inner = config.get("config")
    inner = {} if inner is None else inner
    with layer_scope(custom_objects):
        try:
            instance = _from_config(cls, inner, custom_objects)
        except errors.UnknownNameError:
            raise  # an unknown nested object: its own message says what to register
        except TypeError as exc:
            raise TypeError(
                f"{cls.__name__} could not be deserialized properly: {exc}. Make sure "
                f"{cls.__name__}.get_config() returns every argument its __init__ needs, and "
                "that objects it returns (layers, models, ...) are deserialized in "
                "from_config().") from exc
        build_config = config.get("build_config")
        if build_config and hasattr(instance, "build_from_config") and \
                not getattr(instance, "built", False):
            instance.build_from_config(build_config)
        if config.get("compile_config"):
            _compile_from_config(instance, config["compile_config"], custom_objects)
    return instance


def _from_config(cls: type, inner: Any, custom_objects):
    if not hasattr(cls, "from_config"):
        return cls(**inner) if isinstance(inner, dict) else cls
    inner = dict(inner) if isinstance(inner, dict) else inner
    try:
        takes_objects = "custom_objects" in inspect.signature(cls.from_config).parameters
    except (TypeError, ValueError):
        takes_objects = False
    if takes_objects:
        return cls.from_config(inner, custom_objects=custom_objects)
    return cls.from_config(inner)


def _compile_from_config(instance: Any, compile_config: dict, custom_objects) -> None:
    """The model's own `compile_from_config`, else lamina's; a model whose class overrides
    `compile()` is left uncompiled with a warning, as in Keras."""
    if hasattr(instance, "compile_from_config"):
        instance.compile_from_config(compile_config)
        return
    if not hasattr(instance, "compile"):
        return
    from lamina.models.model import Model
    from lamina.saving import compile_state

    if type(instance).compile is not Model.compile:
        warnings.warn(
            "`compile()` was not called as part of model loading because the model's "
            "`compile()` method is custom. All subclassed Models that have `compile()` "
            "overridden should also override `get_compile_config()` and "
            "`compile_from_config(config)`. Alternatively, you can call `compile()` manually "
            "after loading.", stacklevel=4)
        return
    compile_state.compile_from_config(instance, compile_config, custom_objects)
