"""CIFAR-100, as `keras.datasets.cifar100`: 50000/10000 images 32x32x3 uint8, labels (n, 1)."""

from __future__ import annotations

import os

from lamina import errors
from lamina.datasets import cifar

ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
FILE_HASH = "85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7"
DIRNAME = "cifar-100-python-target"


def load_data(label_mode: str = "fine", *, origin: str | None = None,
              file_hash: str | None = None):
    """Returns `(x_train, y_train), (x_test, y_test)`; labels are the 100 fine classes or the
    20 coarse superclasses (`label_mode="coarse"`). lamina extras: `origin`, `file_hash`."""
    if label_mode not in ("fine", "coarse"):
        raise errors.ConfigError('`label_mode` must be one of "fine", "coarse". Received: '
                                 f"label_mode={label_mode}.")
    root = os.path.join(cifar.fetch(DIRNAME, origin or ORIGIN, file_hash or FILE_HASH,
                                    "CIFAR-100"), "cifar-100-python")
    key = f"{label_mode}_labels"
    x_train, y_train = cifar.load_batch(os.path.join(root, "train"), label_key=key)
    x_test, y_test = cifar.load_batch(os.path.join(root, "test"), label_key=key)
    return cifar.finish(x_train, y_train, x_test, y_test, "int64")
