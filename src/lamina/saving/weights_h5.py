"""Weights files in Keras 3's `.weights.h5` layout: `layers/<key>/vars/<i>`, where `<key>` is the
snake-cased class name made unique within its container (dense, dense_1, ...)."""

from __future__ import annotations

import os
from collections import defaultdict

import h5py
import numpy as np

from lamina import errors
from lamina.layers.base import to_snake_case
from lamina.saving.atomic import atomic_write


def _check_suffix(path) -> str:
    path = os.fspath(path)
    if not path.endswith(".weights.h5"):
        raise errors.ConfigError(f"The filename must end in `.weights.h5`. Received: "
                                 f"filepath={path}")
    return path


def _own_variables(layer) -> list:
    own = [v for v in layer._own_variables if v.trainable]
    return own + [v for v in layer._own_variables if not v.trainable]


def _walk(layer, group_path: str, visit) -> None:
    """Call visit(group_path, layer) for `layer` and, recursively, its tracked sublayers."""
    visit(group_path, layer)
    counts: dict[str, int] = defaultdict(int)
    for child in layer._tracked_layers:
        base = to_snake_case(type(child).__name__)
        key = base if counts[base] == 0 else f"{base}_{counts[base]}"
        counts[base] += 1
        _walk(child, f"{group_path}layers/{key}/", visit)


def save_weights(model, filepath) -> None:
    """Write every variable of `model` atomically to `filepath` (must end in .weights.h5)."""
    filepath = _check_suffix(filepath)

    with atomic_write(filepath) as tmp:
        with h5py.File(tmp, "w") as f:
            def visit(prefix, layer):
                group = f.require_group(prefix + "vars")
                group.attrs["name"] = layer.name
                for i, var in enumerate(_own_variables(layer)):
                    group.create_dataset(str(i), data=np.asarray(var.value))

            _walk(model, "", visit)


def load_weights(model, filepath) -> None:
    """Read a Keras 3 `.weights.h5` file into `model`; checks every shape before assigning."""
    filepath = _check_suffix(filepath)
    if not os.path.exists(filepath):
        raise FileNotFoundError(f"No weights file at {filepath}.")
    try:
        handle = h5py.File(filepath, "r")
    except OSError as exc:
        raise errors.ConfigError(f"{filepath} is not a readable HDF5 weights file ({exc}).") \
            from None
    pending = []
    with handle as f:
        def visit(prefix, layer):
            variables = _own_variables(layer)
            group = f.get(prefix + "vars")
            stored = [] if group is None else [group[str(i)] for i in range(len(group))]
            if len(stored) != len(variables):
                raise errors.ConfigError(
                    f"{filepath}: layer '{layer.name}' has {len(variables)} variables but the "
                    f"file holds {len(stored)} at '{prefix}vars'. Was it saved from the same "
                    "architecture?")
            for var, data in zip(variables, stored):
                if tuple(data.shape) != var.shape:
                    raise errors.ShapeError(
                        f"{filepath}: variable '{var.path}' has shape {var.shape} but the file "
                        f"holds shape {tuple(data.shape)}.")
                pending.append((var, np.asarray(data)))

        _walk(model, "", visit)
    for var, value in pending:
        var.assign(value)
