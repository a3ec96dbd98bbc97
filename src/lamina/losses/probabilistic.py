"""Probabilistic loss functions: KL divergence, Poisson and the crossentropies."""

from __future__ import annotations

import warnings
from typing import Any

import jax
import jax.numpy as jnp

from lamina import config
from lamina.losses.arrays import Array, _check_same_shape, _float_pair


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
