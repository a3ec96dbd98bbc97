"""Utilities, mirroring `keras.utils`."""

from lamina.datasets.download import get_file
from lamina.random import set_random_seed
from lamina.utils.numerical import normalize, to_categorical
from lamina.utils.py_dataset import PyDataset

__all__ = ["PyDataset", "get_file", "normalize", "set_random_seed", "to_categorical"]
