"""Losses with Keras 3 names and semantics, written in pure jax.numpy (jittable).

Loss *functions* map `(y_true, y_pred)` to per-sample values (the last axis reduced);
`Loss` *objects* add sample weighting, an optional padding `mask` and a reduction to a scalar.
"""

from __future__ import annotations

import warnings
from typing import Any, Callable

import jax
import jax.numpy as jnp

from lamina import config
from lamina._catalog import function_config, function_name, snake_case
from lamina.errors import ConfigError, unknown_name

Array = jax.Array
LossFn = Callable[..., Array]

REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none", None)


# ----------------------------------------------------------------------------- shape helpers
def squeeze_or_expand_to_same_rank(x1: Array, x2: Array,
                                   expand_rank_1: bool = True) -> tuple[Array, Array]:
    """Squeeze or expand the last axis of one array when the ranks differ by exactly one."""
    r1, r2 = jnp.ndim(x1), jnp.ndim(x2)
    if r1 == r2 + 1 and x1.shape[-1] == 1:
        if r2 == 1 and expand_rank_1:
            x2 = jnp.expand_dims(x2, -1)
        else:
            x1 = jnp.squeeze(x1, -1)
    elif r2 == r1 + 1 and x2.shape[-1] == 1:
        if r1 == 1 and expand_rank_1:
            x1 = jnp.expand_dims(x1, -1)
        else:
            x2 = jnp.squeeze(x2, -1)
    return x1, x2


def expand_trailing(x: Array, ndim: int) -> Array:
    """Append size-1 axes to `x` until it has `ndim` axes (aligning leading axes)."""
    return jnp.reshape(x, x.shape + (1,) * max(0, ndim - x.ndim))


def divide_no_nan(x: Array, y: Array) -> Array:
    """`x / y`, or 0 where `y == 0`."""
    safe_y = jnp.where(y == 0, 1, y)
    return jnp.where(y == 0, jnp.zeros_like(x / safe_y), x / safe_y)


def _float_pair(y_true: Any, y_pred: Any, align: bool = True) -> tuple[Array, Array]:
    y_pred = jnp.asarray(y_pred)
    y_true = jnp.asarray(y_true, dtype=y_pred.dtype)
    return squeeze_or_expand_to_same_rank(y_true, y_pred) if align else (y_true, y_pred)


def _check_same_shape(y_true: Array, y_pred: Array) -> None:
    if y_true.shape != y_pred.shape:
        raise ValueError("Arguments `target` and `output` must have the same shape. Received: "
                         f"target.shape={y_true.shape}, output.shape={y_pred.shape}")


# ----------------------------------------------------------------------------- regression
def mean_squared_error(y_true: Any, y_pred: Any) -> Array:
    """Mean of squared errors over the last axis."""
    y_true, y_pred = _float_pair(y_true, y_pred)
    return jnp.mean(jnp.square(y_true - y_pred), axis=-1)


def mean_absolute_error(y_true: Any, y_pred: Any) -> Array:
    """Mean of absolute errors over the last axis."""
    y_true, y_pred = _float_pair(y_true, y_pred)
    return jnp.mean(jnp.abs(y_true - y_pred), axis=-1)


def mean_absolute_percentage_error(y_true: Any, y_pred: Any) -> Array:
    """`100 * mean(|(y_true - y_pred) / y_true|)`, the denominator floored at epsilon."""
    y_true, y_pred = _float_pair(y_true, y_pred)
    eps = jnp.asarray(config.epsilon(), y_pred.dtype)
    diff = jnp.abs((y_true - y_pred) / jnp.maximum(jnp.abs(y_true), eps))
    return 100.0 * jnp.mean(diff, axis=-1)


def mean_squared_logarithmic_error(y_true: Any, y_pred: Any) -> Array:
    """Mean of squared differences of `log(x + 1)` (inputs floored at epsilon)."""
    y_true, y_pred = _float_pair(y_true, y_pred)
    eps = config.epsilon()
    first_log = jnp.log(jnp.maximum(y_pred, eps) + 1.0)
    second_log = jnp.log(jnp.maximum(y_true, eps) + 1.0)
    return jnp.mean(jnp.square(first_log - second_log), axis=-1)


