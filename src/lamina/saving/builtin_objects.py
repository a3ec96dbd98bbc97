"""lamina's built-in classes and functions under the names Keras files give them: a class by
its Keras `module` (`keras.layers`, `keras.optimizers`, ...) and class name, a function by its
plain name (Keras writes every function with module `builtins`)."""

from __future__ import annotations

from typing import Callable, Mapping


def _family_classes(module: str) -> Mapping[str, type] | None:
    """The classes of the Keras family `module` names (None for layers and models)."""
    if module.startswith("keras.optimizers.schedules"):
        from lamina.optimizers import schedules

        return schedules._SCHEDULES
    if module.startswith("keras.optimizers"):
        from lamina import optimizers

        return {cls.__name__: cls for cls in optimizers.ALL_OBJECTS.values()}
    if module.startswith("keras.losses"):
        from lamina import losses

        return losses.CLASSES
    if module.startswith("keras.metrics"):
        from lamina import metrics

        return metrics.CLASSES
    for family in ("initializers", "regularizers", "constraints"):
        if module.startswith(f"keras.{family}"):
            import importlib

            return importlib.import_module(f"lamina.{family}")._catalog._classes
    return None


def builtin_class(module: str | None, class_name: str) -> type | None:
    """The lamina class a Keras config names (layers, models, graph operations and every
    family); a class of another module only when that module defines it under that name."""
    from lamina.layers.base import LAYER_CLASSES

    module = module or ""
    if module in ("keras.utils", "keras.src.layers.preprocessing.feature_space"):
        import lamina.utils.feature_space  # noqa: F401 - defines FeatureSpace and its layers
    if module.startswith(("keras.src.ops", "keras.src.activations")):
        from lamina.layers.tensor_ops import OP_CLASSES

        return OP_CLASSES.get(class_name)
    if module.startswith("keras.optimizers") and not module.startswith(
            "keras.optimizers.schedules"):
        from lamina import optimizers

        return optimizers.ALL_OBJECTS.get(class_name.lower())  # case-insensitive, as Keras
    family = _family_classes(module)
    if family is not None:
        return family.get(class_name)
    if module.startswith("keras.src.applications."):  # e.g. ConvNeXt's LayerScale
        _import_application(module.rsplit(".", 1)[-1])
    cls = LAYER_CLASSES.get(class_name)
    if module in ("", "keras") or module.startswith("keras."):
        return cls
    return cls if cls is not None and cls.__module__ == module else None


def _import_application(family: str) -> None:
    """Import `lamina.applications.<family>`, which registers that family's own layers."""
    from lamina import applications

    if family in applications._FAMILIES:
        import importlib

        importlib.import_module(f"lamina.applications.{family}")


def builtin_classes(module: str | None) -> list[str]:
    """The class names a config of Keras module `module` may use (for 'did you mean')."""
    from lamina.layers.base import LAYER_CLASSES

    family = _family_classes(module or "")
    return sorted(family if family is not None else LAYER_CLASSES)


def _function_tables() -> list[Mapping[str, Callable]]:
    from lamina import activations, losses, metrics

    return [activations._BY_NAME, losses.FUNCTIONS, metrics.FUNCTIONS]


def builtin_function(name: str) -> Callable | None:
    """The built-in activation, loss or metric function called `name`, else None."""
    for table in _function_tables():
        if name in table:
            return table[name]
    return None
