"""Metrics built on confusion-matrix counts: `Precision`, `Recall` and the four raw counts."""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from lamina.losses.arrays import Array, divide_no_nan
from lamina.metrics.base import Metric, State
from lamina.metrics.confusion import (COUNTS, NEG_INF, _evenly_distributed, _parse_thresholds,
                                      confusion_counts)


class _ConfusionMetric(Metric):
    """Accumulates some of the TP/FP/TN/FN counts over a list of thresholds."""

    counts: tuple[str, ...] = COUNTS
    direction = "up"

    def __init__(self, thresholds: Any = None, top_k: int | None = None,
                 class_id: int | None = None, name: str | None = None, dtype: Any = None):
        super().__init__(name, dtype)
        self.init_thresholds = thresholds
        self.top_k = top_k
        self.class_id = class_id
        self.thresholds = _parse_thresholds(thresholds, 0.5 if top_k is None else NEG_INF)
        self._evenly = _evenly_distributed(self.thresholds)

    def init(self) -> State:
        return {k: jnp.zeros((len(self.thresholds),), self.dtype) for k in self.counts}

    def update(self, state: State, y_true: Any, y_pred: Any,
               sample_weight: Any = None) -> State:
        counts = confusion_counts(y_true, y_pred, self.thresholds, dtype=self.dtype,
                                  evenly=self._evenly, top_k=self.top_k,
                                  class_id=self.class_id, sample_weight=sample_weight)
        return {k: state[k] + counts[k] for k in state}

    def _per_threshold(self, values: Array) -> Array:
        return values[0] if len(self.thresholds) == 1 else values

    def get_config(self) -> dict:
        return {**super().get_config(), "thresholds": self.init_thresholds,
                "top_k": self.top_k, "class_id": self.class_id}


class Precision(_ConfusionMetric):
    """TP / (TP + FP) at each threshold (or among the `top_k`, or for `class_id`)."""
    counts = ("true_positives", "false_positives")

    def result_from(self, state: State) -> Array:
        tp = state["true_positives"]
        return self._per_threshold(divide_no_nan(tp, tp + state["false_positives"]))


class Recall(_ConfusionMetric):
    """TP / (TP + FN) at each threshold (or among the `top_k`, or for `class_id`)."""
    counts = ("true_positives", "false_negatives")

    def result_from(self, state: State) -> Array:
        tp = state["true_positives"]
        return self._per_threshold(divide_no_nan(tp, tp + state["false_negatives"]))


class _ConditionCount(_ConfusionMetric):
    """One weighted confusion-matrix count per threshold."""
    direction = None

    def __init__(self, thresholds: Any = None, name: str | None = None, dtype: Any = None):
        super().__init__(thresholds, name=name, dtype=dtype)

    def result_from(self, state: State) -> Array:
        return self._per_threshold(state[self.counts[0]])

    def get_config(self) -> dict:
        return {**Metric.get_config(self), "thresholds": self.init_thresholds}


def _condition_count(class_name: str, count: str) -> type:
    """A `_ConditionCount` class reporting the `count` entry of the state."""
    return type(class_name, (_ConditionCount,), {
        "counts": (count,), "__module__": __name__, "__doc__": f"Weighted {count} count."})


TruePositives = _condition_count("TruePositives", "true_positives")
FalsePositives = _condition_count("FalsePositives", "false_positives")
TrueNegatives = _condition_count("TrueNegatives", "true_negatives")
FalseNegatives = _condition_count("FalseNegatives", "false_negatives")
