"""Data sets, mirroring `keras.datasets`; downloads are verified and cached like Keras's."""

from lamina.datasets import (boston_housing, california_housing, cifar10, cifar100,
                             fashion_mnist, imdb, mnist, reuters)
from lamina.datasets.download import DownloadError, HashMismatchError

__all__ = ["DownloadError", "HashMismatchError", "boston_housing", "california_housing",
           "cifar10", "cifar100", "fashion_mnist", "imdb", "mnist", "reuters"]
