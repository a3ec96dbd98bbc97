"""Correlation metric functions, as in Keras: `pearson_correlation` and
`concordance_correlation`, one coefficient per sample along `axis` (the metric classes that
average them are in `correlation_metrics`).

Keras's `concordance_correlation` centres `y_true` on the mean of `y_pred` in its covariance
term; lamina keeps that formula so that the numbers match Keras.
"""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from lamina import config
from lamina.losses.arrays import Array, squeeze_or_expand_to_same_rank


def _aligned(y_true: Any, y_pred: Any) -> tuple[Array, Array]:
    """`y_true` in `y_pred`'s dtype, both brought to the same rank."""
    y_pred = jnp.asarray(y_pred)
    return squeeze_or_expand_to_same_rank(jnp.asarray(y_true, y_pred.dtype), y_pred)


def pearson_correlation(y_true: Any, y_pred: Any, axis: int = -1) -> Array:
    """The Pearson correlation coefficient of `y_true` and `y_pred` along `axis`."""
    y_true, y_pred = _aligned(y_true, y_pred)
    y_true = y_true - jnp.mean(y_true, axis=axis, keepdims=True)
    y_pred = y_pred - jnp.mean(y_pred, axis=axis, keepdims=True)
    y_true = y_true / jnp.std(y_true, axis=axis, keepdims=True)
    y_pred = y_pred / jnp.std(y_pred, axis=axis, keepdims=True)
    return jnp.mean(y_true * y_pred, axis=axis)


def concordance_correlation(y_true: Any, y_pred: Any, axis: int = -1) -> Array:
    """The concordance correlation coefficient of `y_true` and `y_pred` along `axis`."""
    y_true, y_pred = _aligned(y_true, y_pred)
    true_mean = jnp.mean(y_true, axis=axis, keepdims=True)
    pred_mean = jnp.mean(y_pred, axis=axis, keepdims=True)
    true_var = jnp.var(y_true - true_mean, axis=axis, keepdims=True)
    pred_var = jnp.var(y_pred - pred_mean, axis=axis, keepdims=True)
    covar = (y_true - pred_mean) * (y_pred - pred_mean)  # sic: Keras's formula
    norm = true_var + pred_var + jnp.square(true_mean - pred_mean)
    return jnp.mean(2 * covar / (norm + config.epsilon()), axis=axis)
