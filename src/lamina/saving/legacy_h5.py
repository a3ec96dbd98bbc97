"""Legacy HDF5 files: whole models (`model.save('m.h5')`) and weights, as Keras's legacy writer
lays them out (`model_config`, `training_config`, `keras_version`, `backend` attributes;
`model_weights/<layer>/<layer>/<weight>:0` with `layer_names` / `weight_names` attributes;
`optimizer_weights`). Reads what Keras 3 and tf.keras 2.x wrote."""

from __future__ import annotations

import json
import os
import warnings
from typing import Any, Mapping

import h5py
import numpy as np

from lamina import errors
from lamina.saving import compile_state, legacy_h5_keras2, sniff
from lamina.saving.atomic import atomic_write
from lamina.saving.serialization import deserialize_keras_object, serialize_keras_object
from lamina.saving.untrusted import building_from, read_dataset
from lamina.variables import current_values

FORMAT_VERSION = "3.15.1"  # the Keras release whose legacy layout this writes


def _legacy_weights(layer) -> list:
    """The layer's weights as Keras's legacy files list them: no stateful RNN states."""
    states = {id(v) for sub in _self_and_sublayers(layer)
              for v in (getattr(sub, "states", None) or []) if hasattr(v, "assign")}
    return [v for v in (*layer.trainable_weights, *layer.non_trainable_weights)
            if id(v) not in states]


def _self_and_sublayers(layer) -> list:
    flatten = getattr(layer, "_flatten_layers", None)
    return [layer, *(flatten() if flatten else [])]


def _weight_name(layer, var) -> str:
    """Keras 2's `layer/.../name:0`: the variable's path from its layer on (a model's scope,
    `sequential/`, left out)."""
    parts = var.path.split("/")
    start = parts.index(layer.name) if layer.name in parts[:-1] else None
    path = "/".join(parts[start:]) if start is not None else f"{layer.name}/{var.path}"
    return f"{path}:0"


def _strip_entry(entry: dict) -> dict:
    return {"class_name": entry["class_name"], "config": entry["config"]}


def legacy_model_config(model) -> dict:
    """`model_config`: Keras's `{class_name, config}` without module / build_config."""
    return _strip_entry(serialize_keras_object(model))


def _write_group_weights(group: h5py.Group, names: list[str], values: list) -> None:
    group.attrs["weight_names"] = np.array([n.encode("utf8") for n in names], dtype=object) \
        if names else np.array([], dtype=np.float64)
    for name, value in zip(names, values):
        group.create_dataset(name, data=np.asarray(value))


def write_model_weights(group: h5py.Group, model) -> None:
    """`layer_names`, `backend`, `keras_version` and one group per layer, into `group`."""
    layers = list(model.layers)
    group.attrs["layer_names"] = np.array([l.name.encode("utf8") for l in layers], dtype=object)
    group.attrs["backend"] = b"jax"
    group.attrs["keras_version"] = FORMAT_VERSION.encode("utf8")
    for layer in sorted(layers, key=lambda l: l.name):
        weights = _legacy_weights(layer)
        _write_group_weights(group.create_group(layer.name),
                             [_weight_name(layer, v) for v in weights],
                             [v.numpy() for v in weights])
    _write_group_weights(group.create_group("top_level_model_weights"), [], [])


def save(model, filepath: str, include_optimizer: bool = True) -> None:
    """Write `model` as a legacy `.h5` file, atomically."""
    training = compile_state.compile_config(model) if include_optimizer else None
    with atomic_write(filepath) as tmp, h5py.File(tmp, "w") as f:
        f.attrs["keras_version"] = FORMAT_VERSION
        f.attrs["backend"] = "jax"
        f.attrs["model_config"] = json.dumps(legacy_model_config(model)).encode("utf8")
        if training is not None:
            optimizer = training.pop("optimizer")
            training["optimizer_config"] = _strip_entry(optimizer)
            f.attrs["training_config"] = json.dumps(training).encode("utf8")
        write_model_weights(f.create_group("model_weights"), model)
        values = compile_state.optimizer_values(model) if training is not None else None
        if values:
            prefix = model.optimizer.name
            names = [f"{prefix}/iteration", f"{prefix}/learning_rate"][:min(2, len(values))]
            names += [f"{prefix}/slot_{i}" for i in range(len(values) - len(names))]
            _write_group_weights(f.create_group("optimizer_weights"), names, values)


def _attr_strings(group: h5py.Group, name: str) -> list[str]:
    """A string-list attribute, also when Keras split it into `name0`, `name1`, ..."""
    if name in group.attrs:
        chunks = [group.attrs[name]]
    else:
        chunks, i = [], 0
        while f"{name}{i}" in group.attrs:
            chunks.append(group.attrs[f"{name}{i}"])
            i += 1
    return [x.decode("utf8") if isinstance(x, bytes) else str(x)
            for chunk in chunks for x in np.atleast_1d(chunk)]


