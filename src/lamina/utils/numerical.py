"""to_categorical and normalize, as in `keras.utils`."""

from __future__ import annotations

import numpy as np

from lamina import errors


def to_categorical(x, num_classes: int | None = None) -> np.ndarray:
    """One-hot encode integer class labels; a trailing axis of size 1 is dropped, as Keras does."""
    x = np.asarray(x)
    if x.size and not np.all(np.equal(np.mod(x, 1), 0)):
        raise errors.DataError("to_categorical expects integer class labels. Received non-integer "
                               "values; round or map them to class indices first.")
    x = x.astype("int64")
    if x.ndim > 1 and x.shape[-1] == 1:
        x = x.reshape(x.shape[:-1])
    if num_classes is None:
        num_classes = int(x.max()) + 1 if x.size else 0
    if x.size and (x.min() < 0 or x.max() >= num_classes):
        raise errors.DataError(errors.message(
            "to_categorical got a label outside the classes.",
            expected=f"labels in [0, {num_classes - 1}]",
            got=f"labels from {x.min()} to {x.max()}",
            fix="Pass the right num_classes or fix the labels."))
    return np.eye(num_classes, dtype="float32")[x]


def normalize(x, axis: int = -1, order: int = 2) -> np.ndarray:
    """Scale `x` to unit `order`-norm along `axis` (zero vectors stay zero)."""
    x = np.asarray(x, dtype="float32")
    norm = np.atleast_1d(np.linalg.norm(x, order, axis))
    norm[norm == 0] = 1
    return x / np.expand_dims(norm, axis)
