"""California housing prices, as `keras.datasets.california_housing` (20640 or 600 samples)."""

from __future__ import annotations

from lamina import errors
from lamina.datasets._common import KERAS_ORIGIN, check_test_split, shuffle_split
from lamina.datasets.download import get_file
from lamina.datasets.formats import load_npz

ORIGIN = KERAS_ORIGIN + "california_housing.npz"
FILE_HASH = "1a2e3a52e0398de6463aebe6f4a8da34fb21fbb6b934cf88c3425e766f2a1a6f"


def load_data(version: str = "large", path: str = "california_housing.npz",
              test_split: float = 0.2, seed: int = 113, *, origin: str | None = None,
              file_hash: str | None = None):
    """Returns `(x_train, y_train), (x_test, y_test)`: (n, 8) features and prices (n,) in $.

    `version="small"` keeps the first 600 samples. lamina extras: `origin`, `file_hash`.
    """
    check_test_split(test_split)
    if version not in ("small", "large"):
        raise errors.ConfigError("Argument `version` must be one of 'small', 'large'. "
                                 f"Received: version={version}")
    f = load_npz(get_file(path, origin=origin or ORIGIN, file_hash=file_hash or FILE_HASH,
                          dataset="California housing"))
    x, y = (f["x"][:600], f["y"][:600]) if version == "small" else (f["x"], f["y"])
    return shuffle_split(x, y, test_split, seed)