def l2_normalize(x: Array, axis: int = -1) -> Array:
    """`x / max(||x||, epsilon)` along `axis`, computed like Keras (`x * rsqrt`)."""
    inv_norm = jax.lax.rsqrt(jnp.sum(jnp.square(x), axis=axis, keepdims=True))
    return x * jnp.minimum(inv_norm, 1.0 / config.epsilon())


def cosine_similarity(y_true: Any, y_pred: Any, axis: int = -1) -> Array:
    """Negative cosine similarity (a loss: -1 means identical directions)."""
    y_true, y_pred = _float_pair(y_true, y_pred)
    return -jnp.sum(l2_normalize(y_true, axis) * l2_normalize(y_pred, axis), axis=axis)


def huber(y_true: Any, y_pred: Any, delta: float = 1.0) -> Array:
    """Quadratic for |error| <= delta, linear beyond."""
    y_true, y_pred = _float_pair(y_true, y_pred)
    delta = jnp.asarray(delta, y_pred.dtype)
    error = y_pred - y_true
    abs_error = jnp.abs(error)
    quadratic = 0.5 * jnp.square(error)
    linear = delta * abs_error - 0.5 * jnp.square(delta)
    return jnp.mean(jnp.where(abs_error <= delta, quadratic, linear), axis=-1)


def log_cosh(y_true: Any, y_pred: Any) -> Array:
    """Mean of `log(cosh(y_pred - y_true))`, computed stably."""
    y_true, y_pred = _float_pair(y_true, y_pred)
    x = y_pred - y_true
    return jnp.mean(x + jax.nn.softplus(-2.0 * x) - jnp.log(2.0).astype(x.dtype), axis=-1)


# ----------------------------------------------------------------------------- hinge
def _hinge_labels(y_true: Array) -> Array:
    """Convert 0/1 labels to -1/1 when every label is 0 or 1."""
    is_binary = jnp.all((y_true == 0) | (y_true == 1))
    return jnp.where(is_binary, 2.0 * y_true - 1.0, y_true)


def hinge(y_true: Any, y_pred: Any) -> Array:
    """`mean(maximum(1 - y_true * y_pred, 0))`; 0/1 labels become -1/1."""
    y_true, y_pred = _float_pair(y_true, y_pred, align=False)
    return jnp.mean(jnp.maximum(1.0 - _hinge_labels(y_true) * y_pred, 0.0), axis=-1)


def squared_hinge(y_true: Any, y_pred: Any) -> Array:
    """`mean(square(maximum(1 - y_true * y_pred, 0)))`; 0/1 labels become -1/1."""
    y_true, y_pred = _float_pair(y_true, y_pred, align=False)
    margin = jnp.maximum(1.0 - _hinge_labels(y_true) * y_pred, 0.0)
    return jnp.mean(jnp.square(margin), axis=-1)


def categorical_hinge(y_true: Any, y_pred: Any) -> Array:
    """`maximum(max((1 - y_true) * y_pred) - sum(y_true * y_pred) + 1, 0)`."""
    y_true, y_pred = _float_pair(y_true, y_pred, align=False)
    pos = jnp.sum(y_true * y_pred, axis=-1)
    neg = jnp.max((1.0 - y_true) * y_pred, axis=-1)
    return jnp.maximum(neg - pos + 1.0, 0.0)


# ----------------------------------------------------------------------------- probabilistic
def kl_divergence(y_true: Any, y_pred: Any) -> Array:
    """`sum(y_true * log(y_true / y_pred))`, both clipped to [epsilon, 1]."""
    y_true, y_pred = _float_pair(y_true, y_pred, align=False)
    y_true = jnp.clip(y_true, config.epsilon(), 1)
    y_pred = jnp.clip(y_pred, config.epsilon(), 1)
    return jnp.sum(y_true * jnp.log(y_true / y_pred), axis=-1)


def poisson(y_true: Any, y_pred: Any) -> Array:
    """`mean(y_pred - y_true * log(y_pred + epsilon))`."""
    y_true, y_pred = _float_pair(y_true, y_pred, align=False)
    eps = jnp.asarray(config.epsilon(), y_pred.dtype)
    return jnp.mean(y_pred - y_true * jnp.log(y_pred + eps), axis=-1)


