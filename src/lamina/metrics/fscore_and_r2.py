"""`FBetaScore`, `F1Score` and `R2Score`: metrics whose state is sized by the number of
classes (the last axis of `y_pred`), as in Keras.

Shape decision: Keras creates these metrics' variables on the first `update_state`, from
`y_pred`'s last axis. lamina's pure `init()` cannot see shapes, so each metric has
`build(y_true_shape, y_pred_shape)` (Keras's `_build` checks and error texts), which sets
`num_classes`; `init()` needs it. It is called (once) by
- `update_state` on eager use, from the shapes of the first batch (as in Keras), and
- `metrics.get` when `compile`'s metrics are resolved with the first data (the
  `resolve_metrics` step, which runs before the engine makes the metric states), from the
  label shape and the model's output shape.
Before it is built a metric has no variables (as Keras's `F1Score`).
"""

from __future__ import annotations

import warnings
from typing import Any

import jax
import jax.numpy as jnp

from lamina import config
from lamina.losses.arrays import Array, squeeze_or_expand_to_same_rank
from lamina.metrics.base import Metric, State
from lamina.variables import Variable


class ShapeBuiltMetric(Metric):
    """A metric whose state has one entry per class: built from the input shapes."""

    direction = "up"
    _keras_kind = "FBetaScore"  # the class named in Keras's shape errors

    def __init__(self, name: str | None = None, dtype: Any = None):
        super().__init__(name, dtype)
        self.num_classes: int | None = None

    @property
    def built(self) -> bool:
        return self.num_classes is not None

    def build(self, y_true_shape: tuple, y_pred_shape: tuple) -> None:
        """Size the state from 2D shapes `(batch_size, output_dim)` (Keras's checks)."""
        if self.built:
            return
        kind = self._keras_kind
        if len(y_pred_shape) != 2 or len(y_true_shape) != 2:
            raise ValueError(
                f"{kind} expects 2D inputs with shape (batch_size, output_dim). Received "
                f"input shapes: y_pred.shape={tuple(y_pred_shape)} and "
                f"y_true.shape={tuple(y_true_shape)}.")
        if y_pred_shape[-1] is None or y_true_shape[-1] is None:
            raise ValueError(
                f"{kind} expects 2D inputs with shape (batch_size, output_dim), with "
                "output_dim fully defined (not None). Received input shapes: "
                f"y_pred.shape={tuple(y_pred_shape)} and y_true.shape={tuple(y_true_shape)}.")
        self.num_classes = int(y_pred_shape[-1])

    def build_from_arrays(self, y_true: Any, y_pred: Any) -> None:
        """`build` from example arrays (anything with a shape)."""
        y_true, y_pred = self._aligned(y_true, y_pred)
        self.build(tuple(jnp.shape(y_true)), tuple(jnp.shape(y_pred)))

    def _require_built(self) -> None:
        if not self.built:
            raise ValueError(
                f"Metric '{self.name}' ({type(self).__name__}) sizes its state from the "
                "inputs: call `update_state(y_true, y_pred)` or "
                "`build(y_true_shape, y_pred_shape)` first.")

    @property
    def variables(self) -> list[Variable]:
        return super().variables if self.built else []

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        if not self.built:
            self.build_from_arrays(y_true, y_pred)
        super().update_state(y_true, y_pred, sample_weight=sample_weight)

    def reset_state(self) -> None:
        if self.built:
            super().reset_state()

    def _aligned(self, y_true: Any, y_pred: Any) -> tuple[Array, Array]:
        return jnp.asarray(y_true), jnp.asarray(y_pred)


