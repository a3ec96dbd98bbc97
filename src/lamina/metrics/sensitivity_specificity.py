"""Metrics that fix one rate and report the best other rate over `num_thresholds`
thresholds: `SensitivityAtSpecificity`, `SpecificityAtSensitivity`, `PrecisionAtRecall`
and `RecallAtPrecision`, from the TP/FP/TN/FN counts of `confusion.confusion_counts`.

As in Keras, the four counts are variables named `true_positives`, `false_positives`,
`true_negatives` and `false_negatives` (also attributes of the metric).
"""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from lamina.losses.arrays import Array, divide_no_nan
from lamina.metrics.base import Metric
from lamina.metrics.confusion import COUNTS, confusion_counts


def _rates(counts: dict[str, Array]) -> dict[str, Array]:
    """Sensitivity (= recall), specificity and precision per threshold."""
    tp, fp, tn, fn = (counts[k] for k in COUNTS)
    return {"sensitivity": divide_no_nan(tp, tp + fn), "recall": divide_no_nan(tp, tp + fn),
            "specificity": divide_no_nan(tn, tn + fp), "precision": divide_no_nan(tp, tp + fp)}


class SensitivitySpecificityBase(Metric):
    """Counts at `num_thresholds` thresholds; the result is the largest `reported` rate
    among the thresholds where the `constrained` rate is at least `value`."""

    direction = "up"
    constrained: str
    reported: str

    def __init__(self, value: float, num_thresholds: int = 200, class_id: int | None = None,
                 name: str | None = None, dtype: Any = None):
        super().__init__(name, dtype)
        if num_thresholds <= 0:
            raise ValueError("Argument `num_thresholds` must be an integer > 0. "
                             f"Received: num_thresholds={num_thresholds}")
        self.value = value
        self.class_id = class_id
        if num_thresholds == 1:
            self.thresholds, self._evenly = [0.5], False
        else:
            inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self.thresholds, self._evenly = [0.0, *inner, 1.0], True
        for count in COUNTS:
            setattr(self, count, self.add_variable(shape=(len(self.thresholds),),
                                                   initializer="zeros", name=count))

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        """Add this batch's weighted counts per threshold."""
        counts = confusion_counts(y_true, y_pred, self.thresholds, dtype=self.dtype,
                                  evenly=self._evenly, class_id=self.class_id,
                                  sample_weight=sample_weight)
        for count in COUNTS:
            variable = getattr(self, count)
            variable.assign(variable.value + counts[count])

    def result(self) -> Array:
        rates = _rates({count: getattr(self, count).value for count in COUNTS})
        feasible = rates[self.constrained] >= self.value
        return jnp.max(jnp.where(feasible, rates[self.reported], 0), initial=0)

    def get_config(self) -> dict:
        return {**super().get_config(), "class_id": self.class_id,
                "num_thresholds": self.num_thresholds, self.constrained: self.value}


def _checked(value: float, argument: str) -> float:
    """`value` if it lies in [0, 1] (Keras's error text otherwise)."""
    if value < 0 or value > 1:
        raise ValueError(f"Argument `{argument}` must be in the range [0, 1]. "
                         f"Received: {argument}={value}")
    return value


class SensitivityAtSpecificity(SensitivitySpecificityBase):
    """The best sensitivity, TP / (TP + FN), where specificity is >= `specificity`."""
    constrained, reported = "specificity", "sensitivity"

    def __init__(self, specificity: float, num_thresholds: int = 200,
                 class_id: int | None = None, name: str | None = None, dtype: Any = None):
        self.specificity = _checked(specificity, "specificity")
        self.num_thresholds = num_thresholds
        super().__init__(specificity, num_thresholds, class_id, name, dtype)


class SpecificityAtSensitivity(SensitivitySpecificityBase):
    """The best specificity, TN / (TN + FP), where sensitivity is >= `sensitivity`."""
    constrained, reported = "sensitivity", "specificity"

    def __init__(self, sensitivity: float, num_thresholds: int = 200,
                 class_id: int | None = None, name: str | None = None, dtype: Any = None):
        self.sensitivity = _checked(sensitivity, "sensitivity")
        self.num_thresholds = num_thresholds
        super().__init__(sensitivity, num_thresholds, class_id, name, dtype)


class PrecisionAtRecall(SensitivitySpecificityBase):
    """The best precision, TP / (TP + FP), where recall is >= `recall`."""
    constrained, reported = "recall", "precision"

    def __init__(self, recall: float, num_thresholds: int = 200, class_id: int | None = None,
                 name: str | None = None, dtype: Any = None):
        self.recall = _checked(recall, "recall")
        self.num_thresholds = num_thresholds
        super().__init__(recall, num_thresholds, class_id, name, dtype)


class RecallAtPrecision(SensitivitySpecificityBase):
    """The best recall, TP / (TP + FN), where precision is >= `precision`."""
    constrained, reported = "precision", "recall"

    def __init__(self, precision: float, num_thresholds: int = 200,
                 class_id: int | None = None, name: str | None = None, dtype: Any = None):
        self.precision = _checked(precision, "precision")
        self.num_thresholds = num_thresholds
        super().__init__(precision, num_thresholds, class_id, name, dtype)
