"""The `.keras` format: Keras 3's zip of `metadata.json`, `config.json`, `model.weights.h5`
(and an optional `assets/` tree), written atomically and read defensively."""

from __future__ import annotations

import contextlib
import datetime
import io
import json
import os
import zipfile
from typing import Any, Iterator, Mapping

import h5py

from lamina.saving import assets, hdf5_heap, sniff, weights_h5
from lamina.saving.atomic import atomic_write
from lamina.saving.serialization import deserialize_keras_object, serialize_keras_object
from lamina.saving.untrusted import building_from

CONFIG, METADATA, WEIGHTS = "config.json", "metadata.json", "model.weights.h5"


def lamina_version() -> str:
    from lamina import __version__

    return str(__version__)


def model_config(model, include_optimizer: bool = True) -> dict:
    """config.json's content: the model serialized as Keras does (build_config and, once
    compiled, compile_config included)."""
    config = serialize_keras_object(model)
    if not include_optimizer:
        config.pop("compile_config", None)
    return config


def metadata() -> dict:
    """metadata.json's content; `keras_version` is the Keras format version lamina writes."""
    return {"keras_version": "3.15.1", "lamina_version": lamina_version(),
            "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S")}


def save(model, filepath: str, include_optimizer: bool = True) -> None:
    """Write `model` to `filepath` as a `.keras` zip, atomically."""
    config = model_config(model, include_optimizer)
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as f:
        weights_h5.write_weights(f, model, include_optimizer=include_optimizer)
    with atomic_write(filepath) as tmp:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED) as archive:
            archive.writestr(METADATA, json.dumps(metadata()))
            archive.writestr(CONFIG, json.dumps(config))
            archive.writestr(WEIGHTS, buffer.getvalue())
            assets.write_assets(archive, model)


def read_json(archive: zipfile.ZipFile, name: str, path: str) -> Any:
    """A JSON member of the archive, or a SavedFileError saying what is wrong."""
    if name not in archive.namelist():
        raise sniff.bad_file(path, f"the zip archive has no {name!r} (it holds "
                             f"{sorted(archive.namelist())[:8]}), so it is not a .keras model.",
                             "Only files written by model.save('....keras') can be loaded.")
    try:
        return json.loads(archive.read(name).decode("utf-8"))
    except ValueError as exc:  # bad UTF-8 or JSON, or an integer of over 4300 digits
        raise sniff.bad_file(path, f"{name!r} is not valid JSON ({exc}).") from None
    except RecursionError:
        raise sniff.bad_file(path, f"{name!r} is nested too deeply to be a Keras config.",
                             "Use an intact copy of the file.") from None


def read_config(path: str) -> tuple[dict, dict]:
    """(config, metadata) of a `.keras` file, without building anything."""
    with sniff.open_zip(path) as archive:
        config = read_json(archive, CONFIG, path)
        meta = read_json(archive, METADATA, path) if METADATA in archive.namelist() else {}
    if not isinstance(config, dict) or "class_name" not in config:
        raise sniff.bad_file(path, f"{CONFIG!r} does not describe a model (no 'class_name').")
    return config, meta


@contextlib.contextmanager
def open_weights(archive: zipfile.ZipFile, path: str) -> Iterator[h5py.File]:
    """The archive's `model.weights.h5` opened in memory; h5py's errors while it is read
    become SavedFileErrors naming the file."""
    if WEIGHTS not in archive.namelist():
        raise sniff.bad_file(path, f"the zip archive has no {WEIGHTS!r}.",
                             "The file is incomplete; use an intact copy.")
    data = archive.read(WEIGHTS)
    sniff.check_heaps(hdf5_heap.first_bad_collection(data), f"{path}/{WEIGHTS}")
    try:
        handle = h5py.File(io.BytesIO(data), "r")
    except OSError as exc:
        raise sniff.bad_file(path, f"its {WEIGHTS!r} is corrupt ({exc}).") from None
    with handle, sniff.h5_errors(path):
        yield handle


def load(path: str, custom_objects: Mapping[str, Any] | None = None, compile: bool = True,
         safe_mode: bool = True):
    """The model stored in a `.keras` file (Keras 3 or lamina), compiled if it was."""
    path = os.fspath(path)
    with sniff.open_zip(path) as archive:
        config = read_json(archive, CONFIG, path)
        if not isinstance(config, dict) or "class_name" not in config:
            raise sniff.bad_file(path, f"{CONFIG!r} does not describe a model.")
        if not compile:
            config = {k: v for k, v in config.items() if k != "compile_config"}
        with building_from(path, f"its {CONFIG!r}"):
            model = deserialize_keras_object(config, custom_objects, safe_mode)
        with open_weights(archive, path) as f:
            weights_h5.read_weights(f, model, path)
        assets.read_assets(archive, model, path)
    return model
