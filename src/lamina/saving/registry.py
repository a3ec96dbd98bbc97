"""Custom objects: `register_keras_serializable`, `get_custom_objects`, `custom_object_scope`.

As in Keras, a registered class is known as `"<package>>{name}"` (its `registered_name`) and by
its plain class name; objects passed to `custom_objects=` or a `custom_object_scope` take
precedence over registered ones.
"""

from __future__ import annotations

import contextlib
import threading
from typing import Any, Callable, Iterator, Mapping

_GLOBAL_CUSTOM_OBJECTS: dict[str, Any] = {}
_GLOBAL_CUSTOM_NAMES: dict[Any, str] = {}
_scopes = threading.local()


def register_keras_serializable(package: str = "Custom", name: str | None = None) -> Callable:
    """Decorator registering a class or function under `"package>name"` for deserialization."""

    def decorator(obj):
        registered_name = f"{package}>{name or obj.__name__}"
        if isinstance(obj, type) and not hasattr(obj, "get_config"):
            raise ValueError(f"Cannot register {obj.__name__}: a class must implement "
                             "`get_config()` to be serializable.")
        _GLOBAL_CUSTOM_OBJECTS[registered_name] = obj
        _GLOBAL_CUSTOM_NAMES[obj] = registered_name
        return obj

    return decorator


def get_custom_objects() -> dict[str, Any]:
    """The global dict of registered custom objects (mutable, as in Keras)."""
    return _GLOBAL_CUSTOM_OBJECTS


def get_registered_name(obj) -> str:
    """`"package>name"` for a registered object, else its class or function name."""
    if obj in _GLOBAL_CUSTOM_NAMES:
        return _GLOBAL_CUSTOM_NAMES[obj]
    return getattr(obj, "__name__", type(obj).__name__)


def is_registered(obj) -> bool:
    """Whether `obj` (a class or function) was registered with `register_keras_serializable`."""
    try:
        return obj in _GLOBAL_CUSTOM_NAMES
    except TypeError:  # unhashable
        return False


@contextlib.contextmanager
def custom_object_scope(custom_objects: Mapping[str, Any] | None = None) -> Iterator[None]:
    """Make `custom_objects` visible to every deserialization inside the `with` block."""
    stack = _scope_stack()
    stack.append(dict(custom_objects or {}))
    try:
        yield
    finally:
        stack.pop()


CustomObjectScope = custom_object_scope


def _scope_stack() -> list[dict]:
    if not hasattr(_scopes, "stack"):
        _scopes.stack = []
    return _scopes.stack


def scoped_objects() -> dict[str, Any]:
    """Everything visible now: registered, then scoped (inner scopes win)."""
    merged = dict(_GLOBAL_CUSTOM_OBJECTS)
    for scope in _scope_stack():
        merged.update(scope)
    return merged


def get_registered_object(name: str, custom_objects: Mapping[str, Any] | None = None):
    """The object called `name` in `custom_objects`, a scope, or the registry; else None."""
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    return scoped_objects().get(name)
