"""Weights in Keras 3's HDF5 layout (`.weights.h5`, and `model.weights.h5` inside `.keras`).

Every object gets the group `<path>/vars` (attribute `name`) holding its own variables as
datasets `0, 1, ...`. Paths follow Keras's walk: a Sequential's or functional model's layers
come first under `layers/<key>`, where `<key>` is the snake-cased class name made unique within
that container (dense, dense_1, ...); then each public attribute holding a layer (`cell`) or a
container of layers, in sorted order; a layer reached twice is written once. The optimizer's
state is `optimizer/vars/<i>` in the order of Keras's `optimizer.variables`.
"""

from __future__ import annotations

import os
import warnings
from collections import defaultdict
from typing import Callable, Iterator

import h5py
import numpy as np

from lamina import errors
from lamina.layers.base import Layer, to_snake_case
from lamina.saving import compile_state
from lamina.saving.atomic import atomic_write

Visit = Callable[[str, Layer], None]


def _check_suffix(path) -> str:
    path = os.fspath(path)
    if not path.endswith(".weights.h5"):
        raise errors.ConfigError(f"The filename must end in `.weights.h5`. Received: "
                                 f"filepath={path}")
    return path


def own_variables(layer: Layer) -> list:
    """A layer's own variables (not its sublayers'), trainable first, as Keras stores them."""
    own = [v for v in layer._own_variables if v.trainable]
    return own + [v for v in layer._own_variables if not v.trainable]


def _is_container_model(layer: Layer) -> bool:
    return any(c.__name__ in ("Sequential", "Functional") for c in type(layer).__mro__)


def _children(layer: Layer) -> Iterator[tuple[str, object]]:
    """(attribute, layer-or-container) pairs in the order Keras's saver visits them."""
    if _is_container_model(layer):
        yield "layers", list(layer.layers)
    tracked = {id(t) for t in layer._tracked_layers}
    attrs = {k: v for k, v in vars(layer).items() if not k.startswith("_")}
    for name in sorted(attrs):
        value = attrs[name]
        if isinstance(value, Layer) and id(value) in tracked:
            yield name, value
        elif isinstance(value, (list, tuple, dict)):
            items = list(value.values()) if isinstance(value, dict) else list(value)
            if any(isinstance(v, Layer) and id(v) in tracked for v in items):
                yield name, items
    yield "layers", list(layer._tracked_layers)  # any tracked layer not reached above


def walk(layer: Layer, visit: Visit, path: str = "", visited: set | None = None) -> None:
    """Call `visit(path, layer)` for `layer` and every sublayer, each once, Keras's paths."""
    visited = set() if visited is None else visited
    if id(layer) in visited:
        return
    visited.add(id(layer))
    visit(path, layer)
    for attr, child in _children(layer):
        child_path = f"{path}/{attr}" if path else attr
        if isinstance(child, Layer):
            walk(child, visit, child_path, visited)
            continue
        counts: dict[str, int] = defaultdict(int)
        for item in child:
            if not isinstance(item, Layer) or id(item) in visited:
                continue
            base = to_snake_case(type(item).__name__)
            key = base if counts[base] == 0 else f"{base}_{counts[base]}"
            counts[base] += 1
            walk(item, visit, f"{child_path}/{key}", visited)


def _vars_group(f: h5py.Group, path: str) -> str:
    return f"{path}/vars" if path else "vars"


def write_weights(f: h5py.File, model: Layer, include_optimizer: bool = True) -> None:
    """Write the model's variables (and its optimizer's state) into the open file `f`."""
    def visit(path: str, layer: Layer) -> None:
        group = f.create_group(_vars_group(f, path))
        group.attrs["name"] = layer.name
        for i, var in enumerate(own_variables(layer)):
            group.create_dataset(str(i), data=var.numpy())

    walk(model, visit)
    values = compile_state.optimizer_values(model) if include_optimizer and hasattr(
        model, "_compile_config") else None
    if values is not None:
        group = f.create_group("optimizer/vars")
        group.attrs["name"] = model.optimizer.name
        for i, value in enumerate(values):
            group.create_dataset(str(i), data=value)


def read_weights(f: h5py.File, model: Layer, source: str, skip_mismatch: bool = False,
                 include_optimizer: bool = True) -> None:
    """Read a Keras 3 layout into `model`: every shape is checked before anything is assigned,
    so a bad file leaves the model as it was."""
    pending = []

    def visit(path: str, layer: Layer) -> None:
        variables = own_variables(layer)
        group = f.get(_vars_group(f, path))
        stored = [] if group is None else [group[str(i)] for i in range(len(group))]
        problem = None
        if len(stored) != len(variables):
            problem = errors.ConfigError(
                f"{source}: layer '{layer.name}' ({type(layer).__name__}) has "
                f"{len(variables)} variables but the file holds {len(stored)} at "
                f"'{_vars_group(f, path)}'. The file was saved from a different architecture; "
                "build the same model, or pass skip_mismatch=True to skip such layers.")
        for var, data in zip(variables, stored):
            if problem is None and tuple(data.shape) != var.shape:
                problem = errors.ShapeError(
                    f"{source}: variable '{var.path}' has shape {var.shape} but the file holds "
                    f"shape {tuple(data.shape)} at '{data.name}'. Build the model as it was "
                    "when saved, or pass skip_mismatch=True to skip such layers.")
        if problem is not None:
            if not skip_mismatch:
                raise problem
            warnings.warn(f"Skipping loading weights for layer '{layer.name}': {problem}",
                          stacklevel=4)
            return
        pending.extend((var, np.asarray(data)) for var, data in zip(variables, stored))

    walk(model, visit)
    for var, value in pending:
        var.assign(value)
    group = f.get("optimizer/vars")
    if include_optimizer and group is not None and getattr(model, "optimizer", None):
        values = [np.asarray(group[str(i)]) for i in range(len(group))]
        compile_state.restore_optimizer_values(model, values, source)


def save_weights(model, filepath) -> None:
    """Write every variable of `model` atomically to `filepath` (must end in .weights.h5)."""
    filepath = _check_suffix(filepath)
    with atomic_write(filepath) as tmp:
        with h5py.File(tmp, "w") as f:
            write_weights(f, model)


def load_weights(model, filepath, skip_mismatch: bool = False) -> None:
    """Read a Keras 3 `.weights.h5` file into `model`."""
    from lamina.saving import sniff

    filepath = os.fspath(filepath)
    with sniff.open_h5(filepath) as f:
        read_weights(f, model, filepath, skip_mismatch=skip_mismatch)
