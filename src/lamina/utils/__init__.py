"""Utilities, mirroring `keras.utils`."""

import importlib

from lamina.backend import clear_session, is_keras_tensor, standardize_dtype
from lamina.config import (disable_interactive_logging, enable_interactive_logging,
                           is_interactive_logging_enabled)
from lamina.datasets.download import get_file
from lamina.random import set_random_seed
from lamina.training.progbar import Progbar
from lamina.utils.audio_dataset import audio_dataset_from_directory
from lamina.utils.config_dict import Config
from lamina.utils.dataset import split_dataset
from lamina.utils.directory import (DirectoryDataset, image_dataset_from_directory,
                                    text_dataset_from_directory)
from lamina.utils.feature_space import FeatureSpace
from lamina.utils.image import array_to_img, img_to_array, load_img, save_img
from lamina.utils.keras_tensors import get_source_inputs
from lamina.utils.numerical import normalize, to_categorical
from lamina.utils.packing import pack_x_y_sample_weight, unpack_x_y_sample_weight
from lamina.utils.plotting import model_to_dot, plot_history, plot_model
from lamina.utils.py_dataset import PyDataset, Sequence
from lamina.utils.sequence import pad_sequences
from lamina.utils.timeseries import timeseries_dataset_from_array

#: Serialization names live in lamina.saving; they are looked up on first use, so that
#: `lamina.utils` does not load the saving code.
_FROM_SAVING = ("CustomObjectScope", "custom_object_scope", "deserialize_keras_object",
                "get_custom_objects", "get_registered_name", "get_registered_object",
                "register_keras_serializable", "serialize_keras_object")

__all__ = ["CustomObjectScope", "Config", "DirectoryDataset", "Progbar", "PyDataset", "Sequence",
           "array_to_img", "audio_dataset_from_directory", "bounding_boxes", "clear_session",
           "FeatureSpace", "custom_object_scope", "deserialize_keras_object",
           "disable_interactive_logging", "enable_interactive_logging", "get_custom_objects",
           "get_file", "get_registered_name", "get_registered_object", "get_source_inputs",
           "image_dataset_from_directory", "img_to_array", "is_interactive_logging_enabled",
           "is_keras_tensor", "load_img", "model_to_dot", "normalize", "pack_x_y_sample_weight",
           "pad_sequences", "plot_history", "plot_model", "register_keras_serializable",
           "save_img", "serialize_keras_object", "set_random_seed", "split_dataset",
           "standardize_dtype", "text_dataset_from_directory", "timeseries_dataset_from_array",
           "to_categorical", "unpack_x_y_sample_weight"]


def __getattr__(name: str):
    if name in _FROM_SAVING:
        return getattr(importlib.import_module("lamina.saving"), name)
    if name == "bounding_boxes":  # a subpackage, loaded on first use
        return importlib.import_module("lamina.utils.bounding_boxes")
    raise AttributeError(f"module 'lamina.utils' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_FROM_SAVING, "bounding_boxes"})
