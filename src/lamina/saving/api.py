"""`save_model`, `load_model`, `save_weights`, `load_weights`: choose the format, then delegate.

Writing picks the format from the extension (`.keras`, `.h5`/`.hdf5`, `.weights.h5`); reading
trusts the file's content over its name.
"""

from __future__ import annotations

import os
from typing import Any, Mapping

from lamina import errors
from lamina.saving import keras_zip, legacy_h5, sniff, weights_h5


def _check_overwrite(path: str, overwrite: bool) -> None:
    if not overwrite and os.path.exists(path):
        raise FileExistsError(f"{path} exists and overwrite=False. Pass overwrite=True to "
                              "replace it, or choose another path.")


def save_model(model, filepath, overwrite: bool = True, zipped: bool | None = None,
               include_optimizer: bool = True, save_format: str | None = None, **kwargs) -> None:
    """Save the whole model: `.keras` (Keras 3's zip) or `.h5` (legacy HDF5), atomically."""
    path = os.fspath(filepath)
    if kwargs:
        raise errors.ConfigError(f"save_model got unexpected arguments {sorted(kwargs)}. "
                                 "Known: overwrite, zipped, include_optimizer.")
    _check_overwrite(path, overwrite)
    if path.endswith(".weights.h5"):
        raise errors.ConfigError(f"{path}: a .weights.h5 file holds weights only; use "
                                 "model.save_weights(), or save the model as '.keras'.")
    if path.endswith(".keras") or save_format == "keras":
        keras_zip.save(model, path, include_optimizer=include_optimizer)
    elif path.endswith((".h5", ".hdf5")) or save_format in ("h5", "hdf5"):
        legacy_h5.save(model, path, include_optimizer=include_optimizer)
    else:
        raise errors.ConfigError(
            f"Invalid filepath extension for saving: {path!r}. Use '.keras' (recommended) or "
            "'.h5' (legacy HDF5).")


def load_model(filepath, custom_objects: Mapping[str, Any] | None = None,
               compile: bool = True, safe_mode: bool = True):
    """Load a model from a `.keras` or legacy `.h5` file written by lamina or Keras."""
    try:
        path = os.fspath(filepath)
    except TypeError:
        raise errors.ArgumentTypeError(
            f"File format not supported: filepath={filepath!r}. Pass the path of a .keras or "
            ".h5 file (a str or pathlib.Path).") from None
    if os.path.isdir(path):  # an OrbaxCheckpoint directory, as Keras 3 reads them
        from lamina.callbacks import orbax_state
        if orbax_state.is_orbax_checkpoint(path):
            return orbax_state.load_model(path, custom_objects, compile, safe_mode)
    kind = sniff.kind_of(path)
    if kind == "keras":
        return keras_zip.load(path, custom_objects, compile, safe_mode)
    if kind == "h5":
        return legacy_h5.load(path, custom_objects, compile, safe_mode)
    raise sniff.bad_file(path, "it is a weights-only file, not a whole model.",
                         "Build the model in code, then call model.load_weights(path).")


def save_weights(model, filepath, overwrite: bool = True) -> None:
    """Save weights in Keras 3's `.weights.h5` layout (the name must end in `.weights.h5`,
    as in Keras 3; `legacy_h5.save_weights` writes the Keras 2 layout)."""
    path = os.fspath(filepath)
    _check_overwrite(path, overwrite)
    weights_h5.save_weights(model, path)


def load_weights(model, filepath, skip_mismatch: bool = False, by_name: bool = False) -> None:
    """Load weights from any Keras file: `.weights.h5`, legacy `.h5`, or a whole `.keras`."""
    path = os.fspath(filepath)
    if os.path.isdir(path):  # an OrbaxCheckpoint directory, as Keras 3 reads them
        from lamina.callbacks import orbax_state
        if orbax_state.is_orbax_checkpoint(path):
            return orbax_state.load_weights(model, path)
    kind = sniff.kind_of(path)
    if by_name and kind in ("weights", "keras"):
        raise errors.ConfigError(f"{path}: by_name=True applies to legacy .h5 weights files "
                                 "only; Keras 3 files match weights by structure.")
    if kind == "weights":
        weights_h5.load_weights(model, path, skip_mismatch=skip_mismatch)
    elif kind == "keras":
        with sniff.open_zip(path) as archive, keras_zip.open_weights(archive, path) as f:
            weights_h5.read_weights(f, model, path, skip_mismatch=skip_mismatch)
    else:
        legacy_h5.load_weights(model, path, by_name=by_name, skip_mismatch=skip_mismatch)
