"""Metrics that average a loss-like function per sample (regression errors, hinge,
divergences, crossentropies, cosine similarity), and the root mean squared error."""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from lamina import losses
from lamina.losses.arrays import Array, squeeze_or_expand_to_same_rank
from lamina.metrics.base import State
from lamina.metrics.functions import cosine_similarity
from lamina.metrics.reduction_metrics import Mean
from lamina.metrics.wrappers import _BuiltinMetric, _simple_metric

MeanSquaredError = _simple_metric("MeanSquaredError", losses.mean_squared_error,
                                  "mean_squared_error", "down", module=__name__)
MeanAbsoluteError = _simple_metric("MeanAbsoluteError", losses.mean_absolute_error,
                                   "mean_absolute_error", "down", module=__name__)
MeanAbsolutePercentageError = _simple_metric(
    "MeanAbsolutePercentageError", losses.mean_absolute_percentage_error,
    "mean_absolute_percentage_error", "down", module=__name__)
MeanSquaredLogarithmicError = _simple_metric(
    "MeanSquaredLogarithmicError", losses.mean_squared_logarithmic_error,
    "mean_squared_logarithmic_error", "down", module=__name__)
LogCoshError = _simple_metric("LogCoshError", losses.log_cosh, "logcosh", "down",
                              module=__name__)
Hinge = _simple_metric("Hinge", losses.hinge, "hinge", "down", module=__name__)
SquaredHinge = _simple_metric("SquaredHinge", losses.squared_hinge, "squared_hinge", "down",
                              module=__name__)
CategoricalHinge = _simple_metric("CategoricalHinge", losses.categorical_hinge,
                                  "categorical_hinge", "down", module=__name__)
KLDivergence = _simple_metric("KLDivergence", losses.kl_divergence, "kl_divergence", "down",
                              module=__name__)
Poisson = _simple_metric("Poisson", losses.poisson, "poisson", "down", module=__name__)


class CosineSimilarity(_BuiltinMetric):
    """Mean cosine similarity along `axis`."""
    fn = staticmethod(cosine_similarity)
    default_name = "cosine_similarity"
    direction = "up"

    def __init__(self, name: str | None = None, dtype: Any = None, axis: int = -1):
        super().__init__(name, dtype, axis=axis)


class BinaryCrossentropy(_BuiltinMetric):
    """Mean binary crossentropy."""
    fn = staticmethod(losses.binary_crossentropy)
    default_name = "binary_crossentropy"
    direction = "down"

    def __init__(self, name: str | None = None, dtype: Any = None, from_logits: bool = False,
                 label_smoothing: float = 0):
        super().__init__(name, dtype, from_logits=from_logits, label_smoothing=label_smoothing)


class CategoricalCrossentropy(_BuiltinMetric):
    """Mean categorical crossentropy."""
    fn = staticmethod(losses.categorical_crossentropy)
    default_name = "categorical_crossentropy"
    direction = "down"

    def __init__(self, name: str | None = None, dtype: Any = None, from_logits: bool = False,
                 label_smoothing: float = 0, axis: int = -1):
        super().__init__(name, dtype, from_logits=from_logits, label_smoothing=label_smoothing,
                         axis=axis)


class SparseCategoricalCrossentropy(_BuiltinMetric):
    """Mean sparse categorical crossentropy. As in Keras, entries equal to `ignore_class`
    count as 0 but stay in the denominator (unlike the loss, which skips them)."""
    fn = staticmethod(losses.sparse_categorical_crossentropy)
    default_name = "sparse_categorical_crossentropy"
    direction = "down"

    def __init__(self, name: str | None = None, dtype: Any = None, from_logits: bool = False,
                 ignore_class: int | None = None, axis: int = -1):
        super().__init__(name, dtype, from_logits=from_logits, ignore_class=ignore_class,
                         axis=axis)


class RootMeanSquaredError(Mean):
    """sqrt of the (weighted) mean squared error."""
    direction = "down"

    def __init__(self, name: str = "root_mean_squared_error", dtype: Any = None):
        super().__init__(name, dtype)

    def update(self, state: State, y_true: Any, y_pred: Any,
               sample_weight: Any = None) -> State:
        y_true, y_pred = squeeze_or_expand_to_same_rank(jnp.asarray(y_true, self.dtype),
                                                        jnp.asarray(y_pred, self.dtype))
        return self._accumulate(state, jnp.square(y_pred - y_true), sample_weight)

    def result_from(self, state: State) -> Array:
        return jnp.sqrt(super().result_from(state))
