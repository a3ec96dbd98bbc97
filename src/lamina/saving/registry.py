"""Custom objects: `register_keras_serializable`, `get_custom_objects`, `custom_object_scope`.

As in Keras, a registered class or function is known as `"<package>>{name}"` (its registered
name) in saved files. Lookups search, in order: the `custom_objects=` dict of the call, the
innermost active `custom_object_scope`s, the global registry, then the family's built-ins.
(Keras lets a registered object shadow an explicitly passed one; lamina lets the most specific
source win, and nested scopes add to each other instead of replacing each other.)
"""

from __future__ import annotations

import inspect
import threading
from typing import Any, Callable, Mapping

GLOBAL_CUSTOM_OBJECTS: dict[str, Any] = {}
GLOBAL_CUSTOM_NAMES: dict[Any, str] = {}
_scopes = threading.local()


def register_keras_serializable(package: str = "Custom", name: str | None = None) -> Callable:
    """Decorator registering a class or function as `"package>name"` (name defaults to the
    object's `__name__`), so that files naming it load without `custom_objects`."""
    if not isinstance(package, str):
        raise TypeError(
            "register_keras_serializable takes the package name and returns the decorator: "
            "write `@register_keras_serializable()` (with parentheses) or "
            f"`@register_keras_serializable(package='my_package')`. Received: package={package!r}")
    if name is not None and not isinstance(name, str):
        raise TypeError(f"`name` must be a string or None. Received: name={name!r}")

    def decorator(obj):
        registered_name = f"{package}>{name if name is not None else obj.__name__}"
        if inspect.isclass(obj) and not hasattr(obj, "get_config"):
            raise ValueError("Cannot register a class that does not have a get_config() method.")
        GLOBAL_CUSTOM_OBJECTS[registered_name] = obj
        GLOBAL_CUSTOM_NAMES[obj] = registered_name
        return obj

    return decorator


def get_custom_objects() -> dict[str, Any]:
    """The live global dict of registered custom objects (scoped objects are not in it)."""
    return GLOBAL_CUSTOM_OBJECTS


def get_registered_name(obj: Any) -> str:
    """`"package>name"` for a registered class or function, else its `__name__`."""
    try:
        if obj in GLOBAL_CUSTOM_NAMES:
            return GLOBAL_CUSTOM_NAMES[obj]
    except TypeError:  # unhashable objects are never registered
        pass
    return obj.__name__


def is_registered(obj: Any) -> bool:
    """Whether `obj` was registered with `register_keras_serializable`."""
    try:
        return obj in GLOBAL_CUSTOM_NAMES
    except TypeError:
        return False


class CustomObjectScope:
    """`with CustomObjectScope({"name": obj}):` makes `obj` visible to every deserialization
    inside the block (`load_model`, `from_config`, `activations.get`, ...)."""

    def __init__(self, custom_objects: Mapping[str, Any] | None = None):
        if custom_objects is not None and not isinstance(custom_objects, Mapping):
            raise TypeError("custom_object_scope takes a dict mapping names to classes or "
                            f"functions. Received: custom_objects={custom_objects!r}")
        self.custom_objects = dict(custom_objects or {})

    def __enter__(self) -> CustomObjectScope:
        _scope_stack().append(self.custom_objects)
        return self

    def __exit__(self, *exc) -> None:
        _scope_stack().pop()


custom_object_scope = CustomObjectScope


def _scope_stack() -> list[dict]:
    if not hasattr(_scopes, "stack"):
        _scopes.stack = []
    return _scopes.stack


def scoped_objects() -> dict[str, Any]:
    """Everything visible without an explicit dict: registered, then scoped (inner wins)."""
    merged = dict(GLOBAL_CUSTOM_OBJECTS)
    for scope in _scope_stack():
        merged.update(scope)
    return merged


def get_registered_object(name: str, custom_objects: Mapping[str, Any] | None = None,
                          module_objects: Mapping[str, Any] | None = None) -> Any:
    """The object called `name` in `custom_objects`, a scope, the registry, or
    `module_objects` (a family's built-ins); None when none has it."""
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    for scope in reversed(_scope_stack()):
        if name in scope:
            return scope[name]
    if name in GLOBAL_CUSTOM_OBJECTS:
        return GLOBAL_CUSTOM_OBJECTS[name]
    if module_objects and name in module_objects:
        return module_objects[name]
    return None


def find_object(name: str, custom_objects: Mapping[str, Any] | None = None,
                module_objects: Mapping[str, Any] | None = None) -> Any:
    """`get_registered_object`, plus the spellings files use: a registered `"pkg>name"` found
    as plain `name` in the custom objects, and a plain `name` found as some `"pkg>name"`
    (Keras <= 3.6 saved registered functions by plain name)."""
    found = get_registered_object(name, custom_objects, module_objects)
    if found is not None or not isinstance(name, str):
        return found
    visible = {**scoped_objects(), **(custom_objects or {})}
    if ">" in name:
        return visible.get(name.split(">")[-1])
    suffix = f">{name}"
    return next((obj for key, obj in visible.items() if key.endswith(suffix)), None)


def visible_names(custom_objects: Mapping[str, Any] | None = None) -> list[str]:
    """The custom names a lookup can see (for 'did you mean' errors)."""
    return sorted({*scoped_objects(), *(custom_objects or {})})
