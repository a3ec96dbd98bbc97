"""IMDB movie-review sentiment, as `keras.datasets.imdb` (25000/25000 word-index sequences)."""

from __future__ import annotations

import numpy as np

from lamina.datasets._common import KERAS_ORIGIN, encode_sequences, load_word_index
from lamina.datasets.download import get_file
from lamina.datasets.formats import load_npz

ORIGIN = KERAS_ORIGIN + "imdb.npz"
FILE_HASH = "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f"
WORD_INDEX_ORIGIN = KERAS_ORIGIN + "imdb_word_index.json"
WORD_INDEX_HASH = "bfafd718b763782e994055a2d397834f"  # md5, as Keras publishes it


def load_data(path: str = "imdb.npz", num_words: int | None = None, skip_top: int = 0,
              maxlen: int | None = None, seed: int = 113, start_char: int | None = 1,
              oov_char: int | None = 2, index_from: int = 3, *, origin: str | None = None,
              file_hash: str | None = None):
    """Returns `(x_train, y_train), (x_test, y_test)`: object arrays of word-index lists and
    int labels (1 positive, 0 negative), shuffled with `seed` exactly as Keras does.

    Words are ranked by frequency; indices below `skip_top` or from `num_words` on become
    `oov_char` (or are dropped when it is None); sequences of `maxlen` or more are dropped.
    lamina extras: `origin` and `file_hash` point the download at a mirror.
    """
    local = get_file(path, origin=origin or ORIGIN, file_hash=file_hash or FILE_HASH,
                     dataset="IMDB")
    f = load_npz(local)
    rng = np.random.RandomState(seed)
    parts = []
    for xs, ys in ((f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])):
        indices = np.arange(len(xs))
        rng.shuffle(indices)
        parts.append((xs[indices], ys[indices]))
    (x_train, y_train), (x_test, y_test) = encode_sequences(
        parts, num_words, skip_top, maxlen, start_char, oov_char, index_from, "IMDB")
    return (x_train, y_train), (x_test, y_test)


def get_word_index(path: str = "imdb_word_index.json", *, origin: str | None = None,
                   file_hash: str | None = None) -> dict[str, int]:
    """The dict word -> index (add `index_from` to match the sequences of `load_data`)."""
    return load_word_index(path, origin or WORD_INDEX_ORIGIN, file_hash or WORD_INDEX_HASH,
                           "IMDB word index")
