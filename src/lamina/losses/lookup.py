"""`get`, `serialize` and `deserialize` for losses, and the choice of crossentropy from the
shapes of the targets and predictions."""

from __future__ import annotations

from typing import Any

from lamina._catalog import as_instance, deserialize_family
from lamina.errors import ConfigError, unknown_name
from lamina.losses.base import Loss, LossFunctionWrapper
from lamina.losses.classes import (BinaryCrossentropy, CategoricalCrossentropy, CategoricalHinge,
                                   CosineSimilarity, Hinge, Huber, KLDivergence, LogCosh,
                                   MeanAbsoluteError, MeanAbsolutePercentageError,
                                   MeanSquaredError, MeanSquaredLogarithmicError, Poisson,
                                   SparseCategoricalCrossentropy, SquaredHinge)
from lamina.losses.ctc_circle_gce_classes import (CTC, CategoricalGeneralizedCrossEntropy,
                                                  Circle)
from lamina.losses.focal_and_overlap_classes import (BinaryFocalCrossentropy,
                                                     CategoricalFocalCrossentropy, Dice, Tversky)
from lamina.losses.probabilistic import (binary_crossentropy, categorical_crossentropy,
                                         sparse_categorical_crossentropy)
from lamina.losses.registry import FUNCTIONS, LossFn

CLASSES: dict[str, type] = {cls.__name__: cls for cls in (
    Loss, LossFunctionWrapper, MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError,
    MeanSquaredLogarithmicError, CosineSimilarity, Huber, LogCosh, KLDivergence, Poisson, Hinge,
    SquaredHinge, CategoricalHinge, BinaryCrossentropy, CategoricalCrossentropy,
    SparseCategoricalCrossentropy, BinaryFocalCrossentropy, CategoricalFocalCrossentropy, Dice,
    Tversky, Circle, CTC, CategoricalGeneralizedCrossEntropy)}


def is_binary_or_sparse_categorical(y_true: Any, y_pred: Any) -> tuple[bool, bool]:
    """From shapes, whether the targets look binary, and whether they look sparse."""
    is_binary = y_pred.shape[-1] == 1
    is_sparse = (len(y_true.shape) < len(y_pred.shape)
                 or (y_true.shape[-1] == 1 and y_pred.shape[-1] > 1))
    return is_binary, is_sparse


def _crossentropy_for(y_true: Any, y_pred: Any) -> LossFn:
    """The binary, sparse or categorical crossentropy, picked from the shapes."""
    if y_true is None or y_pred is None:
        raise ConfigError("The loss 'crossentropy' needs the shapes of y_true and y_pred to "
                          "choose between binary, categorical and sparse crossentropy.")
    is_binary, is_sparse = is_binary_or_sparse_categorical(y_true, y_pred)
    if is_binary:
        return binary_crossentropy
    return sparse_categorical_crossentropy if is_sparse else categorical_crossentropy


def get(identifier: Any, y_true: Any = None, y_pred: Any = None) -> Loss | None:
    """A `Loss` object from a name, function, class, instance or config dict (None -> None).

    Function names are wrapped in a `LossFunctionWrapper` named as written ('mse' stays
    'mse'); 'crossentropy'/'ce' pick the crossentropy from the shapes of y_true and y_pred
    (anything with `.shape`), as `keras.Model.compile` does. Other names are looked up among
    registered objects and `custom_object_scope`s.
    """
    if identifier is None or isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, type) and issubclass(identifier, Loss):
        return identifier()
    if isinstance(identifier, str):
        if identifier.lower() in ("crossentropy", "ce"):
            return LossFunctionWrapper(_crossentropy_for(y_true, y_pred), name=identifier)
        if identifier in CLASSES:
            return CLASSES[identifier]()
        if identifier in FUNCTIONS:
            return LossFunctionWrapper(FUNCTIONS[identifier], name=identifier)
        return _as_loss(_custom(identifier), identifier)
    if callable(identifier):
        return LossFunctionWrapper(identifier)
    raise ConfigError(f"Could not interpret loss identifier: {identifier!r}")


def _custom(name: str, custom_objects: Any = None) -> Any:
    from lamina.saving.registry import find_object

    found = find_object(name, custom_objects)
    if found is None:
        raise unknown_name("loss", name, [*CLASSES, *FUNCTIONS, "crossentropy"])
    return found


def _as_loss(found: Any, name: str) -> Loss:
    """A custom object as a `Loss`: classes are instantiated, functions wrapped."""
    return as_instance(found, Loss, LossFunctionWrapper, "loss", name)


def serialize(loss: Loss | LossFn) -> dict:
    """Keras's config dict for a `Loss` or a loss function (`keras.losses.serialize`)."""
    from lamina.saving.serialization import serialize_keras_object

    return serialize_keras_object(loss)


def deserialize(config: dict | str, custom_objects: dict | None = None) -> Loss:
    """A `Loss` from `serialize` output or a Keras loss config; a function's dict comes back
    wrapped in a `LossFunctionWrapper`."""
    return deserialize_family(config, custom_objects, kind="loss", get=get,
                              builtin=lambda name: name in FUNCTIONS, as_object=_as_loss,
                              classes=CLASSES)
