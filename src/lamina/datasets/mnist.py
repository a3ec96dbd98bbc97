"""MNIST digits, as `keras.datasets.mnist` (60k train, 10k test, 28x28 uint8)."""

from __future__ import annotations

import numpy as np

from lamina.datasets.download import get_file

ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"


def load_data(path: str = "mnist.npz"):
    """Returns `(x_train, y_train), (x_test, y_test)` as uint8 arrays."""
    local = get_file(path, origin=ORIGIN, file_hash=SHA256)
    with np.load(local, allow_pickle=False) as f:
        return (f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])
