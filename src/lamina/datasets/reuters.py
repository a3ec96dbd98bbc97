"""Reuters newswire topics, as `keras.datasets.reuters` (11228 sequences, 46 topics)."""

from __future__ import annotations

import numpy as np

from lamina.datasets._common import (KERAS_ORIGIN, check_test_split, encode_sequences,
                                     load_word_index)
from lamina.datasets.download import get_file
from lamina.datasets.formats import load_npz

ORIGIN = KERAS_ORIGIN + "reuters.npz"
FILE_HASH = "d6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916"
WORD_INDEX_ORIGIN = KERAS_ORIGIN + "reuters_word_index.json"
WORD_INDEX_HASH = "4d44cc38712099c9e383dc6e5f11a921"  # md5, as Keras publishes it
LABEL_NAMES = (
    "cocoa", "grain", "veg-oil", "earn", "acq", "wheat", "copper", "housing", "money-supply",
    "coffee", "sugar", "trade", "reserves", "ship", "cotton", "carcass", "crude", "nat-gas",
    "cpi", "money-fx", "interest", "gnp", "meal-feed", "alum", "oilseed", "gold", "tin",
    "strategic-metal", "livestock", "retail", "ipi", "iron-steel", "rubber", "heat", "jobs",
    "lei", "bop", "zinc", "orange", "pet-chem", "dlr", "gas", "silver", "wpi", "hog", "lead")


def load_data(path: str = "reuters.npz", num_words: int | None = None, skip_top: int = 0,
              maxlen: int | None = None, test_split: float = 0.2, seed: int = 113,
              start_char: int | None = 1, oov_char: int | None = 2, index_from: int = 3, *,
              origin: str | None = None, file_hash: str | None = None):
    """Returns `(x_train, y_train), (x_test, y_test)`: object arrays of word-index lists and
    int topic labels (0-45); the last `test_split` of the shuffled data is the test set.
    Arguments as in `imdb.load_data`; lamina extras: `origin`, `file_hash`.
    """
    check_test_split(test_split)
    local = get_file(path, origin=origin or ORIGIN, file_hash=file_hash or FILE_HASH,
                     dataset="Reuters")
    f = load_npz(local)
    indices = np.arange(len(f["x"]))
    np.random.RandomState(seed).shuffle(indices)
    [(xs, labels)] = encode_sequences([(f["x"][indices], f["y"][indices])], num_words,
                                      skip_top, maxlen, start_char, oov_char, index_from,
                                      "Reuters")
    cut = int(len(xs) * (1 - test_split))
    return (xs[:cut], np.array(labels[:cut])), (xs[cut:], np.array(labels[cut:]))


def get_word_index(path: str = "reuters_word_index.json", *, origin: str | None = None,
                   file_hash: str | None = None) -> dict[str, int]:
    """The dict word -> index (add `index_from` to match the sequences of `load_data`)."""
    return load_word_index(path, origin or WORD_INDEX_ORIGIN, file_hash or WORD_INDEX_HASH,
                           "Reuters word index")


def get_label_names() -> tuple[str, ...]:
    """The 46 topic names, in label order."""
    return LABEL_NAMES
