"""Optimizers, mirroring `keras.optimizers`, built on optax (see `base.Optimizer` for the
state contract with the training engine)."""

from __future__ import annotations

from typing import Any

from lamina import errors
from lamina.optimizers import schedules
from lamina.optimizers.adafactor import Adafactor
from lamina.optimizers.adam import Adam, Adamax, AdamW, Nadam
from lamina.optimizers.adaptive import Adadelta, Adagrad, RMSprop
from lamina.optimizers.base import Optimizer
from lamina.optimizers.ftrl import Ftrl
from lamina.optimizers.lamb_muon import Lamb, Muon
from lamina.optimizers.loss_scale_optimizer import LossScaleOptimizer
from lamina.optimizers.multi_optimizer import MultiOptimizer, OptimizerMap
from lamina.optimizers.schedule_free import ScheduleFreeAdamW
from lamina.optimizers.sgd import SGD, Lion

__all__ = ["Adadelta", "Adafactor", "Adagrad", "Adam", "AdamW", "Adamax", "Ftrl", "Lamb",
           "Lion", "LossScaleOptimizer", "MultiOptimizer", "Muon", "Nadam", "Optimizer", "OptimizerMap", "RMSprop",
           "SGD", "ScheduleFreeAdamW", "deserialize", "get", "schedules", "serialize"]

_MODULE = "keras.optimizers"
ALL_OBJECTS = {cls.__name__.lower(): cls for cls in (
    SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta, Adamax, Nadam, Lion, Ftrl, Adafactor, Lamb,
    Muon, ScheduleFreeAdamW, MultiOptimizer, OptimizerMap, LossScaleOptimizer)}
_KERAS_ONLY = ()


def serialize(optimizer: Optimizer) -> dict:
    """The optimizer as Keras's serialized dict (`module`, `class_name`, `config`, ...)."""
    from lamina.saving.serialization import serialize_keras_object

    return serialize_keras_object(optimizer)


def deserialize(config: dict, custom_objects: dict[str, Any] | None = None) -> Optimizer:
    """An optimizer from `serialize`'s dict; built-in class names are case-insensitive, and
    custom classes are found in `custom_objects`, scopes and the registry."""
    from lamina.saving.deserialization import deserialize_keras_object

    if not isinstance(config, dict) or "class_name" not in config:
        raise errors.ConfigError(f"Could not interpret optimizer config: {config!r}")
    config = {**config, "module": config.get("module") or _MODULE}
    try:
        return deserialize_keras_object(config, custom_objects)
    except errors.UnknownNameError:
        raise _unknown(config["class_name"], custom_objects or {}) from None


def get(identifier: Any) -> Optimizer | None:
    """An optimizer from a name ('adam'), a config dict, a class or an instance."""
    if identifier is None or isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        return deserialize({"class_name": identifier, "config": {}})
    if isinstance(identifier, type) and issubclass(identifier, Optimizer):
        return identifier()
    raise errors.ConfigError(f"Could not interpret optimizer identifier: {identifier!r}")


def _unknown(name: str, custom_objects: dict) -> errors.LaminaError:
    if str(name).lower() in _KERAS_ONLY:
        return errors.ConfigError(
            f"Optimizer {name!r} exists in Keras but not (yet) in lamina. Available: "
            + ", ".join(sorted(ALL_OBJECTS)) + ".")
    return errors.unknown_name("optimizer", name, [*ALL_OBJECTS, *custom_objects])
