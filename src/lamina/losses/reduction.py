"""Reducing per-sample loss values to a scalar: sample weights, padding masks, reductions."""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from lamina.errors import ConfigError
from lamina.losses.arrays import (Array, divide_no_nan, expand_trailing,
                                  squeeze_or_expand_to_same_rank)

REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none", None)


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
    """The denominator of a mean reduction: total weight, or the number of unmasked entries."""
    if reduction == "mean_with_sample_weight" and weights is not None:
        if mask is not None:
            weights = jnp.where(_aligned(mask, weights), weights, 0)
        return jnp.sum(weights)
    if mask is None:
        return jnp.asarray(values.size, values.dtype)
    return jnp.sum(_aligned(mask, values).astype(values.dtype))


def _merge_masks(value_mask: Array | None, row_mask: Any) -> Array | None:
    """The entries both masks keep (`row_mask` covers leading axes); None means keep all."""
    if row_mask is None:
        return value_mask
    row_mask = jnp.asarray(row_mask).astype(bool)
    if value_mask is None:
        return row_mask
    return value_mask & expand_trailing(row_mask, value_mask.ndim)