def _log_probs(output: Array, from_logits: bool, axis: int) -> Array:
    """Log-probabilities from logits, or from (renormalised, clipped) probabilities."""
    if from_logits:
        return jax.nn.log_softmax(output, axis=axis)
    eps = config.epsilon()
    output = output / jnp.sum(output, axis, keepdims=True)
    return jnp.log(jnp.clip(output, eps, 1.0 - eps))


def categorical_crossentropy(y_true: Any, y_pred: Any, from_logits: bool = False,
                             label_smoothing: float = 0.0, axis: int = -1) -> Array:
    """Crossentropy between one-hot (or soft) labels and predicted distributions."""
    if isinstance(axis, bool):
        raise ValueError(f"`axis` must be of type `int`. Received: axis={axis}")
    y_true, y_pred = _float_pair(y_true, y_pred)
    if y_pred.shape[-1] == 1:
        warnings.warn("In loss categorical_crossentropy, expected y_pred.shape to be "
                      f"(batch_size, num_classes) with num_classes > 1. Received: "
                      f"y_pred.shape={y_pred.shape}. Consider using 'binary_crossentropy' if "
                      "you only have 2 classes.", SyntaxWarning, stacklevel=2)
    if label_smoothing:
        num_classes = jnp.asarray(y_true.shape[-1], y_pred.dtype)
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / num_classes
    _check_same_shape(y_true, y_pred)
    return -jnp.sum(y_true * _log_probs(y_pred, from_logits, axis), axis=axis)


def sparse_categorical_crossentropy_with_mask(
        y_true: Any, y_pred: Any, from_logits: bool = False, ignore_class: int | None = None,
        axis: int = -1) -> tuple[Array, Array | None]:
    """Sparse crossentropy values plus the mask of non-ignored entries (None without
    `ignore_class`); ignored entries have value 0 and are excluded from averages."""
    y_pred = jnp.asarray(y_pred)
    y_true = jnp.asarray(y_true)
    if y_true.ndim == y_pred.ndim and y_true.shape[axis] == 1:
        y_true = jnp.squeeze(y_true, axis)
    valid = None
    if ignore_class is not None:
        valid = y_true != ignore_class
        y_true = jnp.where(valid, y_true, 0)
        y_pred = jnp.where(jnp.expand_dims(valid, axis), y_pred, 1)  # finite stand-in
    target = jnp.asarray(y_true, "int32")
    if target.ndim == y_pred.ndim and target.shape[-1] == 1:
        target = jnp.squeeze(target, -1)
    if target.shape != y_pred.shape[:-1]:
        raise ValueError("Arguments `target` and `output` must have the same shape up until "
                         f"the last dimension: target.shape={target.shape}, "
                         f"output.shape={y_pred.shape}")
    one_hot = jax.nn.one_hot(target, y_pred.shape[axis], axis=axis, dtype=y_pred.dtype)
    values = -jnp.sum(one_hot * _log_probs(y_pred, from_logits, axis), axis=axis)
    if valid is None:
        return values, None
    valid = jnp.reshape(valid, values.shape)
    return jnp.where(valid, values, 0.0), valid


def sparse_categorical_crossentropy(y_true: Any, y_pred: Any, from_logits: bool = False,
                                    ignore_class: int | None = None, axis: int = -1) -> Array:
    """Crossentropy between integer labels and predicted distributions."""
    return sparse_categorical_crossentropy_with_mask(
        y_true, y_pred, from_logits, ignore_class, axis)[0]


