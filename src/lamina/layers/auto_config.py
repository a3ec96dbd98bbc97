"""Keras 3's automatic config: a layer (or model) whose class does not override `get_config`
gets one from the arguments its constructor was called with, when they are plain values.

So the keras.io examples' custom layers (`TokenAndPositionEmbedding(maxlen, vocab_size,
embed_dim)`, no `get_config`) save to `.keras` files and load again, as they do in Keras.
"""

from __future__ import annotations

import inspect
from typing import Any

_PLAIN = (str, int, float, bool, type(None))

#: Why no config could be recorded, for the error `get_config` raises (Keras's two cases).
POSITIONAL_ONLY = "positional_only"
NOT_PLAIN = "not_plain"


def record(cls: type, args: tuple, kwargs: dict) -> tuple[dict | None, str | None]:
    """`(config, None)` from a constructor call `cls(*args, **kwargs)`, defaults included and
    `name` left to `get_config`; `(None, reason)` when the arguments cannot make a config."""
    try:
        signature = inspect.signature(cls.__init__)
        bound = signature.bind(None, *args, **kwargs)
    except (TypeError, ValueError):
        return None, NOT_PLAIN
    params = list(signature.parameters.values())[1:]
    if any(p.kind is inspect.Parameter.POSITIONAL_ONLY for p in params):
        return None, POSITIONAL_ONLY
    bound.apply_defaults()
    config = dict(bound.arguments)
    config.pop(next(iter(signature.parameters)))  # self
    for p in params:
        if p.kind is inspect.Parameter.VAR_KEYWORD:
            config.update(config.pop(p.name, {}))
        elif p.kind is inspect.Parameter.VAR_POSITIONAL and config.pop(p.name, ()):
            return None, POSITIONAL_ONLY
    config.pop("name", None)
    from lamina import tree  # deferred: `lamina.tree` is a lazy submodule

    try:
        plain = all(isinstance(v, _PLAIN) for v in tree.flatten(config))
    except TypeError:
        plain = False
    return (config, None) if plain else (None, NOT_PLAIN)


def is_default(method: Any) -> bool:
    """Whether `method` is a base class's `get_config` (marked with `default`), not a user's."""
    return getattr(method, "_lamina_default_config", False)


def default(method):
    """Mark a base class's `get_config` as the one auto-config may extend."""
    method._lamina_default_config = True
    return method


def add_recorded(layer: Any, config: dict) -> dict:
    """`config` with the recorded constructor arguments; Keras's NotImplementedError when none
    could be recorded (saving would otherwise write a config that cannot rebuild the layer)."""
    recorded = getattr(layer, "_auto_config", None)
    if recorded is not None:
        merged = {**recorded, **config}  # the layer's current name, trainable, dtype win
        params = inspect.signature(type(layer).__init__).parameters
        takes_name = "name" in params or any(
            p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
        if not takes_name:
            merged.pop("name", None)
        return merged
    if getattr(layer, "_auto_config_error", None) == POSITIONAL_ONLY:
        why = ("was created by passing positional only or variadic positional arguments "
               "(e.g., `*args`) to `__init__()`, which is not supported by the automatic "
               "config generation")
    else:
        why = "was created by passing non-serializable argument values in `__init__()`"
    raise NotImplementedError(
        f"Object {type(layer).__name__} {why}, and therefore the object must override "
        "`get_config()` (and `from_config()` if needed) in order to be serializable. Please "
        "implement `get_config()`, returning every argument its `__init__` needs.")
