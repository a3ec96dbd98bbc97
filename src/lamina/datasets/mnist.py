"""MNIST digits, as `keras.datasets.mnist` (60k train, 10k test, 28x28 uint8)."""

from __future__ import annotations

import numpy as np

from lamina.datasets._common import KERAS_ORIGIN
from lamina.datasets.download import get_file
from lamina.datasets.formats import load_npz

ORIGIN = KERAS_ORIGIN + "mnist.npz"
FILE_HASH = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
SHA256 = FILE_HASH  # the name the first loader used


def load_data(path: str = "mnist.npz", *, origin: str | None = None,
              file_hash: str | None = None):
    """Returns `(x_train, y_train), (x_test, y_test)`: uint8 (60000, 28, 28), uint8 (60000,), ...

    `path` is the file name in the cache (`~/.keras/datasets`). lamina extras: `origin` and
    `file_hash` point the download at a mirror (the hash defaults to the published one).
    Raises `DownloadError` (an `OSError`) when the file is not cached and cannot be fetched.
    """
    local = get_file(path, origin=origin or ORIGIN, file_hash=file_hash or FILE_HASH,
                     dataset="MNIST")
    f = load_npz(local)
    return (f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])
