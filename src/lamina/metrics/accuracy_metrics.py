"""Accuracy metric classes: exact, binary, categorical and top-k matches."""

from __future__ import annotations

from typing import Any

from lamina.metrics.functions import (accuracy, binary_accuracy, categorical_accuracy,
                                      sparse_categorical_accuracy,
                                      sparse_top_k_categorical_accuracy,
                                      top_k_categorical_accuracy)
from lamina.metrics.wrappers import _BuiltinMetric, _simple_metric

Accuracy = _simple_metric("Accuracy", accuracy, "accuracy", "up", module=__name__)
CategoricalAccuracy = _simple_metric("CategoricalAccuracy", categorical_accuracy,
                                     "categorical_accuracy", "up", module=__name__)
SparseCategoricalAccuracy = _simple_metric("SparseCategoricalAccuracy",
                                           sparse_categorical_accuracy,
                                           "sparse_categorical_accuracy", "up", module=__name__)


class BinaryAccuracy(_BuiltinMetric):
    """How often `y_pred > threshold` matches binary labels."""
    fn = staticmethod(binary_accuracy)
    default_name = "binary_accuracy"
    direction = "up"

    def __init__(self, name: str | None = None, dtype: Any = None, threshold: float = 0.5):
        super().__init__(name, dtype, threshold=threshold)


class TopKCategoricalAccuracy(_BuiltinMetric):
    """How often the one-hot target is in the top `k` predictions."""
    fn = staticmethod(top_k_categorical_accuracy)
    default_name = "top_k_categorical_accuracy"
    direction = "up"

    def __init__(self, k: int = 5, name: str | None = None, dtype: Any = None):
        super().__init__(name, dtype, k=k)


class SparseTopKCategoricalAccuracy(_BuiltinMetric):
    """How often the integer target is in the top `k` predictions."""
    fn = staticmethod(sparse_top_k_categorical_accuracy)
    default_name = "sparse_top_k_categorical_accuracy"
    direction = "up"

    def __init__(self, k: int = 5, name: str | None = None, dtype: Any = None,
                 from_sorted_ids: bool = False):
        super().__init__(name, dtype, k=k, from_sorted_ids=from_sorted_ids)
