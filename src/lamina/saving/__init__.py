"""Saving and loading in Keras's formats (`.keras`, legacy `.h5`, `.weights.h5`); every write
is atomic and every read checks the file's content first.

The names below are imported on first use (PEP 562): h5py costs ~13 MiB of memory and 20 ms,
and code that only needs `lamina.saving.atomic` (downloads, CSV logs, plots, which
`keras.utils.set_random_seed` reaches through `lamina.utils`) should not pay for it.
"""

import importlib

_SOURCES = {
    "load_model": "api", "load_weights": "api", "save_model": "api", "save_weights": "api",
    "CustomObjectScope": "registry", "custom_object_scope": "registry",
    "get_custom_objects": "registry", "get_registered_name": "registry",
    "get_registered_object": "registry", "register_keras_serializable": "registry",
    "deserialize_keras_object": "serialization", "serialize_keras_object": "serialization",
    "MissingFileError": "sniff", "SavedFileError": "sniff",
}

__all__ = sorted(_SOURCES)


def __getattr__(name: str):
    if name in _SOURCES:
        value = getattr(importlib.import_module(f"lamina.saving.{_SOURCES[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'lamina.saving' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_SOURCES})
