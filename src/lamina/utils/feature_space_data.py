"""Data handling of `FeatureSpace`: the per-feature batches `adapt` feeds each preprocessing
layer (from a dict of columns, an iterable of dict batches, a PyDataset or a `tf.data.Dataset`)
and the standardisation of the raw values `FeatureSpace(...)` is called on.

Keras's FeatureSpace adapts through `tf.data`: a dict of columns is sliced into rows, unbatched
scalars are batched by 32, and every batch of rank <= 1 gains a trailing axis. Here NumPy
gives each layer the same values in the same order, batched the same way (rows of rank >= 1,
one batch each in Keras, are merged 32 at a time), so adapted vocabularies, statistics and bin
boundaries are Keras's."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

__all__: list[str] = []

#: The batch size Keras's FeatureSpace batches unbatched elements with.
BATCH_SIZE = 32


def to_numpy(x: Any) -> np.ndarray:
    """`x` (a list, a scalar, a NumPy/JAX array, a TensorFlow tensor, a pandas Series) as a
    NumPy array; Python floats become float32, as `tf.convert_to_tensor` makes them."""
    if hasattr(x, "numpy") and not isinstance(x, np.ndarray):
        x = x.numpy()
    python_values = isinstance(x, (list, tuple, float))
    arr = np.asarray(x)
    if python_values and arr.dtype == np.float64:
        arr = arr.astype(np.float32)
    return arr


def _as_column(batch: np.ndarray) -> np.ndarray:
    """A batch of rank <= 1 as one column (Keras's `expand_dims(x, -1)`)."""
    return batch[:, None] if batch.ndim == 1 else batch


def _column_batches(column: np.ndarray) -> list[np.ndarray]:
    """The batches `tf.data.Dataset.from_tensor_slices` + Keras's batching make of one column:
    scalars by 32; rows of rank >= 1 are batches of their own, which are merged here 32 rows
    at a time along their first axis (the same values, in the same order)."""
    if column.ndim == 0:
        raise ValueError("`adapt()` needs one value per example for each feature. Received a "
                         f"scalar: {column!r}. Pass a list or an array, e.g. [1.0, 2.0].")
    batches = []
    for start in range(0, len(column), BATCH_SIZE):
        chunk = column[start:start + BATCH_SIZE]
        if chunk.ndim >= 2:
            chunk = chunk.reshape((-1,) + chunk.shape[2:])
        batches.append(_as_column(chunk))
    return batches


def _check_element(element: Any, names: list[str]) -> Mapping:
    """One element of the data as a dict holding every feature (x of an (x, y) pair)."""
    if isinstance(element, tuple) and element and isinstance(element[0], Mapping):
        element = element[0]
    if not isinstance(element, Mapping):
        raise ValueError(  # noqa: TRY004 - Keras's error type for bad adapt() data
            "`adapt()` expects each batch to be a dict mapping feature names to values. "
            f"Received a batch of type {type(element).__name__}: {element!r:.200}")
    missing = [name for name in names if name not in element]
    if missing:
        raise ValueError(f"The data passed to `adapt()` has no values for the features "
                         f"{missing}. Each batch must hold every feature of the FeatureSpace: "
                         f"{names}. Received keys: {sorted(element)}")
    return element


def _elements(dataset: Any) -> Iterable:
    """The elements of a `tf.data.Dataset` (as NumPy) or of any other iterable."""
    if hasattr(dataset, "as_numpy_iterator") and type(dataset).__module__.startswith(
            "tensorflow"):
        return dataset.as_numpy_iterator()
    return dataset


def _stream_batches(values: list[np.ndarray]) -> list[np.ndarray]:
    """Keras's rule for a stream of one feature's values: unbatched scalars are batched by 32,
    and batches of rank 1 become columns."""
    if values and values[0].ndim == 0:
        return [np.stack(values[i:i + BATCH_SIZE])[:, None]
                for i in range(0, len(values), BATCH_SIZE)]
    return [_as_column(v) for v in values]


def feature_batches(dataset: Any, names: list[str],
                    steps: int | None = None) -> dict[str, list[np.ndarray]]:
    """For each feature in `names`, the list of batches its preprocessor adapts to."""
    if isinstance(dataset, Mapping):
        dataset = _check_element(dataset, names)
        return {name: _column_batches(to_numpy(dataset[name])) for name in names}
    if isinstance(dataset, (str, bytes)) or not hasattr(dataset, "__iter__"):
        raise ValueError(
            "`adapt()` can only be called on a tf.data.Dataset, a dict of arrays/lists, or an "
            "iterable of such dicts (a list, a generator, a PyDataset). "
            f"Received instead: {dataset!r:.200} (of type {type(dataset)})")
    columns: dict[str, list[np.ndarray]] = {name: [] for name in names}
    for i, element in enumerate(_elements(dataset)):
        if steps is not None and i >= steps:
            break
        element = _check_element(element, names)
        for name in names:
            columns[name].append(to_numpy(element[name]))
    if not any(columns.values()) and names:
        raise ValueError("`adapt()` got no data: the dataset passed to it is empty.")
    return {name: _stream_batches(values) for name, values in columns.items()}


def standardize_inputs(data: Mapping, names: list[str]) -> tuple[dict, bool]:
    """The features' values of a FeatureSpace call as arrays of rank >= 2 (a scalar becomes a
    batch of one row, a rank-1 array a column, as Keras's `FeatureSpace.__call__`), and
    whether the data was a single row that was rebatched. Other keys are ignored (Keras
    fails on them with a KeyError)."""
    if not isinstance(data, Mapping):
        raise ValueError(  # noqa: TRY004 - Keras's error type
            "A FeatureSpace can only be called with a dict. "
            f"Received: data={str(data)[:200]} (of type {type(data)}")
    missing = [name for name in names if name not in data]
    if missing:  # other entries (a label column, ...) are left alone
        raise ValueError(f"A FeatureSpace must be called with a dict holding each of its "
                         f"features {names}. Missing: {missing}. Received keys: "
                         f"{sorted(data)}")
    out, rebatched = {}, False
    for name in names:
        x = data[name]
        x = x if _is_jax_array(x) else to_numpy(x)
        if x.ndim == 0:
            x, rebatched = x.reshape(1, 1), True
        elif x.ndim == 1:
            x = x[:, None]
        out[name] = x
    return out, rebatched


def _is_jax_array(x: Any) -> bool:
    import jax

    return isinstance(x, jax.Array)
