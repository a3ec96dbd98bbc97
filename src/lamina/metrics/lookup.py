"""`get`, `serialize` and `deserialize` for metrics: every class by name and alias, and the
choice of accuracy from the shapes of the targets and predictions."""

from __future__ import annotations

from typing import Any, Callable

from lamina import losses
from lamina._catalog import as_instance, deserialize_family, snake_case
from lamina.errors import ConfigError, unknown_name
from lamina.metrics.accuracy_metrics import (Accuracy, BinaryAccuracy, CategoricalAccuracy,
                                             SparseCategoricalAccuracy,
                                             SparseTopKCategoricalAccuracy,
                                             TopKCategoricalAccuracy)
from lamina.metrics.auc import AUC
from lamina.metrics.base import Metric
from lamina.metrics.confusion_metrics import (FalseNegatives, FalsePositives, Precision, Recall,
                                              TrueNegatives, TruePositives)
from lamina.metrics.correlation_metrics import ConcordanceCorrelation, PearsonCorrelation
from lamina.metrics.fscore_and_r2 import F1Score, FBetaScore, R2Score, ShapeBuiltMetric
from lamina.metrics.iou import BinaryIoU, IoU, MeanIoU, OneHotIoU, OneHotMeanIoU
from lamina.metrics.loss_metrics import (BinaryCrossentropy, CategoricalCrossentropy,
                                         CategoricalHinge, CosineSimilarity, Hinge, KLDivergence,
                                         LogCoshError, MeanAbsoluteError,
                                         MeanAbsolutePercentageError, MeanSquaredError,
                                         MeanSquaredLogarithmicError, Poisson,
                                         RootMeanSquaredError, SparseCategoricalCrossentropy,
                                         SquaredHinge)
from lamina.metrics.reduction_metrics import Mean, Sum
from lamina.metrics.sensitivity_specificity import (PrecisionAtRecall, RecallAtPrecision,
                                                    SensitivityAtSpecificity,
                                                    SpecificityAtSensitivity)
from lamina.metrics.wrappers import MeanMetricWrapper

CLASSES: dict[str, type] = {cls.__name__: cls for cls in (
    Metric, Mean, Sum, MeanMetricWrapper, Accuracy, BinaryAccuracy, CategoricalAccuracy,
    SparseCategoricalAccuracy, TopKCategoricalAccuracy, SparseTopKCategoricalAccuracy,
    Precision, Recall, AUC, TruePositives, FalsePositives, TrueNegatives, FalseNegatives,
    MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError,
    MeanSquaredLogarithmicError, RootMeanSquaredError, CosineSimilarity, LogCoshError, Hinge,
    SquaredHinge, CategoricalHinge, KLDivergence, Poisson, BinaryCrossentropy,
    CategoricalCrossentropy, SparseCategoricalCrossentropy, FBetaScore, F1Score, R2Score,
    IoU, MeanIoU, BinaryIoU, OneHotIoU, OneHotMeanIoU, PearsonCorrelation,
    ConcordanceCorrelation, PrecisionAtRecall, RecallAtPrecision, SensitivityAtSpecificity,
    SpecificityAtSensitivity)}

_ABSTRACT = ("Metric", "MeanMetricWrapper")
NAMES: dict[str, type] = {key: cls for name, cls in CLASSES.items() if name not in _ABSTRACT
                          for key in (name, snake_case(name))}
NAMES.update({alias: CLASSES[name] for name, aliases in {
    "BinaryCrossentropy": ("bce", "BCE"), "MeanSquaredError": ("mse", "MSE"),
    "MeanAbsoluteError": ("mae", "MAE"), "MeanAbsolutePercentageError": ("mape", "MAPE"),
    "MeanSquaredLogarithmicError": ("msle", "MSLE"),
}.items() for alias in aliases})


def _accuracy_for(name: str, y_true: Any, y_pred: Any) -> Metric:
    """'accuracy'/'acc' resolved from the shapes as `keras.Model.compile` does."""
    if y_true is None or y_pred is None:
        return Accuracy(name=name)
    is_binary, is_sparse = losses.is_binary_or_sparse_categorical(y_true, y_pred)
    if is_binary:
        return BinaryAccuracy(name=name)
    return (SparseCategoricalAccuracy if is_sparse else CategoricalAccuracy)(name=name)


def get(identifier: Any, y_true: Any = None, y_pred: Any = None) -> Metric | None:
    """A `Metric` from a name, function, class, instance or config dict (None -> None).

    A name keeps the spelling the user wrote ('acc' stays 'acc'); 'accuracy'/'acc' pick the
    binary, sparse or categorical accuracy from the shapes of y_true and y_pred (anything
    with `.shape`), as `keras.Model.compile` does; without shapes they mean `Accuracy`.
    Other names are looked up among registered objects and `custom_object_scope`s.
    Metrics sized by the data (`F1Score`, `R2Score`) are built from the shapes, if given.
    """
    metric = _resolve(identifier, y_true, y_pred)
    if isinstance(metric, ShapeBuiltMetric) and y_pred is not None:  # sized by the data
        metric.build_from_arrays(y_pred if y_true is None else y_true, y_pred)
    return metric


def _resolve(identifier: Any, y_true: Any, y_pred: Any) -> Metric | None:
    """The metric object an identifier names (`get` without the building)."""
    if identifier is None or isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, type) and issubclass(identifier, Metric):
        return identifier()
    if isinstance(identifier, str):
        if identifier.lower() in ("accuracy", "acc"):
            return _accuracy_for(identifier, y_true, y_pred)
        if identifier in NAMES:
            return NAMES[identifier](name=identifier)
        return _as_metric(_custom(identifier), identifier)
    if callable(identifier):
        return MeanMetricWrapper(identifier)
    raise ConfigError(f"Could not interpret metric identifier: {identifier!r}")


def _custom(name: str) -> Any:
    from lamina.saving.registry import find_object

    found = find_object(name)
    if found is None:
        raise unknown_name("metric", name, [*NAMES, "acc"])
    return found


def _as_metric(found: Any, name: str) -> Metric:
    """A custom object as a `Metric`: classes are instantiated, functions wrapped."""
    return as_instance(found, Metric, MeanMetricWrapper, "metric", name)


def serialize(metric: Metric | Callable) -> dict:
    """Keras's config dict for a metric or a metric function (`keras.metrics.serialize`)."""
    from lamina.saving.serialization import serialize_keras_object

    return serialize_keras_object(metric)


def deserialize(config: dict | str, custom_objects: dict | None = None) -> Metric:
    """A metric from `serialize` output or a Keras metric config; a function's dict comes
    back wrapped in a `MeanMetricWrapper`."""
    return deserialize_family(
        config, custom_objects, kind="metric", get=get,
        builtin=lambda name: name in NAMES or name.lower() in ("accuracy", "acc"),
        as_object=_as_metric, classes=CLASSES)