def _json_attr(f: h5py.File, name: str, path: str) -> Any:
    raw = f.attrs.get(name)
    if raw is None:
        return None
    if not isinstance(raw, (bytes, str)):
        raise sniff.bad_file(path, f"its {name!r} attribute is {type(raw).__name__}, not JSON "
                             "text.", "Use an intact copy of the file.")
    try:
        return json.loads(raw)
    except ValueError as exc:  # bad UTF-8 or JSON, or an integer of over 4300 digits
        raise sniff.bad_file(path, f"its {name!r} attribute is not valid JSON ({exc}).") from None
    except RecursionError:
        raise sniff.bad_file(path, f"its {name!r} attribute is nested too deeply to be a "
                             "Keras config.", "Use an intact copy of the file.") from None


def group_values(group: h5py.Group, path: str | None = None) -> list[np.ndarray]:
    """The arrays of one layer group, in `weight_names` order (checked by `read_dataset`)."""
    path = path or group.file.filename
    return [read_dataset(group[name], path) for name in _attr_strings(group, "weight_names")]


def read_model_weights(group: h5py.Group, model, path: str, by_name: bool = False,
                       skip_mismatch: bool = False) -> None:
    """Assign a `model_weights`-style group: by layer order, or by layer name; all shapes are
    checked before anything is assigned."""
    saved = {n: group_values(group[n], path) for n in _attr_strings(group, "layer_names")
             if n in group}
    layers = [l for l in model.layers if _legacy_weights(l)]
    if by_name:
        pairs = [(l, saved[l.name]) for l in layers if l.name in saved]
    else:
        names = [n for n, values in saved.items() if values]
        if len(names) != len(layers):
            raise errors.ConfigError(
                f"{path}: the file holds weights for {len(names)} layers ({names}) but the "
                f"model has {len(layers)} layers with weights. Build the same architecture, or "
                "load with by_name=True to match layers by name.")
        pairs = [(l, saved[n]) for l, n in zip(layers, names)]
    pending = []
    for layer, values in pairs:
        variables = _legacy_weights(layer)
        shapes = [tuple(v.shape) for v in values]
        if shapes != [tuple(v.shape) for v in variables]:
            text = (f"{path}: layer '{layer.name}' ({type(layer).__name__}) expects weights of "
                    f"shapes {[v.shape for v in variables]} but the file holds {shapes}.")
            if skip_mismatch:
                warnings.warn(f"Skipping layer: {text}", stacklevel=3)
                continue
            raise errors.ShapeError(f"{text} Pass skip_mismatch=True to skip such layers.")
        pending.extend(zip(variables, values))
    for var, value in pending:
        var.assign(value)


def load(path: str, custom_objects: Mapping[str, Any] | None = None, compile: bool = True,
         safe_mode: bool = True):
    """The model stored in a legacy `.h5` file (Keras 3 or tf.keras 2.x)."""
    path = os.fspath(path)
    with sniff.open_h5(path) as f:
        config = _json_attr(f, "model_config", path)
        if not isinstance(config, dict) or "class_name" not in config:
            raise sniff.bad_file(path, "it holds no model ('model_config' is missing).",
                                 "If it is a weights file, use model.load_weights().")
        with building_from(path, "its 'model_config'"):
            model = deserialize_keras_object(legacy_h5_keras2.model_config(config),
                                             custom_objects, safe_mode)
        if "model_weights" not in f:
            raise sniff.bad_file(path, "it has a model_config but no 'model_weights' group.")
        read_model_weights(f["model_weights"], model, path)
        if compile:
            _compile(f, model, path, custom_objects)
    return model


def _compile(f: h5py.File, model, path: str, custom_objects) -> None:
    """Compile `model` as the file's `training_config` says and restore the optimizer."""
    training = _json_attr(f, "training_config", path)
    with building_from(path, "its 'training_config'"):
        training = legacy_h5_keras2.training_config(training)
        if training:
            compile_state.compile_from_config(model, training, custom_objects)
    if training and "optimizer_weights" in f:
        group = f["optimizer_weights"]
        values = group_values(group, path)
        with building_from(path, "its 'optimizer_weights'"):
            values = legacy_h5_keras2.optimizer_values(
                model.optimizer, _attr_strings(group, "weight_names"), values,
                current_values(model.trainable_weights))
            compile_state.restore_optimizer_values(model, values, path)


def load_weights(model, path: str, by_name: bool = False, skip_mismatch: bool = False) -> None:
    """Load a legacy HDF5 weights (or whole-model) file into `model`."""
    with sniff.open_h5(path) as f:
        group = f["model_weights"] if "model_weights" in f else f
        read_model_weights(group, model, path, by_name=by_name, skip_mismatch=skip_mismatch)


def save_weights(model, path: str) -> None:
    """Write a legacy HDF5 weights file (`save_weights('w.h5')` in Keras 2), atomically."""
    with atomic_write(path) as tmp, h5py.File(tmp, "w") as f:
        write_model_weights(f, model)
