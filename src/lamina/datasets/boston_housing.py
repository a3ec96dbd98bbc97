"""Boston housing prices, as `keras.datasets.boston_housing` (506 samples, 13 features)."""

from __future__ import annotations

from lamina.datasets._common import KERAS_ORIGIN, check_test_split, shuffle_split
from lamina.datasets.download import get_file
from lamina.datasets.formats import load_npz

ORIGIN = KERAS_ORIGIN + "boston_housing.npz"
FILE_HASH = "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5"


def load_data(path: str = "boston_housing.npz", test_split: float = 0.2, seed: int = 113, *,
              origin: str | None = None, file_hash: str | None = None):
    """Returns `(x_train, y_train), (x_test, y_test)`: float64 (n, 13) and prices (n,) in k$.

    The data set has an ethical problem (see Keras's docs); prefer `california_housing`.
    lamina extras: `origin` and `file_hash` point the download at a mirror.
    """
    check_test_split(test_split)
    f = load_npz(get_file(path, origin=origin or ORIGIN, file_hash=file_hash or FILE_HASH,
                          dataset="Boston housing"))
    return shuffle_split(f["x"], f["y"], test_split, seed)