def binary_crossentropy(y_true: Any, y_pred: Any, from_logits: bool = False,
                        label_smoothing: float = 0.0, axis: int = -1) -> Array:
    """Mean over `axis` of the elementwise binary crossentropy."""
    y_true, y_pred = _float_pair(y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    _check_same_shape(y_true, y_pred)
    if from_logits:
        bce = (-1.0 * y_true * jax.nn.log_sigmoid(y_pred)
               - (1.0 - y_true) * jax.nn.log_sigmoid(-y_pred))
    else:
        eps = config.epsilon()
        output = jnp.clip(y_pred, eps, 1.0 - eps)
        bce = -(y_true * jnp.log(output) + (1.0 - y_true) * jnp.log(1.0 - output))
    return jnp.mean(bce, axis=axis)


# ----------------------------------------------------------------------------- reduction
def standardize_reduction(reduction: str | None) -> str | None:
    """Validate a reduction name."""
    if reduction not in REDUCTIONS:
        raise ConfigError(f"Invalid value for argument `reduction`. Expected one of "
                          f"{REDUCTIONS}. Received: reduction={reduction!r}")
    return reduction


def _aligned(mask: Array, like: Array) -> Array:
    """`mask` (leading axes matching `like`) broadcast against `like`."""
    mask = expand_trailing(mask, like.ndim)
    return jnp.broadcast_to(mask, jnp.broadcast_shapes(mask.shape, like.shape))


def reduce_weighted_values(values: Any, sample_weight: Any = None, mask: Any = None,
                           reduction: str | None = "sum_over_batch_size",
                           dtype: Any = None) -> Array:
    """Weight `values` by `sample_weight`, drop entries where `mask` is 0, then reduce.

    'sum_over_batch_size'/'mean' divide by the number of unmasked entries, so a padded
    batch with its mask gives the same value as the unpadded batch.
    """
    reduction = standardize_reduction(reduction)
    values = jnp.asarray(values, dtype)
    weights = None
    if sample_weight is not None:
        weights = jnp.asarray(sample_weight, values.dtype)
        values, weights = squeeze_or_expand_to_same_rank(values, weights)
        if 0 < weights.ndim < values.ndim:
            weights = expand_trailing(weights, values.ndim)
        values = values * weights
    if mask is not None and values.ndim > 0:
        mask = jnp.asarray(mask).astype(bool)
        values = jnp.where(expand_trailing(mask, values.ndim), values, 0)
    if reduction in (None, "none") or values.shape in ((), (0,)):
        return values
    total = jnp.sum(values)
    if reduction == "sum":
        return total
    return divide_no_nan(total, _divisor(values, weights, mask, reduction))


def _divisor(values: Array, weights: Array | None, mask: Array | None,
             reduction: str) -> Array:
    if reduction == "mean_with_sample_weight" and weights is not None:
        if mask is not None:
            weights = jnp.where(_aligned(mask, weights), weights, 0)
        return jnp.sum(weights)
    if mask is None:
        return jnp.asarray(values.size, values.dtype)
    return jnp.sum(_aligned(mask, values).astype(values.dtype))


def _merge_masks(value_mask: Array | None, row_mask: Any) -> Array | None:
    if row_mask is None:
        return value_mask
    row_mask = jnp.asarray(row_mask).astype(bool)
    if value_mask is None:
        return row_mask
    return value_mask & expand_trailing(row_mask, value_mask.ndim)


# ----------------------------------------------------------------------------- classes
class Loss:
    """Base class: subclasses implement `call(y_true, y_pred)` returning per-sample values."""

    def __init__(self, name: str | None = None, reduction: str | None = "sum_over_batch_size",
                 dtype: Any = None):
        self.name = name or snake_case(type(self).__name__)
        self.reduction = standardize_reduction(reduction)
        self.dtype = jnp.dtype(dtype or config.floatx()).name

    def call(self, y_true: Array, y_pred: Array) -> Array:
        raise NotImplementedError

    def call_with_mask(self, y_true: Array, y_pred: Array) -> tuple[Array, Array | None]:
        """Per-sample values and a mask of the entries that count (None: all)."""
        return self.call(y_true, y_pred), None

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None,
                 mask: Any = None) -> Array:
        """Scalar loss (or per-sample values for reduction None). `mask`: (batch,) 0/1 rows
        to keep, used for padded batches."""
        y_true = jnp.asarray(y_true, self.dtype)
        y_pred = jnp.asarray(y_pred, self.dtype)
        values, value_mask = self.call_with_mask(y_true, y_pred)
        return reduce_weighted_values(values, sample_weight, _merge_masks(value_mask, mask),
                                      self.reduction, self.dtype)

    def get_config(self) -> dict:
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config: dict) -> "Loss":
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}>"


