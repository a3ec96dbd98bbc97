"""Saving and loading in Keras's formats (`.keras`, legacy `.h5`, `.weights.h5`); every write
is atomic and every read checks the file's content first."""

from lamina.saving.api import load_model, load_weights, save_model, save_weights
from lamina.saving.registry import (CustomObjectScope, custom_object_scope, get_custom_objects,
                                    get_registered_name, get_registered_object,
                                    register_keras_serializable)
from lamina.saving.serialization import deserialize_keras_object, serialize_keras_object
from lamina.saving.sniff import MissingFileError, SavedFileError

__all__ = ["CustomObjectScope", "MissingFileError", "SavedFileError", "custom_object_scope",
           "deserialize_keras_object", "get_custom_objects", "get_registered_name",
           "get_registered_object", "load_model", "load_weights", "register_keras_serializable",
           "save_model", "save_weights", "serialize_keras_object"]
