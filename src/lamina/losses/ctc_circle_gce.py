"""The CTC loss (sequence labelling), the Circle loss (metric learning) and the categorical
generalized crossentropy (noisy labels), as loss functions with Keras 3's arguments and
numbers."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from lamina.losses.arrays import Array


def ctc(y_true: Any, y_pred: Any) -> Array:
    """Per-sequence CTC loss of logits `y_pred` (batch, time, classes) for the integer labels
    `y_true` (batch, max_length). Class 0 is the blank and pads the labels: each label length
    is the number of its non-zero entries; every sequence uses all `time` steps."""
    from lamina.ops.ctc import ctc_loss  # deferred: `import lamina` does not load ops

    y_true, y_pred = jnp.asarray(y_true), jnp.asarray(y_pred)
    if y_true.ndim != 2:
        raise ValueError("Targets `y_true` are expected to be a tensor of shape "
                         "`(batch_size, max_length)` in integer format. "
                         f"Received: y_true.shape={y_true.shape}")
    if y_pred.ndim != 3:
        raise ValueError("Logits `y_pred` are expected to be a tensor of shape "
                         "`(batch_size, max_length, num_classes)`. "
                         f"Received: y_pred.shape={y_pred.shape}")
    batch_size, steps = y_pred.shape[:2]
    label_length = jnp.sum(y_true != 0, axis=-1).astype("int32")
    return ctc_loss(y_true, y_pred, label_length, jnp.full((batch_size,), steps, "int32"),
                    mask_index=0)


def _pos_neg_masks(query_labels: Array, key_labels: Array,
                   remove_diagonal: bool) -> tuple[Array, Array]:
    """`(same label, different label)` boolean masks (queries x keys); with
    `remove_diagonal`, query i is not its own positive for key i."""
    query_labels = query_labels.reshape(-1, 1) if query_labels.ndim == 1 else query_labels
    key_labels = key_labels.reshape(-1, 1) if key_labels.ndim == 1 else key_labels
    positive = query_labels == key_labels.T
    negative = ~positive
    if remove_diagonal:
        positive = positive & ~jnp.eye(query_labels.size, key_labels.size, dtype=bool)
    return positive, negative


def _without_padding_rows(positive: Array, negative: Array) -> tuple[Array, Array]:
    """The masks without the rows `fit` pads onto a last partial batch (see
    `layers.base.current_row_mask`), so those are nobody's positive or negative."""
    from lamina.layers.base import current_row_mask  # deferred: losses load before layers

    rows = current_row_mask()
    if rows is None or jnp.shape(rows) != positive.shape[1:]:
        return positive, negative
    real = jnp.asarray(rows).astype(bool)[None, :]
    return positive & real, negative & real


def circle_with_mask(y_true: Any, y_pred: Any, ref_labels: Any = None,
                     ref_embeddings: Any = None, remove_diagonal: bool = True,
                     gamma: float = 80, margin: float = 0.4) -> tuple[Array, Array]:
    """`circle`'s values and the mask of those that count (`values > 0`): rows without a
    positive or a negative give 0 and are left out of the mean, as in Keras."""
    y_pred = jnp.asarray(y_pred)
    y_true = jnp.asarray(y_true).astype("int32")
    own_batch = ref_labels is None and ref_embeddings is None
    ref_embeddings = y_pred if ref_embeddings is None else jnp.asarray(ref_embeddings)
    ref_labels = y_true if ref_labels is None else jnp.asarray(ref_labels).astype("int32")
    distances = jnp.maximum(1 - jnp.matmul(y_pred, ref_embeddings.T), 0.0)
    positive, negative = _pos_neg_masks(y_true, ref_labels, remove_diagonal)
    if own_batch:
        positive, negative = _without_padding_rows(positive, negative)
    pos_weights = jnp.maximum((margin + distances) * positive.astype(distances.dtype), 0.0)
    neg_weights = jnp.maximum((1 + margin - distances) * negative.astype(distances.dtype), 0.0)
    pos_scores = -1 * gamma * pos_weights * (margin - distances)
    neg_scores = gamma * neg_weights * ((1 - margin) - distances)
    logsumexp = jax.scipy.special.logsumexp
    p_loss = logsumexp(jnp.where(positive, pos_scores, float("-inf")), axis=1)
    n_loss = logsumexp(jnp.where(negative, neg_scores, float("-inf")), axis=1)
    values = jax.nn.softplus(p_loss + n_loss)
    return values, values > 0


def circle(y_true: Any, y_pred: Any, ref_labels: Any = None, ref_embeddings: Any = None,
           remove_diagonal: bool = True, gamma: float = 80, margin: float = 0.4) -> Array:
    """Circle loss (Sun et al., 2020) of L2-normalised embeddings `y_pred` with integer labels
    `y_true` against reference embeddings and labels (by default the batch itself): a
    softplus of the log-sum-exp of re-weighted positive and negative cosine distances."""
    return circle_with_mask(y_true, y_pred, ref_labels, ref_embeddings, remove_diagonal,
                            gamma, margin)[0]


circle.with_mask = circle_with_mask  # Loss objects also take the mask (`LossFunctionWrapper`)


def categorical_generalized_cross_entropy(y_true: Any, y_pred: Any, q: float) -> Array:
    """`(1 - p ** q) / q` with `p` the probability `y_pred` gives the integer class `y_true`
    (Zhang & Sabuncu, 2018): crossentropy as `q -> 0`, mean absolute error at `q = 1`."""
    y_pred = jnp.asarray(y_pred)
    y_true = jnp.asarray(y_true).astype("int32")
    one_hot = jax.nn.one_hot(y_true, y_pred.shape[-1], dtype=y_pred.dtype)
    p = jnp.sum(y_pred * one_hot, axis=-1)
    return (1 - jnp.power(p, q)) / q
