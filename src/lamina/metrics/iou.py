"""Intersection-over-union metrics (`IoU`, `MeanIoU`, `BinaryIoU`, `OneHotIoU`,
`OneHotMeanIoU`): a weighted confusion matrix (`total_cm`, rows = true class, columns =
predicted class) accumulated over batches, and the IoU of the target classes from it.

As in Keras the matrix has the metric's dtype, `int32` by default, so fractional sample
weights are truncated (use integer weights, or `dtype="float32"`). Where Keras wants one
weight per label, lamina also spreads one weight per row over the other label axes (as
`fit` passes them), e.g. for segmentation maps.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from lamina import config
from lamina.losses.arrays import Array
from lamina.metrics.base import Metric


def confusion_matrix(labels: Array, predictions: Array, num_classes: int,
                     weights: Array | None = None, dtype: str = "int32") -> Array:
    """The `(num_classes, num_classes)` matrix of summed weights per (label, prediction)
    pair of the 1D `labels` and `predictions` (Keras's `metrics_utils.confusion_matrix`)."""
    indices = jnp.stack([jnp.asarray(labels, dtype), jnp.asarray(predictions, dtype)], axis=1)
    values = jnp.ones_like(indices[:, 0]) if weights is None else jnp.asarray(weights, dtype)
    indices = indices.astype("int32")
    zeros = jnp.zeros((int(num_classes), int(num_classes)), dtype)
    return zeros.at[indices[:, 0], indices[:, 1]].add(values)


def _flat_weights(sample_weight: Any, labels_shape: tuple, dtype: str) -> Array:
    """Weights flattened to one per label: Keras's rule (a scalar, or as many weights as
    labels), else one weight per leading axes spread over the remaining label axes."""
    weight = jnp.asarray(1 if sample_weight is None else sample_weight, dtype)
    size = math.prod(labels_shape)
    if weight.size not in (1, size) and 0 < weight.ndim <= len(labels_shape):
        trailing = (1,) * (len(labels_shape) - weight.ndim)
        weight = jnp.broadcast_to(weight.reshape(weight.shape + trailing), labels_shape)
    return jnp.broadcast_to(jnp.reshape(weight, (-1,)) if weight.ndim > 1 else weight, (size,))


def _warn_fractional(sample_weight: Any, dtype: str) -> None:
    """Keras's warning when float weights meet an integer matrix, given only when some
    (concrete) weight would actually be truncated."""
    if sample_weight is None or "int" not in dtype or isinstance(sample_weight, jax.core.Tracer):
        return
    weight = np.asarray(sample_weight)
    if weight.dtype.kind == "f" and np.any(weight != np.trunc(weight)):
        warnings.warn("You are passing weight as `float`, but dtype is `int`. This may "
                      "result in an incorrect weight due to type casting Consider using "
                      "integer weights.", stacklevel=3)


class _IoUBase(Metric):
    """Accumulates the confusion matrix `total_cm` of integer (or argmax'ed) labels."""

    direction = "up"

    def __init__(self, num_classes: int, name: str | None = None, dtype: Any = None,
                 ignore_class: int | None = None, sparse_y_true: bool = True,
                 sparse_y_pred: bool = True, axis: int = -1):
        super().__init__(name, "int32" if dtype in (None, "int") else dtype)
        self.num_classes = num_classes
        self.ignore_class = ignore_class
        self.sparse_y_true = sparse_y_true
        self.sparse_y_pred = sparse_y_pred
        self.axis = axis
        self.total_cm = self.add_variable(shape=(num_classes, num_classes), initializer="zeros",
                                          dtype=self.dtype, name="total_confusion_matrix")

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Array:
        """Add this batch's weighted (label, prediction) counts to `total_cm`."""
        if not self.sparse_y_true:
            y_true = jnp.argmax(jnp.asarray(y_true), axis=self.axis)
        if not self.sparse_y_pred:
            y_pred = jnp.argmax(jnp.asarray(y_pred), axis=self.axis)
        y_true, y_pred = jnp.asarray(y_true, self.dtype), jnp.asarray(y_pred, self.dtype)
        _warn_fractional(sample_weight, self.dtype)
        weight = _flat_weights(sample_weight, y_true.shape, self.dtype)
        y_true, y_pred = jnp.reshape(y_true, (-1,)), jnp.reshape(y_pred, (-1,))
        in_bounds = ((y_true >= 0) & (y_true < self.num_classes)
                     & (y_pred >= 0) & (y_pred < self.num_classes))
        if self.ignore_class is not None:
            in_bounds = in_bounds & (y_true != self.ignore_class)
        current = confusion_matrix(jnp.where(in_bounds, y_true, 0),
                                   jnp.where(in_bounds, y_pred, 0), self.num_classes,
                                   weights=jnp.where(in_bounds, weight, 0), dtype=self.dtype)
        return self.total_cm.assign(self.total_cm.value + current)


class IoU(_IoUBase):
    """The mean IoU, TP / (TP + FP + FN), of the classes in `target_class_ids` (classes
    never seen nor predicted are left out of the mean)."""

    def __init__(self, num_classes: int, target_class_ids: Sequence[int],
                 name: str | None = None, dtype: Any = None, ignore_class: int | None = None,
                 sparse_y_true: bool = True, sparse_y_pred: bool = True, axis: int = -1):
        super().__init__(num_classes, name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=sparse_y_true, sparse_y_pred=sparse_y_pred, axis=axis)
        if max(target_class_ids) >= num_classes:
            raise ValueError(f"Target class id {max(target_class_ids)} is out of range, which "
                             f"is [0, {num_classes}).")
        self.target_class_ids = list(target_class_ids)

    def result(self) -> Array:
        cm = self.total_cm.value
        true_positives = jnp.diag(cm)
        denominator = jnp.sum(cm, axis=0) + jnp.sum(cm, axis=1) - true_positives
        ids = jnp.asarray(self.target_class_ids, "int32")
        true_positives = true_positives[ids].astype("float32")
        denominator = denominator[ids].astype("float32")
        valid = denominator > 1e-9
        iou = jnp.where(valid, true_positives / (denominator + config.epsilon()), 0.0)
        return jnp.sum(iou, axis=self.axis) / (jnp.sum(valid.astype("float32"))
                                               + config.epsilon())

    def get_config(self) -> dict:
        return {**super().get_config(), "num_classes": self.num_classes,
                "target_class_ids": self.target_class_ids, "ignore_class": self.ignore_class,
                "sparse_y_true": self.sparse_y_true, "sparse_y_pred": self.sparse_y_pred,
                "axis": self.axis}


class BinaryIoU(IoU):
    """IoU of classes 0 and/or 1 after `y_pred >= threshold` makes predictions class 1."""

    def __init__(self, target_class_ids: Sequence[int] = (0, 1), threshold: float = 0.5,
                 name: str | None = None, dtype: Any = None):
        super().__init__(num_classes=2, target_class_ids=target_class_ids, name=name,
                         dtype=dtype)
        self.threshold = threshold

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Array:
        y_pred = jnp.asarray(y_pred, "float32") >= self.threshold
        return super().update_state(jnp.asarray(y_true, self.dtype),
                                    y_pred.astype(self.dtype), sample_weight)

    def get_config(self) -> dict:
        return {"target_class_ids": self.target_class_ids, "threshold": self.threshold,
                "name": self.name, "dtype": self.dtype}


class MeanIoU(IoU):
    """The mean IoU over all `num_classes` classes."""

    def __init__(self, num_classes: int, name: str | None = None, dtype: Any = None,
                 ignore_class: int | None = None, sparse_y_true: bool = True,
                 sparse_y_pred: bool = True, axis: int = -1):
        super().__init__(num_classes, list(range(num_classes)), name=name, dtype=dtype,
                         ignore_class=ignore_class, sparse_y_true=sparse_y_true,
                         sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self) -> dict:
        return {"num_classes": self.num_classes, "name": self.name, "dtype": self.dtype,
                "ignore_class": self.ignore_class, "sparse_y_true": self.sparse_y_true,
                "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


class OneHotIoU(IoU):
    """`IoU` for one-hot labels (and, unless `sparse_y_pred`, per-class scores)."""

    def __init__(self, num_classes: int, target_class_ids: Sequence[int],
                 name: str | None = None, dtype: Any = None, ignore_class: int | None = None,
                 sparse_y_pred: bool = False, axis: int = -1):
        super().__init__(num_classes, target_class_ids, name=name, dtype=dtype,
                         ignore_class=ignore_class, sparse_y_true=False,
                         sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self) -> dict:
        return {"num_classes": self.num_classes, "target_class_ids": self.target_class_ids,
                "name": self.name, "dtype": self.dtype, "ignore_class": self.ignore_class,
                "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


class OneHotMeanIoU(MeanIoU):
    """`MeanIoU` for one-hot labels (and, unless `sparse_y_pred`, per-class scores)."""

    def __init__(self, num_classes: int, name: str | None = None, dtype: Any = None,
                 ignore_class: int | None = None, sparse_y_pred: bool = False,
                 axis: int = -1):
        super().__init__(num_classes, name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=False, sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self) -> dict:
        return {"num_classes": self.num_classes, "name": self.name, "dtype": self.dtype,
                "ignore_class": self.ignore_class, "sparse_y_pred": self.sparse_y_pred,
                "axis": self.axis}
