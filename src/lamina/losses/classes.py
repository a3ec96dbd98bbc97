"""The built-in Keras loss classes, each a `LossFunctionWrapper` around a fixed function."""

from __future__ import annotations

from typing import Any

from lamina.losses.arrays import Array, squeeze_or_expand_to_same_rank
from lamina.losses.base import Loss, LossFunctionWrapper
from lamina.losses.margin import categorical_hinge, hinge, squared_hinge
from lamina.losses.probabilistic import (binary_crossentropy, categorical_crossentropy,
                                         kl_divergence, poisson,
                                         sparse_categorical_crossentropy,
                                         sparse_categorical_crossentropy_with_mask)
from lamina.losses.registry import LossFn
from lamina.losses.regression import (cosine_similarity, huber, log_cosh, mean_absolute_error,
                                      mean_absolute_percentage_error, mean_squared_error,
                                      mean_squared_logarithmic_error)


class _BuiltinLoss(LossFunctionWrapper):
    """A Keras loss class: a fixed function, its default name and keyword arguments."""

    fn: LossFn
    default_name: str

    def __init__(self, reduction: str | None = "sum_over_batch_size", name: str | None = None,
                 dtype: Any = None, **kwargs: Any):
        super().__init__(type(self).fn, reduction, name or self.default_name, dtype, **kwargs)
        for key, value in kwargs.items():
            setattr(self, key, value)

    def get_config(self) -> dict:
        return {**Loss.get_config(self), **self._fn_kwargs}


def _simple_loss(class_name: str, fn: LossFn, default_name: str) -> type:
    """A parameterless loss class `ClassName(reduction, name, dtype)`."""

    def __init__(self, reduction: str | None = "sum_over_batch_size", name: str | None = None,
                 dtype: Any = None):
        _BuiltinLoss.__init__(self, reduction, name, dtype)

    __init__.__qualname__ = f"{class_name}.__init__"

    doc = f"`{fn.__name__}` as a `Loss` object (default name {default_name!r})."
    return type(class_name, (_BuiltinLoss,), {
        "fn": staticmethod(fn), "default_name": default_name, "__init__": __init__,
        "__doc__": doc, "__module__": __name__})


MeanSquaredError = _simple_loss("MeanSquaredError", mean_squared_error, "mean_squared_error")
MeanAbsoluteError = _simple_loss("MeanAbsoluteError", mean_absolute_error,
                                 "mean_absolute_error")
MeanAbsolutePercentageError = _simple_loss("MeanAbsolutePercentageError",
                                           mean_absolute_percentage_error,
                                           "mean_absolute_percentage_error")
MeanSquaredLogarithmicError = _simple_loss("MeanSquaredLogarithmicError",
                                           mean_squared_logarithmic_error,
                                           "mean_squared_logarithmic_error")
LogCosh = _simple_loss("LogCosh", log_cosh, "log_cosh")
KLDivergence = _simple_loss("KLDivergence", kl_divergence, "kl_divergence")
Poisson = _simple_loss("Poisson", poisson, "poisson")
Hinge = _simple_loss("Hinge", hinge, "hinge")
SquaredHinge = _simple_loss("SquaredHinge", squared_hinge, "squared_hinge")
CategoricalHinge = _simple_loss("CategoricalHinge", categorical_hinge, "categorical_hinge")


class Huber(_BuiltinLoss):
    """Huber loss: quadratic below `delta`, linear above."""
    fn = staticmethod(huber)
    default_name = "huber_loss"

    def __init__(self, delta: float = 1.0, reduction: str | None = "sum_over_batch_size",
                 name: str | None = None, dtype: Any = None):
        super().__init__(reduction, name, dtype, delta=delta)


class CosineSimilarity(_BuiltinLoss):
    """Negative cosine similarity along `axis`."""
    fn = staticmethod(cosine_similarity)
    default_name = "cosine_similarity"

    def __init__(self, axis: int = -1, reduction: str | None = "sum_over_batch_size",
                 name: str | None = None, dtype: Any = None):
        super().__init__(reduction, name, dtype, axis=axis)


class BinaryCrossentropy(_BuiltinLoss):
    """Binary crossentropy, from probabilities or logits."""
    fn = staticmethod(binary_crossentropy)
    default_name = "binary_crossentropy"

    def __init__(self, from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1,
                 reduction: str | None = "sum_over_batch_size", name: str | None = None,
                 dtype: Any = None):
        super().__init__(reduction, name, dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)


class CategoricalCrossentropy(_BuiltinLoss):
    """Crossentropy with one-hot labels, from probabilities or logits."""
    fn = staticmethod(categorical_crossentropy)
    default_name = "categorical_crossentropy"

    def __init__(self, from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1,
                 reduction: str | None = "sum_over_batch_size", name: str | None = None,
                 dtype: Any = None):
        super().__init__(reduction, name, dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)


class SparseCategoricalCrossentropy(_BuiltinLoss):
    """Crossentropy with integer labels; entries equal to `ignore_class` are skipped."""
    fn = staticmethod(sparse_categorical_crossentropy)
    default_name = "sparse_categorical_crossentropy"

    def __init__(self, from_logits: bool = False, ignore_class: int | None = None,
                 reduction: str | None = "sum_over_batch_size", axis: int = -1,
                 name: str | None = None, dtype: Any = None):
        super().__init__(reduction, name, dtype, from_logits=from_logits,
                         ignore_class=ignore_class, axis=axis)

    def call_with_mask(self, y_true: Array, y_pred: Array) -> tuple[Array, Array | None]:
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return sparse_categorical_crossentropy_with_mask(y_true, y_pred, **self._fn_kwargs)
