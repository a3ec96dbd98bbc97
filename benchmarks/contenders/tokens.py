"""An IMDB-shaped synthetic text task, numpy only, so every contender's venv builds the same data.

Sequences of 200 token ids from a 20000-word vocabulary, label 0 or 1 (25000 training and 5000
test reviews, as IMDB). Each review carries 8 cue words of its class and 4 of the other class at
random positions among uniform filler words, so a model has to look at the content to beat
chance but a small transformer learns it within an epoch.
"""

from __future__ import annotations

import numpy as np

VOCAB = 20000
SEQ_LEN = 200
CUES = {0: np.arange(100, 150), 1: np.arange(150, 200)}  # each class's cue words
OWN_CUES, OTHER_CUES = 8, 4
SIZES = {"train": 25000, "test": 5000}
SEEDS = {"train": 20, "test": 21}  # fixed: the data never depends on the run's --seed


def make(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """`n` reviews (int32 (n, 200)) and their labels (int64 (n,))."""
    rng = np.random.default_rng(seed)
    x = rng.integers(200, VOCAB, size=(n, SEQ_LEN), dtype=np.int32)
    y = rng.integers(0, 2, size=n)
    cue_count = OWN_CUES + OTHER_CUES
    positions = np.argsort(rng.random((n, SEQ_LEN)), axis=1)[:, :cue_count]
    own = np.where(y[:, None] == 1, rng.choice(CUES[1], (n, OWN_CUES)),
                   rng.choice(CUES[0], (n, OWN_CUES)))
    other = np.where(y[:, None] == 1, rng.choice(CUES[0], (n, OTHER_CUES)),
                     rng.choice(CUES[1], (n, OTHER_CUES)))
    np.put_along_axis(x, positions, np.concatenate([own, other], axis=1).astype(np.int32), 1)
    return x, y.astype(np.int64)


def load_data() -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """`(x_train, y_train), (x_test, y_test)`, like `keras.datasets.imdb` after padding."""
    return make(SIZES["train"], SEEDS["train"]), make(SIZES["test"], SEEDS["test"])
