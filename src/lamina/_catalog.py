"""Name lookup and Keras-format (de)serialization shared by the class-based families.

Initializers, regularizers and constraints each keep one `Catalog`: classes register under
their class name, its snake_case form and any aliases, and configs use Keras's dict layout
(`module`, `class_name`, `config`, `registered_name`) so they round-trip with Keras files.
"""

from __future__ import annotations

import inspect
import re
from typing import Any, Callable, Mapping

from lamina import errors


def snake_case(name: str) -> str:
    """'GlorotUniform' -> 'glorot_uniform' (same rule as Keras's `to_snake_case`)."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def function_config(fn: Callable, kind: str) -> dict:
    """Keras's config dict for a plain function, under its registered name (`"pkg>name"`
    once registered with `register_keras_serializable`, else its name)."""
    name = getattr(fn, "__name__", None)
    if not name or name == "<lambda>":
        raise errors.ConfigError(
            f"Cannot serialize {kind} {fn!r}: use a named function or an object with get_config()."
        )
    from lamina.saving.registry import get_registered_name

    return {"module": "builtins", "class_name": "function", "config": get_registered_name(fn),
            "registered_name": "function"}


def function_name(config: Mapping[str, Any]) -> str | None:
    """The function name held by a `function_config` dict, else None."""
    if config.get("class_name") == "function" and isinstance(config.get("config"), str):
        return config["config"]
    return None


def as_instance(found: Any, base: type, wrap: Callable, kind: str, name: str) -> Any:
    """A custom object as an instance of `base` (a Loss, a Metric): classes are instantiated,
    functions wrapped with `wrap`."""
    if isinstance(found, type):
        found = found()
    if isinstance(found, base):
        return found
    if callable(found):
        return wrap(found)
    from lamina.errors import ConfigError

    raise ConfigError(f"The custom object {name!r} is not a {kind}. Received: {found!r}")


def deserialize_family(config: Any, custom_objects: Any, *, kind: str, get: Callable,
                       builtin: Callable[[str], bool], as_object: Callable,
                       classes: Mapping[str, type]) -> Any:
    """`deserialize` of the losses or metrics: a name, a built-in or custom function's dict
    (a custom one wrapped by `as_object`), or a class config."""
    from lamina.errors import ConfigError
    from lamina.saving.deserialization import deserialize_function, deserialize_keras_object

    if isinstance(config, str):
        if custom_objects and config in custom_objects:
            return as_object(custom_objects[config], config)
        return get(config)
    name = function_name(config) if isinstance(config, dict) else None
    if name is not None and builtin(name):
        return get(name)
    if name is not None:
        return as_object(deserialize_function(config, custom_objects), name)
    if not isinstance(config, dict) or "class_name" not in config:
        raise ConfigError(f"Could not interpret {kind} config: {config!r}")
    return deserialize_keras_object(config, custom_objects, module_objects=classes)


class Configurable:
    """Base of objects rebuilt from `get_config()` by passing it back as keyword arguments."""

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config: Mapping[str, Any]):
        return cls(**config)

    def __repr__(self) -> str:
        try:
            args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        except NotImplementedError:
            args = ""
        return f"{type(self).__name__}({args})"


class Catalog:
    """The registry of one family (e.g. 'initializer') and its get/serialize/deserialize."""

    def __init__(self, kind: str, module: str):
        self.kind = kind
        self.module = module
        self._classes: dict[str, type] = {}

    def register(self, *aliases: str) -> Callable[[type], type]:
        """Class decorator: known as ClassName, class_name and each alias."""

        def add(cls: type) -> type:
            for name in (cls.__name__, snake_case(cls.__name__), *aliases):
                self._classes[name] = cls
            return cls

        return add

    def names(self) -> list[str]:
        return sorted(self._classes)

    def lookup(self, name: str, custom_objects: Mapping[str, Any] | None = None) -> Any:
        """The class or function called `name`: custom objects (the argument, active
        `custom_object_scope`s, registered ones) first, then this family's built-ins."""
        from lamina.saving.registry import get_registered_object

        found = get_registered_object(name, custom_objects, self._classes)
        if found is None:
            raise errors.unknown_name(self.kind, name, self._classes)
        return found

    def serialize(self, obj: Any) -> dict | None:
        """Keras's config dict for `obj` (None stays None), as `serialize_keras_object`."""
        if obj is None:
            return None
        from lamina.saving.serialization import serialize_keras_object

        return serialize_keras_object(obj)

    def deserialize(self, config: str | Mapping[str, Any],
                    custom_objects: Mapping[str, Any] | None = None) -> Any:
        """A new object from a name or a Keras config dict; a function comes back as itself."""
        if isinstance(config, str):
            found = self.lookup(config, custom_objects)
            return found() if inspect.isclass(found) else found
        if not isinstance(config, Mapping) or "class_name" not in config:
            raise errors.ConfigError(
                f"Cannot deserialize {self.kind} from {config!r}: expected a name or a dict "
                "with 'class_name' and 'config'."
            )
        from lamina.saving.deserialization import deserialize_keras_object

        return deserialize_keras_object(dict(config), custom_objects,
                                        module_objects=self._classes)

    def get(self, identifier: Any) -> Any:
        """None -> None; name or config dict -> new object; class -> instance; callable -> it."""
        if identifier is None:
            return None
        if isinstance(identifier, (str, Mapping)):
            return self.deserialize(identifier)
        if inspect.isclass(identifier):
            return identifier()
        if callable(identifier):
            return identifier
        raise errors.ConfigError(f"Could not interpret {self.kind} identifier: {identifier!r}")
