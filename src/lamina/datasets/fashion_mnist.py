"""Fashion-MNIST, as `keras.datasets.fashion_mnist`; uses Debian's system copy when present."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np

from lamina import errors
from lamina.datasets.download import get_file

BASE = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
SYSTEM_DIR = Path("/usr/share/datasets/fashion-mnist")
FILES = ["train-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz",
         "t10k-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz"]


def _read_idx(path: str, offset: int, shape) -> np.ndarray:
    with gzip.open(path, "rb") as handle:
        data = np.frombuffer(handle.read(), np.uint8, offset=offset)
    try:
        return data.reshape(shape)
    except ValueError:
        raise errors.DataError(f"{path} is truncated or not an IDX file of shape {shape}.") from None


def _local_paths() -> list[str]:
    if all((SYSTEM_DIR / name).exists() for name in FILES):
        return [str(SYSTEM_DIR / name) for name in FILES]
    return [get_file(name, origin=BASE + name, cache_subdir="fashion-mnist") for name in FILES]


def load_data():
    """Returns `(x_train, y_train), (x_test, y_test)`: uint8 images (n, 28, 28), uint8 labels."""
    train_labels, train_images, test_labels, test_images = _local_paths()
    y_train = _read_idx(train_labels, 8, (-1,))
    x_train = _read_idx(train_images, 16, (len(y_train), 28, 28))
    y_test = _read_idx(test_labels, 8, (-1,))
    x_test = _read_idx(test_images, 16, (len(y_test), 28, 28))
    return (x_train, y_train), (x_test, y_test)
