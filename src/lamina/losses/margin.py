"""Hinge (margin) loss functions: per-sample values with the last axis reduced."""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from lamina.losses.arrays import Array, _float_pair


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