class FBetaScore(ShapeBuiltMetric):
    """The weighted harmonic mean of precision and recall, per class or averaged
    (`average`: None, 'micro', 'macro' or 'weighted')."""

    def __init__(self, average: str | None = None, beta: float = 1.0,
                 threshold: float | None = None, name: str = "fbeta_score", dtype: Any = None):
        super().__init__(name, dtype)
        _check_fbeta_args(average, beta, threshold)
        self.average = average
        self.beta = beta
        self.threshold = threshold
        self.axis = None if average == "micro" else 0

    def init(self) -> State:
        self._require_built()
        shape = () if self.average == "micro" else (self.num_classes,)
        return {k: jnp.zeros(shape, self.dtype) for k in (
            "true_positives", "false_positives", "false_negatives", "intermediate_weights")}

    def update(self, state: State, y_true: Any, y_pred: Any,
               sample_weight: Any = None) -> State:
        y_true = jnp.asarray(y_true, self.dtype)
        y_pred = jnp.asarray(y_pred, self.dtype)
        if self.threshold is None:
            top = jnp.max(y_pred, axis=-1, keepdims=True)
            y_pred = jnp.logical_and(y_pred >= top, jnp.abs(y_pred) > 1e-9)
        else:
            y_pred = y_pred > self.threshold
        y_pred = y_pred.astype(self.dtype)
        weight = None if sample_weight is None else jnp.asarray(sample_weight, self.dtype)

        def weighted_sum(value: Array) -> Array:
            if weight is not None:
                value = value * jnp.expand_dims(weight, 1)
            return jnp.sum(value, axis=self.axis)

        batch = {"true_positives": y_pred * y_true, "false_positives": y_pred * (1 - y_true),
                 "false_negatives": (1 - y_pred) * y_true, "intermediate_weights": y_true}
        return {k: state[k] + weighted_sum(batch[k]) for k in state}

    def result_from(self, state: State) -> Array:
        eps = config.epsilon()
        tp = state["true_positives"]
        precision = tp / (tp + state["false_positives"] + eps)
        recall = tp / (tp + state["false_negatives"] + eps)
        b2 = self.beta ** 2
        score = precision * recall / (b2 * precision + recall + eps) * (1 + b2)
        if self.average == "weighted":
            support = state["intermediate_weights"]
            return jnp.sum(score * support / (jnp.sum(support) + eps))
        if self.average is not None:  # micro, macro
            return jnp.mean(score)
        return score

    def get_config(self) -> dict:
        return {**super().get_config(), "average": self.average, "beta": self.beta,
                "threshold": self.threshold}


class F1Score(FBetaScore):
    """The harmonic mean of precision and recall (`FBetaScore` with `beta=1`)."""

    def __init__(self, average: str | None = None, threshold: float | None = None,
                 name: str = "f1_score", dtype: Any = None):
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name,
                         dtype=dtype)

    def get_config(self) -> dict:
        config_ = super().get_config()
        del config_["beta"]
        return config_


def _check_fbeta_args(average: Any, beta: Any, threshold: Any) -> None:
    """Keras's argument checks and error texts for `FBetaScore`."""
    if average not in (None, "micro", "macro", "weighted"):
        raise ValueError("Invalid `average` argument value. Expected one of: "
                         "{None, 'micro', 'macro', 'weighted'}. "
                         f"Received: average={average}")
    if not isinstance(beta, float):
        raise ValueError("Invalid `beta` argument value. It should be a Python float. "
                         f"Received: beta={beta} of type '{type(beta)}'")
    if beta <= 0.0:
        raise ValueError(f"Invalid `beta` argument value. It should be > 0. Received: beta={beta}")
    if threshold is None:
        return
    if not isinstance(threshold, float):
        raise ValueError("Invalid `threshold` argument value. It should be a Python float. "
                         f"Received: threshold={threshold} of type '{type(threshold)}'")
    if threshold > 1.0 or threshold <= 0.0:
        raise ValueError("Invalid `threshold` argument value. It should verify "
                         f"0 < threshold <= 1. Received: threshold={threshold}")


_AGGREGATIONS = (None, "uniform_average", "variance_weighted_average")


