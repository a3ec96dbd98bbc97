"""Array helpers shared by loss functions, reductions and metrics: rank alignment and safe
division."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

Array = jax.Array


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
    """`(y_true, y_pred)` as arrays of y_pred's dtype, rank-aligned unless `align` is False."""
    y_pred = jnp.asarray(y_pred)
    y_true = jnp.asarray(y_true, dtype=y_pred.dtype)
    return squeeze_or_expand_to_same_rank(y_true, y_pred) if align else (y_true, y_pred)


def _check_same_shape(y_true: Array, y_pred: Array) -> None:
    """Raise Keras's error when the target and output shapes differ."""
    if y_true.shape != y_pred.shape:
        raise ValueError("Arguments `target` and `output` must have the same shape. Received: "
                         f"target.shape={y_true.shape}, output.shape={y_pred.shape}")
