"""split_dataset, as `keras.utils.split_dataset`, for in-memory data (no tf.data here)."""

from __future__ import annotations

import random

import numpy as np

from lamina import errors


def _length(dataset) -> int:
    leaves = list(dataset.values()) if isinstance(dataset, dict) else (
        list(dataset) if isinstance(dataset, (list, tuple)) else [dataset])
    lengths = {len(leaf) for leaf in leaves}
    if len(lengths) != 1:
        raise errors.DataError(f"split_dataset needs arrays of one length; got lengths "
                               f"{sorted(lengths)}.")
    return lengths.pop()


def _take(dataset, indices: np.ndarray):
    if isinstance(dataset, dict):
        return {k: np.asarray(v)[indices] for k, v in dataset.items()}
    if isinstance(dataset, (list, tuple)):
        return tuple(np.asarray(v)[indices] for v in dataset)
    return np.asarray(dataset)[indices]


def _sizes(left_size, right_size, total: int) -> tuple[int, int]:
    """Keras's rules: ints are counts, floats fractions, None the complement."""
    for name, size in (("left_size", left_size), ("right_size", right_size)):
        if size is not None and type(size) not in (int, float):
            raise TypeError(f"Invalid `{name}` Type. Expected: int or float or None, Received: "
                            f"type({name})={type(size)}.")
        if (type(size) is int and not 0 < size < total) or (
                type(size) is float and not 0 < size < 1):
            raise errors.ConfigError(
                f"`{name}` should be either a positive integer smaller than {total}, or a float "
                f"within the range `[0, 1]`. Received: {name}={size}")
    if type(left_size) is float and type(right_size) is float and left_size + right_size > 1:
        raise errors.ConfigError("The sum of `left_size` and `right_size` is greater than 1. It "
                                 "must be less than or equal to 1.")
    left = round(left_size * total) if type(left_size) is float else left_size
    right = round(right_size * total) if type(right_size) is float else right_size
    left = total - right if left is None else left
    right = total - left if right is None else right
    if left + right > total:
        raise errors.ConfigError(f"The sum of `left_size` and `right_size` should be smaller "
                                 f"than the {total}. Received: left_size + right_size = "
                                 f"{left + right} and total_length = {total}")
    if left == 0 or right == 0:
        raise errors.ConfigError(f"With `dataset` of length={total}, `left_size`={left} and "
                                 f"`right_size`={right}, one side of the split would be empty. "
                                 "Adjust the sizes.")
    return int(left), int(right)


def split_dataset(dataset, left_size=None, right_size=None, shuffle: bool = False,
                  seed: int | None = None):
    """Split arrays (an array, a tuple/list of arrays, or a dict of arrays) into two parts.

    Sizes follow Keras (int = sample count, float = fraction, None = the rest) and so does the
    shuffle (Python's `random` seeded with `seed`), so the same samples land on each side. Keras
    returns two `tf.data.Dataset`s; lamina returns the two parts in the input's structure (a
    tuple for a list/tuple), ready for `fit(*left)` or `fit(left)`.
    """
    if left_size is None and right_size is None:
        raise errors.ConfigError("At least one of the `left_size` or `right_size` must be "
                                 "specified. Received: left_size=None and right_size=None")
    total = _length(dataset)
    if total == 0:
        raise errors.DataError("Received an empty dataset. split_dataset needs samples.")
    indices = list(range(total))
    if shuffle:
        random.Random(random.randint(0, int(1e6)) if seed is None else seed).shuffle(indices)
    left, right = _sizes(left_size, right_size, total)
    order = np.asarray(indices)
    return _take(dataset, order[:left]), _take(dataset, order[total - right:])