class R2Score(ShapeBuiltMetric):
    """The coefficient of determination per output, aggregated by `class_aggregation`
    (optionally adjusted for `num_regressors`)."""

    _keras_kind = "R2Score"

    def __init__(self, class_aggregation: str | None = "uniform_average",
                 num_regressors: int = 0, name: str = "r2_score", dtype: Any = None):
        super().__init__(name, dtype)
        if class_aggregation not in _AGGREGATIONS:
            raise ValueError("Invalid value for argument `class_aggregation`. Expected one of "
                             f"{_AGGREGATIONS}. Received: class_aggregation={class_aggregation}")
        if num_regressors < 0:
            raise ValueError("Invalid value for argument `num_regressors`. Expected a value "
                             f">= 0. Received: num_regressors={num_regressors}")
        self.class_aggregation = class_aggregation
        self.num_regressors = num_regressors

    def _aligned(self, y_true: Any, y_pred: Any) -> tuple[Array, Array]:
        return squeeze_or_expand_to_same_rank(jnp.asarray(y_true), jnp.asarray(y_pred))

    def init(self) -> State:
        self._require_built()
        zeros = jnp.zeros((self.num_classes,), self.dtype)
        return {"num_samples": jnp.zeros((), self.dtype), "squared_sum": zeros, "sum": zeros,
                "residual": zeros, "count": zeros}

    def update(self, state: State, y_true: Any, y_pred: Any,
               sample_weight: Any = None) -> State:
        y_true, y_pred = self._aligned(jnp.asarray(y_true, self.dtype),
                                       jnp.asarray(y_pred, self.dtype))
        weight = jnp.asarray(1 if sample_weight is None else sample_weight, self.dtype)
        if weight.ndim == 1:
            weight = jnp.expand_dims(weight, 1)  # a features axis
        weight = jnp.broadcast_to(weight, y_true.shape)
        weighted = y_true * weight
        return {"num_samples": state["num_samples"] + y_true.size,
                "sum": state["sum"] + jnp.sum(weighted, axis=0),
                "squared_sum": state["squared_sum"] + jnp.sum(y_true * weighted, axis=0),
                "residual": state["residual"] + jnp.sum((y_true - y_pred) ** 2 * weight, axis=0),
                "count": state["count"] + jnp.sum(weight, axis=0)}

    def result_from(self, state: State) -> Array:
        mean = state["sum"] / state["count"]
        total = state["squared_sum"] - state["sum"] * mean
        raw = 1 - state["residual"] / total
        raw = jnp.where(jnp.isinf(raw), 0.0, raw)
        if self.class_aggregation == "uniform_average":
            score = jnp.mean(raw)
        elif self.class_aggregation == "variance_weighted_average":
            score = jnp.sum(total * raw) / jnp.sum(total)
        else:
            score = raw
        return self._adjusted(score, state["num_samples"]) if self.num_regressors else score

    def _adjusted(self, score: Array, num_samples: Array) -> Array:
        """The adjusted R2 for `num_regressors`; the plain score (as Keras, with its warning
        when the count is known) when there are too few samples."""
        p = self.num_regressors
        try:
            _warn_few_samples(p, float(num_samples))
        except jax.errors.ConcretizationTypeError:
            pass  # inside a jit: no warning
        n = num_samples.astype("float32")
        adjusted = 1.0 - (1.0 - score) * (n - 1.0) / (n - float(p) - 1.0)
        return jnp.where(p < n - 1, adjusted, score)

    def get_config(self) -> dict:
        return {**super().get_config(), "class_aggregation": self.class_aggregation,
                "num_regressors": self.num_regressors}


def _warn_few_samples(p: int, n: float) -> None:
    if p > n - 1:
        warnings.warn("More independent predictors than datapoints in adjusted R2 score. "
                      "Falling back to standard R2 score.", stacklevel=3)
    elif p == n - 1:
        warnings.warn("Division by zero in Adjusted R2 score. Falling back to standard R2 "
                      "score.", stacklevel=3)
