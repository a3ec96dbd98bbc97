"""pack_x_y_sample_weight / unpack_x_y_sample_weight: the `(x, y, sample_weight)` tuples of
`fit`, for custom `train_step`s and data generators, as in `keras.utils`."""

from __future__ import annotations

from typing import Any

__all__ = ["pack_x_y_sample_weight", "unpack_x_y_sample_weight"]


def unpack_x_y_sample_weight(data) -> tuple[Any, Any, Any]:
    """`x`, `(x,)`, `(x, y)` or `(x, y, sample_weight)` (a list counts as a tuple) as
    `(x, y, sample_weight)`, with None for what is missing.

    ```python
    def train_step(self, data):
        x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
    ```
    """
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return (data, None, None)
    if 1 <= len(data) <= 3:
        return (*data, *(None,) * (3 - len(data)))
    raise ValueError("Data is expected to be in format `x`, `(x,)`, `(x, y)`, or "
                     f"`(x, y, sample_weight)`, found: {data}")


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    """The tuple `fit` takes: `x` alone (`(x,)` when `x` is a tuple or list, so it is not
    read as `(x, y)`), `(x, y)` or `(x, y, sample_weight)`."""
    if y is None:
        return (x,) if isinstance(x, (tuple, list)) else x
    if sample_weight is None:
        return (x, y)
    return (x, y, sample_weight)
