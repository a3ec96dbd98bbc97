"""Metric functions: per-sample accuracies and the (positive) cosine similarity."""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from lamina import config, losses
from lamina.losses.arrays import Array, squeeze_or_expand_to_same_rank


def _floatx(x: Array) -> Array:
    """`x` cast to the default float type."""
    return x.astype(config.floatx())


def accuracy(y_true: Any, y_pred: Any) -> Array:
    """1.0 where `y_true == y_pred`."""
    y_pred = jnp.asarray(y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(jnp.asarray(y_true, y_pred.dtype), y_pred)
    return _floatx(y_true == y_pred)


def binary_accuracy(y_true: Any, y_pred: Any, threshold: float = 0.5) -> Array:
    """1.0 where `y_pred > threshold` equals the label."""
    y_true, y_pred = squeeze_or_expand_to_same_rank(jnp.asarray(y_true), jnp.asarray(y_pred))
    return _floatx(y_true == (y_pred > threshold).astype(y_true.dtype))


def _argmax_matches(labels: Any, y_pred: Array) -> Array:
    """1.0 where argmax(y_pred) equals `labels` (a trailing unit axis of labels is kept)."""
    labels = jnp.asarray(labels, y_pred.dtype)
    shape = labels.shape
    squeeze = labels.ndim == y_pred.ndim and labels.shape[-1] == 1
    if squeeze:
        labels = jnp.squeeze(labels, -1)
    matches = _floatx(labels == jnp.argmax(y_pred, -1).astype(labels.dtype))
    return jnp.reshape(matches, shape) if squeeze else matches


def categorical_accuracy(y_true: Any, y_pred: Any) -> Array:
    """1.0 where argmax(y_pred) equals argmax(y_true) (one-hot labels)."""
    return _argmax_matches(jnp.argmax(jnp.asarray(y_true), -1), jnp.asarray(y_pred))


def sparse_categorical_accuracy(y_true: Any, y_pred: Any) -> Array:
    """1.0 where argmax(y_pred) equals the integer label."""
    matches = _argmax_matches(y_true, jnp.asarray(y_pred))
    return jnp.squeeze(matches, -1) if matches.ndim > 1 and matches.shape[-1] == 1 else matches


def _in_top_k(labels: Array, y_pred: Array, k: int, from_sorted_ids: bool = False) -> Array:
    """1.0 where the label is among the top k predictions (ties count in its favour)."""
    shape = labels.shape
    y_pred = jnp.reshape(y_pred, (-1, y_pred.shape[-1])) if y_pred.ndim > 2 else y_pred
    labels = jnp.reshape(labels, (-1,)) if labels.ndim > 1 else labels
    if from_sorted_ids:
        hits = jnp.any(labels[:, None] == y_pred[:, :k], axis=1)
    else:
        at_label = jnp.take_along_axis(y_pred, labels[..., None], axis=-1)
        at_label = jnp.where(jnp.isnan(at_label), -jnp.inf, at_label)
        hits = 1 + jnp.sum(y_pred > at_label, axis=-1) <= k
    return jnp.reshape(_floatx(hits), shape)


def top_k_categorical_accuracy(y_true: Any, y_pred: Any, k: int = 5) -> Array:
    """1.0 where argmax(y_true) is among the top k predictions."""
    y_pred = jnp.asarray(y_pred)
    labels = jnp.argmax(jnp.asarray(y_true, y_pred.dtype), -1).astype("int32")
    return _in_top_k(labels, y_pred, k)


def sparse_top_k_categorical_accuracy(y_true: Any, y_pred: Any, k: int = 5,
                                      from_sorted_ids: bool = False) -> Array:
    """1.0 where the integer label is among the top k predictions."""
    y_pred = jnp.asarray(y_pred)
    labels = jnp.asarray(y_true, y_pred.dtype if from_sorted_ids else "int32")
    return _in_top_k(labels, y_pred, k, from_sorted_ids)


def cosine_similarity(y_true: Any, y_pred: Any, axis: int = -1) -> Array:
    """Cosine similarity along `axis` (positive: 1 means identical directions)."""
    return -losses.cosine_similarity(y_true, y_pred, axis)
