"""Host conversion: the arrays of other libraries (TensorFlow and torch tensors, pandas
frames and series) inside a batch structure become NumPy arrays, as Keras's adapters do.

- a torch tensor is detached and moved to the CPU first (`.numpy()` refuses tensors that
  need gradients or live on a GPU);
- a `DataFrame` becomes its `to_numpy()` (samples x columns) and a `Series` a column,
  `(samples, 1)`: Keras's `PandasSeriesSliceable`. A dict of series (`dict(df)`) therefore feeds
  a model with one `Input((1,))` per column, the keras.io structured-data idiom.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lamina.training.adapters import detect


def leaf_to_numpy(x: Any) -> Any:
    """One array of another library as a NumPy array; anything else unchanged."""
    if detect.is_torch_tensor(x):
        return x.detach().cpu().numpy()
    if detect.is_tf_tensor(x):
        return x.numpy()
    if detect.is_pandas_series(x):
        return np.expand_dims(x.to_numpy(), axis=-1)
    if detect.is_pandas(x):
        return x.to_numpy()
    return x


def to_numpy(structure: Any) -> Any:
    """`structure` (nested dicts, lists and tuples) with every foreign array converted."""
    if isinstance(structure, dict):
        return {key: to_numpy(value) for key, value in structure.items()}
    if isinstance(structure, (list, tuple)) and _holds_structures(structure):
        return type(structure)(to_numpy(value) for value in structure)
    return leaf_to_numpy(structure)


def _holds_structures(value: list | tuple, depth: int = 2) -> bool:
    """Whether a list / tuple holds dicts or foreign arrays within `depth` levels (then it is a
    structure to walk); a list of Python rows is one array and is left to NumPy. Only the
    first few items are looked at: rows of a list of data are all alike."""
    return any(isinstance(v, dict) or detect.is_foreign_array(v) or (
        depth > 1 and isinstance(v, (list, tuple)) and _holds_structures(v, depth - 1))
        for v in value[:8])


def standard_batch(item: Any) -> tuple:
    """A source's batch as `(x,)`, `(x, y)` or `(x, y, sample_weight)`: a list (what a torch
    `DataLoader` collates) counts as a tuple, anything else is `x` alone (Keras's
    `unpack_x_y_sample_weight`)."""
    if isinstance(item, list):
        item = tuple(item)
    return item if isinstance(item, tuple) else (item,)
