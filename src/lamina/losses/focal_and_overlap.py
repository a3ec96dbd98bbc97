"""Focal crossentropies (down-weight easy examples) and the overlap losses Dice and Tversky
(for segmentation), as loss functions with Keras 3's arguments and numbers."""

from __future__ import annotations

import warnings
from typing import Any

import jax
import jax.numpy as jnp

from lamina import config
from lamina.losses.arrays import Array, _check_same_shape, _float_pair

Axis = int | tuple[int, ...] | None


def binary_focal_crossentropy(y_true: Any, y_pred: Any, apply_class_balancing: bool = False,
                              alpha: float = 0.25, gamma: float = 2.0, from_logits: bool = False,
                              label_smoothing: float = 0.0, axis: int = -1) -> Array:
    """Mean over `axis` of `(1 - p_t) ** gamma * bce`, where `p_t` is the probability given to
    the true class; with `apply_class_balancing`, class 1 is weighted `alpha`, class 0
    `1 - alpha` (Lin et al., 2018)."""
    y_true, y_pred = _float_pair(y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    _check_same_shape(y_true, y_pred)
    if from_logits:
        y_pred = jax.nn.sigmoid(y_pred)
    eps = config.epsilon()
    output = jnp.clip(y_pred, eps, 1.0 - eps)
    bce = -(y_true * jnp.log(output) + (1.0 - y_true) * jnp.log(1.0 - output))
    p_t = y_true * y_pred + (1 - y_true) * (1 - y_pred)
    focal_bce = jnp.power(1.0 - p_t, gamma) * bce
    if apply_class_balancing:
        focal_bce = (y_true * alpha + (1 - y_true) * (1 - alpha)) * focal_bce
    return jnp.mean(focal_bce, axis=axis)


def categorical_focal_crossentropy(y_true: Any, y_pred: Any, alpha: Any = 0.25,
                                   gamma: float = 2.0, from_logits: bool = False,
                                   label_smoothing: float = 0.0, axis: int = -1) -> Array:
    """Sum over `axis` of `alpha * (1 - p) ** gamma * -y_true * log(p)` with `p` the
    (renormalised, clipped) predicted distribution; `alpha` may be one weight per class."""
    if isinstance(axis, bool):
        raise ValueError("`axis` must be of type `int`. "
                         f"Received: axis={axis} of type {type(axis)}")
    y_true, y_pred = _float_pair(y_true, y_pred)
    if y_pred.shape[-1] == 1:
        warnings.warn("In loss categorical_focal_crossentropy, expected y_pred.shape to be "
                      "(batch_size, num_classes) with num_classes > 1. Received: "
                      f"y_pred.shape={y_pred.shape}. Consider using 'binary_crossentropy' if "
                      "you only have 2 classes.", SyntaxWarning, stacklevel=2)
    if label_smoothing:
        num_classes = jnp.asarray(y_true.shape[-1], y_pred.dtype)
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / num_classes
    if from_logits:
        y_pred = jax.nn.softmax(y_pred, axis=axis)
    eps = config.epsilon()
    output = jnp.clip(y_pred / jnp.sum(y_pred, axis=axis, keepdims=True), eps, 1.0 - eps)
    weighting = jnp.power(1.0 - output, gamma) * jnp.asarray(alpha, y_pred.dtype)
    return jnp.sum(weighting * (-y_true * jnp.log(output)), axis=axis)


def _overlap(y_true: Any, y_pred: Any, axis: Axis) -> tuple[Array, Array, Array]:
    """`(y_true, y_pred, sum(y_true * y_pred))` over `axis`, y_true cast to y_pred's dtype."""
    y_true, y_pred = _float_pair(y_true, y_pred, align=False)
    return y_true, y_pred, jnp.sum(y_true * y_pred, axis=_axis(axis))


def _axis(axis: Axis) -> Axis:
    """A hashable axis for jnp (configs restored from JSON give lists)."""
    return tuple(axis) if isinstance(axis, list) else axis


def dice(y_true: Any, y_pred: Any, axis: Axis = None) -> Array:
    """`1 - 2 * sum(y_true * y_pred) / (sum(y_true) + sum(y_pred) + epsilon)` over `axis`
    (all axes when None)."""
    y_true, y_pred, intersection = _overlap(y_true, y_pred, axis)
    axis = _axis(axis)
    denominator = jnp.sum(y_true, axis=axis) + jnp.sum(y_pred, axis=axis) + config.epsilon()
    return 1 - 2.0 * intersection / denominator


def tversky(y_true: Any, y_pred: Any, alpha: float = 0.5, beta: float = 0.5,
            axis: Axis = None) -> Array:
    """`1 - TP / (TP + alpha * FP + beta * FN + epsilon)` over `axis` (Salehi et al., 2017);
    `alpha = beta = 0.5` gives the Dice loss. FP and FN are counted exactly as Keras does."""
    y_true, y_pred, intersection = _overlap(y_true, y_pred, axis)
    axis = _axis(axis)
    fp = jnp.sum((1 - y_pred) * y_true, axis=axis)
    fn = jnp.sum(y_pred * (1 - y_true), axis=axis)
    return 1 - intersection / (intersection + fp * alpha + fn * beta + config.epsilon())
