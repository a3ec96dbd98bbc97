"""Utilities, mirroring `keras.utils`."""

from lamina.datasets.download import get_file
from lamina.random import set_random_seed
from lamina.utils.dataset import split_dataset
from lamina.utils.directory import (DirectoryDataset, image_dataset_from_directory,
                                    text_dataset_from_directory)
from lamina.utils.numerical import normalize, to_categorical
from lamina.utils.plotting import model_to_dot, plot_history, plot_model
from lamina.utils.py_dataset import PyDataset
from lamina.utils.sequence import pad_sequences

__all__ = ["DirectoryDataset", "PyDataset", "get_file", "image_dataset_from_directory",
           "model_to_dot", "normalize", "pad_sequences", "plot_history", "plot_model",
           "set_random_seed", "split_dataset", "text_dataset_from_directory", "to_categorical"]
