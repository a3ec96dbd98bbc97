"""Data sets, mirroring `keras.datasets`."""

from lamina.datasets import fashion_mnist, mnist

__all__ = ["fashion_mnist", "mnist"]
