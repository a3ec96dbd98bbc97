"""Weighted confusion-matrix counts (TP/FP/TN/FN) per threshold, computed as Keras's
`update_confusion_matrix_variables` does."""

from __future__ import annotations

from typing import Any, Sequence

import jax
import jax.numpy as jnp
import numpy as np

from lamina import config
from lamina.errors import ConfigError
from lamina.losses.arrays import Array, squeeze_or_expand_to_same_rank

NEG_INF = -1e10  # the score given to predictions outside the top k
COUNTS = ("true_positives", "false_positives", "true_negatives", "false_negatives")


def _parse_thresholds(thresholds: Any, default: float) -> list[float]:
    """The thresholds as a list (`[default]` for None), each checked to lie in [0, 1]."""
    if thresholds is None:
        return [default]
    values = list(np.ravel(thresholds))
    if any(t is None or t < 0 or t > 1 for t in values):
        raise ConfigError(f"Threshold values must be in [0, 1]. Received: {values}")
    return values


def _evenly_distributed(thresholds: Sequence[float]) -> bool:
    """Whether the thresholds are 0, 1/(n-1), ..., 1, so counts can be bucketed."""
    n = len(thresholds)
    even = np.arange(n, dtype=np.float32) / max(n - 1, 1)
    return n >= 3 and bool(np.allclose(thresholds, even, atol=config.epsilon()))


def _filter_top_k(x: Array, k: int) -> Array:
    """Keep the top k entries of the last axis; push the others to NEG_INF."""
    _, top_idx = jax.lax.top_k(x, k)
    keep = jnp.sum(jax.nn.one_hot(top_idx, x.shape[-1], dtype=x.dtype), axis=-2)
    return x * keep + NEG_INF * (1 - keep)


def confusion_counts(y_true: Any, y_pred: Any, thresholds: Sequence[float], *, dtype: str,
                     evenly: bool = False, top_k: int | None = None,
                     class_id: int | None = None, sample_weight: Any = None,
                     label_weights: Any = None) -> dict[str, Array]:
    """Weighted TP/FP/TN/FN counts per threshold (`y_pred > threshold` is positive), computed
    as Keras's `update_confusion_matrix_variables` does (bucketed for even thresholds)."""
    y_pred, y_true = squeeze_or_expand_to_same_rank(jnp.asarray(y_pred, dtype),
                                                    jnp.asarray(y_true, dtype))
    weights = None
    if sample_weight is not None:
        weights = jnp.expand_dims(jnp.asarray(sample_weight, dtype), -1)
        _, weights = squeeze_or_expand_to_same_rank(y_true, weights, expand_rank_1=False)
    if top_k is not None:
        y_pred = _filter_top_k(y_pred, top_k)
    if class_id is not None:
        if y_pred.ndim == 1:
            raise ValueError("When class_id is provided, y_pred must be a 2D array with shape "
                             f"(num_samples, num_classes), found shape: {y_pred.shape}")
        y_true, y_pred = y_true[..., class_id, None], y_pred[..., class_id, None]
    weights = jnp.ones_like(y_pred) if weights is None else jnp.broadcast_to(weights,
                                                                              y_pred.shape)
    if label_weights is not None:
        weights = weights * jnp.broadcast_to(jnp.asarray(label_weights, dtype), y_pred.shape)
    labels = (y_true != 0).astype(dtype).ravel()
    y_pred, weights = y_pred.ravel(), weights.ravel()
    if evenly:
        return _bucketed_counts(labels, y_pred, weights, thresholds)
    above = y_pred[None, :] > jnp.asarray(thresholds, dtype)[:, None]
    pos, neg = labels[None, :] > 0, labels[None, :] == 0
    pairs = ((pos, above), (neg, above), (neg, ~above), (pos, ~above))
    return {name: jnp.sum(jnp.where(lab & pred, weights, 0), axis=1)
            for name, (lab, pred) in zip(COUNTS, pairs)}


def _bucketed_counts(labels: Array, y_pred: Array, weights: Array,
                     thresholds: Sequence[float]) -> dict[str, Array]:
    """Counts for evenly spaced thresholds in O(n): bucket predictions, then cumsum."""
    n = len(thresholds)
    true_labels, false_labels = labels * weights, (1.0 - labels) * weights
    buckets = jnp.ceil(jnp.clip(y_pred, 0.0, 1.0) * (n - 1)) - 1
    if thresholds[0] < 0.0 or thresholds[-1] > 1.0:
        buckets = jax.nn.relu(buckets)
    buckets = buckets.astype("int32")

    def at_or_above(values: Array) -> Array:
        return jnp.flip(jnp.cumsum(jnp.flip(jax.ops.segment_sum(values, buckets, n))))

    tp, fp = at_or_above(true_labels), at_or_above(false_labels)
    return {"true_positives": tp, "false_positives": fp,
            "true_negatives": jnp.sum(false_labels) - fp,
            "false_negatives": jnp.sum(true_labels) - tp}

