"""Regression loss functions: per-sample values with the last axis reduced."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from lamina import config
from lamina.losses.arrays import Array, _float_pair


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
