"""Fashion-MNIST, as `keras.datasets.fashion_mnist`; uses Debian's system copy when present."""

from __future__ import annotations

from pathlib import Path

from lamina.datasets._common import KERAS_ORIGIN
from lamina.datasets.download import get_file
from lamina.datasets.formats import read_idx

ORIGIN = KERAS_ORIGIN
SYSTEM_DIR = Path("/usr/share/datasets/fashion-mnist")  # Debian's dataset-fashion-mnist
FILES = ["train-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz",
         "t10k-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz"]


def _local_paths(origin: str | None, file_hash: dict[str, str] | None) -> list[str]:
    if origin is None and all((SYSTEM_DIR / name).is_file() for name in FILES):
        return [str(SYSTEM_DIR / name) for name in FILES]
    base = origin or ORIGIN
    hashes = file_hash or {}  # Keras publishes no hashes; the IDX headers are checked instead
    return [get_file(name, origin=base + name, file_hash=hashes.get(name),
                     cache_subdir="datasets/fashion-mnist", dataset="Fashion-MNIST")
            for name in FILES]


def load_data(*, origin: str | None = None, file_hash: dict[str, str] | None = None):
    """Returns `(x_train, y_train), (x_test, y_test)`: uint8 images (n, 28, 28), uint8 labels.

    Reads Debian's copy in /usr/share/datasets/fashion-mnist when it is installed, else the
    Keras cache, else downloads. lamina extras: `origin` (a folder URL ending in '/') and
    `file_hash` (file name -> hash) fetch from a mirror instead of the system copy.
    """
    y_train, x_train, y_test, x_test = (read_idx(p) for p in _local_paths(origin, file_hash))
    return (x_train, y_train), (x_test, y_test)