class LossFunctionWrapper(Loss):
    """A `Loss` around a loss function `fn(y_true, y_pred, **kwargs)`."""

    def __init__(self, fn: LossFn, reduction: str | None = "sum_over_batch_size",
                 name: str | None = None, dtype: Any = None, **kwargs: Any):
        fn = _resolve_function(fn)
        super().__init__(name or snake_case(getattr(fn, "__name__", "loss")), reduction,
                         dtype)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true: Array, y_pred: Array) -> Array:
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self) -> dict:
        return {**super().get_config(), "fn": function_config(self.fn, "loss"),
                **self._fn_kwargs}


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


# ----------------------------------------------------------------------------- lookup
FUNCTIONS: dict[str, LossFn] = {fn.__name__: fn for fn in (
    mean_squared_error, mean_absolute_error, mean_absolute_percentage_error,
    mean_squared_logarithmic_error, cosine_similarity, huber, log_cosh, kl_divergence, poisson,
    hinge, squared_hinge, categorical_hinge, categorical_crossentropy,
    sparse_categorical_crossentropy, binary_crossentropy)}
FUNCTIONS.update({alias: FUNCTIONS[name] for name, aliases in {
    "binary_crossentropy": ("bce", "BCE"),
    "kl_divergence": ("kld", "KLD", "kullback_leibler_divergence"),
    "mean_absolute_error": ("mae", "MAE"), "mean_squared_error": ("mse", "MSE"),
    "mean_absolute_percentage_error": ("mape", "MAPE"),
    "mean_squared_logarithmic_error": ("msle", "MSLE"), "log_cosh": ("logcosh",),
}.items() for alias in aliases})

CLASSES: dict[str, type] = {cls.__name__: cls for cls in (
    Loss, LossFunctionWrapper, MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError,
    MeanSquaredLogarithmicError, CosineSimilarity, Huber, LogCosh, KLDivergence, Poisson, Hinge,
    SquaredHinge, CategoricalHinge, BinaryCrossentropy, CategoricalCrossentropy,
    SparseCategoricalCrossentropy)}

mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kullback_leibler_divergence = kl_divergence
logcosh = log_cosh
bce = BCE = binary_crossentropy


def _resolve_function(fn: Any) -> LossFn:
    """A loss function from a callable, a function name, or its serialized form."""
    if isinstance(fn, dict):
        fn = function_name(fn)
    if isinstance(fn, str):
        if fn not in FUNCTIONS:
            raise unknown_name("loss function", fn, FUNCTIONS)
        return FUNCTIONS[fn]
    if not callable(fn):
        raise ConfigError(f"Expected a loss function. Received: fn={fn!r}")
    return fn


def is_binary_or_sparse_categorical(y_true: Any, y_pred: Any) -> tuple[bool, bool]:
    """From shapes, whether the targets look binary, and whether they look sparse."""
    is_binary = y_pred.shape[-1] == 1
    is_sparse = (len(y_true.shape) < len(y_pred.shape)
                 or (y_true.shape[-1] == 1 and y_pred.shape[-1] > 1))
    return is_binary, is_sparse


def _crossentropy_for(y_true: Any, y_pred: Any) -> LossFn:
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
    (anything with `.shape`), as `keras.Model.compile` does.
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
        raise unknown_name("loss", identifier, [*CLASSES, *FUNCTIONS, "crossentropy"])
    if callable(identifier):
        return LossFunctionWrapper(identifier)
    raise ConfigError(f"Could not interpret loss identifier: {identifier!r}")


def serialize(loss: Loss | LossFn) -> dict:
    """A Keras-style config dict for a `Loss` (or a built-in loss function)."""
    if not isinstance(loss, Loss):
        return function_config(_resolve_function(loss), "loss")
    return {"module": "keras.losses", "class_name": type(loss).__name__,
            "config": loss.get_config(), "registered_name": None}


def deserialize(config: dict | str) -> Loss:
    """Rebuild a `Loss` from `serialize` output (or a Keras loss config)."""
    if isinstance(config, str):
        return get(config)
    class_name, inner = config.get("class_name"), config.get("config", {})
    if function_name(config):
        return get(function_name(config))
    if class_name not in CLASSES:
        raise unknown_name("loss class", str(class_name), CLASSES)
    return CLASSES[class_name].from_config(dict(inner))
