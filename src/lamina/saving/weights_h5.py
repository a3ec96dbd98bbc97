"""Weights in Keras 3's HDF5 layout (`.weights.h5`, and `model.weights.h5` inside `.keras`).

Every object gets the group `<path>/vars` (attribute `name`) holding its own variables as
datasets `0, 1, ...`. Paths follow Keras's walk: a Sequential's or functional model's layers
come first under `layers/<key>`, where `<key>` is the snake-cased class name made unique within
that container (dense, dense_1, ...); then each public attribute holding a layer (`cell`) or a
container of layers, in sorted order; a layer reached twice is written once. The optimizer's
state is `optimizer/vars/<i>` in the order of Keras's `optimizer.variables`.
"""

from __future__ import annotations

import contextlib
import os
import warnings
from collections import defaultdict
from typing import Callable, Iterator

import h5py
import numpy as np

from lamina import errors
from lamina.layers.base import Layer, to_snake_case
from lamina.layers.layer_saving import LayerSavingMixin
from lamina.saving import compile_state
from lamina.saving.atomic import atomic_write
from lamina.saving.untrusted import building_from, read_dataset

Visit = Callable[[str, Layer], None]


def _check_suffix(path) -> str:
    path = os.fspath(path)
    if not path.endswith(".weights.h5"):
        raise errors.ConfigError(f"The filename must end in `.weights.h5`. Received: "
                                 f"filepath={path}")
    return path


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
    if not _is_container_model(layer):  # tracked sublayers in private attributes (Keras's
        for name in sorted(k for k in vars(layer) if k.startswith("_")):  # `_query_dense`)
            value = vars(layer)[name]
            if isinstance(value, Layer) and id(value) in tracked:
                yield name, value
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
    """Write each layer's `save_own_variables` store (and the optimizer's state) into `f`."""
    def visit(path: str, layer: Layer) -> None:
        group = f.create_group(_vars_group(f, path))
        group.attrs["name"] = layer.name
        store: dict = {}
        layer.save_own_variables(store)
        for key, value in store.items():
            group.create_dataset(str(key), data=_to_numpy(value))

    walk(model, visit)
    values = compile_state.optimizer_values(model) if include_optimizer and hasattr(
        model, "_compile_config") else None
    if values is not None:
        group = f.create_group("optimizer/vars")
        group.attrs["name"] = model.optimizer.name
        for i, value in enumerate(values):
            group.create_dataset(str(i), data=value)
        inner = getattr(model.optimizer, "inner_optimizer", None)
        if inner is not None:  # Keras also stores a LossScaleOptimizer's inner one on its own
            group = f.create_group("optimizer/inner_optimizer/vars")
            group.attrs["name"] = inner.name
            for i, value in enumerate(values[4:]):
                group.create_dataset(str(i), data=value)


def _to_numpy(value) -> np.ndarray:
    return value.numpy() if hasattr(value, "numpy") else np.asarray(value)


def _read_store(group: h5py.Group | None, source: str, numeric: bool) -> dict[str, np.ndarray]:
    """A layer's `vars` group as the dict `load_own_variables` reads ("0", "1", ... in
    numeric order first, then any other keys); only custom loaders may get non-numbers."""
    if group is None:
        return {}
    if not isinstance(group, h5py.Group):
        raise errors.ConfigError(f"{source}: '{group.name}' should be a group of variables but "
                                 f"is a {type(group).__name__}. Use an intact copy of the file.")
    keys = sorted(group, key=lambda k: (not k.isdigit(), int(k) if k.isdigit() else 0, k))
    return {key: read_dataset(group[key], source, numeric) for key in keys}


def _overrides_loading(layer: Layer) -> bool:
    return type(layer).load_own_variables is not LayerSavingMixin.load_own_variables


def read_weights(f: h5py.File, model: Layer, source: str, skip_mismatch: bool = False,
                 include_optimizer: bool = True) -> None:
    """Read a Keras 3 layout into `model` through each layer's `load_own_variables`. Stores
    for the default loader are all checked before anything is assigned, and a failing custom
    loader puts every value back, so a bad file leaves the model as it was."""
    loads = []

    def visit(path: str, layer: Layer) -> None:
        custom = _overrides_loading(layer)
        store = _read_store(f.get(_vars_group(f, path)), source, numeric=not custom)
        if not custom:
            try:
                layer.check_own_variables(store)
            except errors.LaminaError as exc:
                text = f"{source} at '{_vars_group(f, path)}': {exc}"
                if not skip_mismatch:
                    raise type(exc)(f"{text} Or pass skip_mismatch=True to skip such "
                                    "layers.") from None
                _warn_skipped(layer, text)
                return
        loads.append((layer, store))

    walk(model, visit)
    optimizer_values = _saved_optimizer_values(f, model, source) if include_optimizer else None
    with _restored_on_error(model):
        for layer, store in loads:
            try:
                layer.load_own_variables(store)
            except Exception as exc:  # noqa: BLE001 - a custom loader may raise anything
                if not skip_mismatch:
                    raise
                _warn_skipped(layer, f"{source}: {exc}")
        if optimizer_values is not None:
            with building_from(source, "its optimizer state"):
                compile_state.restore_optimizer_values(model, optimizer_values, source)


def _saved_optimizer_values(f: h5py.File, model: Layer, source: str) -> list | None:
    """The file's optimizer state (read before any weight is assigned), when the model has
    an optimizer to put it in."""
    group = f.get("optimizer/vars")
    if group is None or not getattr(model, "optimizer", None):
        return None
    return list(_read_store(group, source, numeric=True).values())


def _warn_skipped(layer: Layer, text: str) -> None:
    warnings.warn(f"Skipping loading weights for layer '{layer.name}': {text}", stacklevel=4)


@contextlib.contextmanager
def _restored_on_error(model: Layer) -> Iterator[None]:
    """Put every variable of `model` back to its value if the block raises."""
    saved = [(var, var.value) for var in model.weights]
    try:
        yield
    except BaseException:
        for var, value in saved:
            var.assign(value)
        raise


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
