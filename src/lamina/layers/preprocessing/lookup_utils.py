"""Host-side helpers shared by the vocabulary layers (IndexLookup, TextVectorization): adapt's
batch iteration, Keras's vocabulary order and IDF formula, and the categorical encodings."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping

import numpy as np

__all__: list[str] = []

_OUTPUT_MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")


def check(cond: bool, message: str) -> None:
    """Raise ValueError(message) unless `cond`."""
    if not cond:
        raise ValueError(message)


def check_lookup_args(max_tokens, num_oov_indices, output_mode, invert, sparse,
                      pad_to_max_tokens, idf_weights, oov_method, salt,
                      vocabulary_dtype) -> tuple[str, list | None]:
    """Keras's argument checks of IndexLookup (with its error texts). Returns the output mode
    (old names "binary", "tf-idf" mapped to the current ones) and `salt` as a pair."""
    check(max_tokens is None or max_tokens > 1, "If set, `max_tokens` must be greater "
          f"than 1. Received: max_tokens={max_tokens}")
    check(not (pad_to_max_tokens and max_tokens is None), "If pad_to_max_tokens is True, "
          f"must set `max_tokens`. Received: max_tokens={max_tokens}")
    check(num_oov_indices >= 0, "`num_oov_indices` must be greater than or equal to 0. "
          f"Received: num_oov_indices={num_oov_indices}")
    output_mode = {"binary": "multi_hot", "tf-idf": "tf_idf"}.get(output_mode, output_mode)
    check(output_mode in _OUTPUT_MODES, f"Invalid value for argument output_mode. "
          f"Expected one of {list(_OUTPUT_MODES)}. Received: output_mode={output_mode}")
    check(not (invert and output_mode != "int"), "`output_mode` must be `'int'` when "
          f"`invert` is true. Received: output_mode={output_mode}")
    check(not sparse, "`sparse=True` can only be used with the TensorFlow backend.")
    check(idf_weights is None or output_mode == "tf_idf", "`idf_weights` should only be "
          f"set if `output_mode` is `'tf_idf'`. Received: idf_weights={idf_weights} and "
          f"output_mode={output_mode}")
    check(oov_method in ("floormod", "farmhash"), "Invalid value for argument oov_method. "
          "Expected one of ['floormod', 'farmhash']. Received: oov_method=" + repr(oov_method))
    if salt is not None:
        check(vocabulary_dtype == "string" or oov_method == "farmhash", "`salt` can only be "
              f"used when `oov_method='farmhash'`. Received: oov_method={oov_method}")
        if isinstance(salt, (tuple, list)) and len(salt) == 2:
            salt = list(salt)
        elif isinstance(salt, int):
            salt = [salt, salt]
        else:
            raise ValueError("The `salt` argument for `IndexLookup` can only be a tuple of 2 "
                             f"integers, or a single integer. Received: salt={salt}.")
    return output_mode, salt


def adapt_batches(data, steps: int | None, as_rows: Callable) -> Iterator:
    """The batches `adapt` counts, as Keras takes them: an array, list or tuple is one batch
    (a 1-D one becomes a column, one token per row); any other iterable (a generator, a
    PyDataset) yields batches, at most `steps` of them."""
    if isinstance(data, (list, tuple, np.ndarray, str)) or hasattr(data, "shape"):
        rows = as_rows(data)
        yield rows[:, None] if rows.ndim == 1 else rows
        return
    if not hasattr(data, "__iter__"):
        raise TypeError("adapt() expects an array, a list, or an iterable of batches. "
                        f"Received: data of type {type(data).__name__}")
    for i, batch in enumerate(data):
        if steps is not None and i >= steps:
            return
        yield batch


def vocabulary_order(counts: Mapping, exclude: tuple, limit: int | None) -> list:
    """Tokens by count, high to low, ties broken by the token itself, high to low (Keras's
    `np.lexsort((tokens, counts))[::-1]`), without `exclude`, at most `limit` of them."""
    kept = {t: c for t, c in counts.items() if t not in exclude}
    tokens = sorted(kept, key=lambda t: (kept[t], t), reverse=True)
    return tokens[:limit] if limit else tokens


def inverse_document_frequency(document_counts: np.ndarray, num_documents: int) -> np.ndarray:
    """Keras's IDF: `log(1 + num_documents / (1 + document_counts))`, computed in float64
    and returned as float32."""
    return np.log(1 + num_documents / (1 + document_counts.astype(np.float64))).astype(
        np.float32)


def padded_rows(values: np.ndarray, lengths: np.ndarray, width: int, fill) -> np.ndarray:
    """(rows, width) array of ragged rows given flat (`lengths[i]` values for row i): each
    row's first `width` values, then `fill`."""
    out = np.full((len(lengths), width), fill, values.dtype)
    if lengths.max(initial=0) > width:  # keep each row's first `width` values
        starts = np.cumsum(lengths) - lengths
        values = values[np.arange(len(values)) - np.repeat(starts, lengths) < width]
        lengths = np.minimum(lengths, width)
    out[np.arange(width) < lengths[:, None]] = values
    return out


def encode(lookups: np.ndarray, output_mode: str, depth: int,
           idf_weights: np.ndarray | None = None) -> np.ndarray:
    """Keras's one_hot / multi_hot / count / tf_idf encodings of indices; indices outside
    [0, depth) (a dropped mask token) encode to nothing."""
    if output_mode == "one_hot":
        if lookups.ndim > 1 and lookups.shape[-1] == 1:
            lookups = lookups[..., 0]
        return (lookups[..., None] == np.arange(depth)).astype(np.int32)
    rows = lookups.reshape(math.prod(lookups.shape[:-1]), lookups.shape[-1]) if lookups.ndim \
        else lookups.reshape(1, 1)
    valid = (rows >= 0) & (rows < depth)
    row_ids = np.broadcast_to(np.arange(len(rows))[:, None], rows.shape)
    counts = np.zeros((len(rows), depth), np.int32)
    np.add.at(counts, (row_ids[valid], rows[valid]), 1)
    counts = counts.reshape(lookups.shape[:-1] + (depth,))
    if output_mode == "multi_hot":
        return np.minimum(counts, 1)
    if output_mode == "count":
        return counts
    return counts.astype(np.float32) * idf_weights


class TableWithDefault(dict):
    """A copy of a lookup table whose missing keys read as `default` (without being added)."""

    def __init__(self, table: dict, default: int):
        super().__init__(table)
        self.default = default

    def __missing__(self, key) -> int:
        return self.default
