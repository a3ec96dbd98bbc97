"""CIFAR-10, as `keras.datasets.cifar10`: 50000/10000 images 32x32x3 uint8, labels (n, 1)."""

from __future__ import annotations

import os

import numpy as np

from lamina.datasets import cifar

ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
FILE_HASH = "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"
DIRNAME = "cifar-10-batches-py-target"


def load_data(*, origin: str | None = None, file_hash: str | None = None):
    """Returns `(x_train, y_train), (x_test, y_test)` (labels 0-9, uint8, shape (n, 1)).

    The archive's hash is verified before any batch is unpickled. lamina extras: `origin` and
    `file_hash` point the download at a mirror.
    """
    root = os.path.join(cifar.fetch(DIRNAME, origin or ORIGIN, file_hash or FILE_HASH,
                                    "CIFAR-10"), "cifar-10-batches-py")
    parts = [cifar.load_batch(os.path.join(root, f"data_batch_{i}")) for i in range(1, 6)]
    x_train = np.concatenate([x for x, _ in parts])
    y_train = np.concatenate([np.asarray(y, dtype="uint8") for _, y in parts])
    x_test, y_test = cifar.load_batch(os.path.join(root, "test_batch"))
    return cifar.finish(x_train, y_train, x_test, y_test, "uint8")
