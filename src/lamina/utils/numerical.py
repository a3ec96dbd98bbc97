"""to_categorical and normalize, as in `keras.utils`."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from lamina import errors


def to_categorical(x, num_classes: int | None = None) -> np.ndarray:
    """One-hot encode integer class labels, as Keras does (float64, shape `x.shape + (n,)`; a
    trailing axis of size 1 is dropped). Unlike Keras, out-of-range labels are an error."""
    x = np.asarray(x)
    if x.dtype.kind not in "iufb":
        raise errors.DataError(f"to_categorical expects integer class labels. Received: labels of "
                               f"dtype {x.dtype} such as {x.flat[0]!r}. Map them to indices "
                               "first (e.g. with layers.StringLookup).")
    if x.size and not np.all(np.equal(np.mod(x, 1), 0)):
        raise errors.DataError("to_categorical expects integer class labels. Received "
                               f"non-integer values such as {x[np.mod(x, 1) != 0].flat[0]}; "
                               "round or map them to class indices first.")
    x = x.astype("int64")
    if x.ndim > 1 and x.shape[-1] == 1:
        x = x.reshape(x.shape[:-1])
    if not num_classes:
        num_classes = int(x.max()) + 1 if x.size else 0
    if x.size and (x.min() < 0 or x.max() >= num_classes):
        raise errors.DataError(errors.message(
            "to_categorical got a label outside the classes.",
            expected=f"labels in [0, {num_classes - 1}]",
            got=f"labels from {x.min()} to {x.max()}",
            fix="Pass the right num_classes or fix the labels."))
    return np.eye(num_classes, dtype="float64")[x]


def normalize(x, axis: int = -1, order: int = 2):
    """Scale `x` to unit `order`-norm along `axis` (zero vectors stay zero); a NumPy input gives
    a NumPy output of the same float dtype, a JAX array a JAX array."""
    if isinstance(x, jax.Array):
        norm = jnp.linalg.norm(x, ord=order, axis=axis, keepdims=True)
        return x / jnp.where(norm == 0, 1, norm)
    x = np.asarray(x)
    norm = np.atleast_1d(np.linalg.norm(x, order, axis))
    norm[norm == 0] = 1
    return x / np.expand_dims(norm, -1 if axis is None else axis)
