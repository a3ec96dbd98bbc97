"""Shared pieces of the loaders: the Keras origin folder, test splits, word-index sequences."""

from __future__ import annotations

import json
from typing import Sequence

import numpy as np

from lamina import errors
from lamina.datasets.download import get_file

KERAS_ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"


def check_test_split(test_split: float) -> None:
    if not 0 <= test_split < 1:
        raise errors.ConfigError(f"Invalid `test_split` argument: {test_split}. It must be "
                                 "between 0 and 1 (exclusive of 1).")


def shuffle_split(x: np.ndarray, y: np.ndarray, test_split: float, seed: int):
    """Keras's regression split: shuffle with RandomState(seed), the last part is the test set."""
    indices = np.arange(len(x))
    np.random.RandomState(seed).shuffle(indices)
    x, y = x[indices], y[indices]
    cut = int(len(x) * (1 - test_split))
    return (np.array(x[:cut]), np.array(y[:cut])), (np.array(x[cut:]), np.array(y[cut:]))


def encode_sequences(parts: Sequence[tuple[Sequence, np.ndarray]], num_words, skip_top: int,
                     maxlen, start_char, oov_char, index_from: int, dataset: str) -> list:
    """Keras's word-index transform of (sequences, labels) parts: offset, start marker, length
    filter (per part), then the vocabulary limit computed over all parts together."""
    encoded = []
    for xs, labels in parts:
        head = [] if start_char is None else [start_char]
        xs = [head + [w + index_from for w in x] for x in xs]
        if maxlen:
            keep = [i for i, x in enumerate(xs) if len(x) < maxlen]
            xs, labels = [xs[i] for i in keep], np.asarray(labels)[keep]
            if not xs:
                raise errors.ConfigError(
                    f"After filtering {dataset} for sequences shorter than maxlen={maxlen}, no "
                    "sequence was kept. Increase maxlen.")
        encoded.append((xs, labels))
    if not num_words:
        num_words = max(max(x) for xs, _ in encoded for x in xs if x)
    if oov_char is not None:
        def limit(x):
            return [w if skip_top <= w < num_words else oov_char for w in x]
    else:
        def limit(x):
            return [w for w in x if skip_top <= w < num_words]
    return [(object_array([limit(x) for x in xs]), labels) for xs, labels in encoded]


def object_array(rows: list) -> np.ndarray:
    """A 1-D object array of lists (np.array would build a 2-D array from equal-length rows)."""
    out = np.empty(len(rows), dtype="object")
    out[:] = rows
    return out


def load_word_index(fname: str, origin: str, file_hash: str, dataset: str) -> dict[str, int]:
    with open(get_file(fname, origin=origin, file_hash=file_hash, dataset=dataset)) as handle:
        return json.load(handle)
