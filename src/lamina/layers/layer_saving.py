"""The hooks Keras 3's savers call on every layer, with Keras's defaults; layers override them
to save state in their own way (the Keras guide "Customizing Saving and Serialization"):

- `get_build_config()` / `build_from_config(config)`: what `.keras` files record as a layer's
  `build_config`, and how loading creates the layer's variables from it (before weights load).
- `save_own_variables(store)` / `load_own_variables(store)`: the layer's own state in the
  weights file; `store` is a dict of arrays keyed `"0"`, `"1"`, ... by default.
"""

from __future__ import annotations

import warnings
from typing import Any, MutableMapping

import numpy as np

from lamina import config as _config
from lamina import errors


def json_to_shape(shape: Any) -> Any:
    """JSON lists back to shape tuples (a list of shapes stays a list of tuples)."""
    if isinstance(shape, dict):
        return {k: json_to_shape(v) for k, v in shape.items()}
    if isinstance(shape, (list, tuple)):
        if all(d is None or isinstance(d, int) for d in shape):
            return tuple(shape)
        return [json_to_shape(s) for s in shape]
    return shape


def _zeros_for(shape: Any) -> Any:
    """Zeros of `shape` (unknown axes as 1), or a list/dict of them for several inputs."""
    if isinstance(shape, dict):
        return {k: _zeros_for(v) for k, v in shape.items()}
    if isinstance(shape, list):
        return [_zeros_for(s) for s in shape]
    return np.zeros(tuple(1 if d is None else d for d in shape), _config.floatx())


class LayerSavingMixin:
    """`get_build_config`, `build_from_config`, `save_own_variables`, `load_own_variables`."""

    def get_build_config(self) -> dict | None:
        """`{"input_shape": shape}` of a built layer (None before it is built)."""
        shape = self.__dict__.get("_build_shape")
        if not self.built or shape is None:
            return None
        return {"input_shape": shape}

    def build_from_config(self, config: dict) -> None:
        """Create the layer's variables from a `get_build_config()` dict. A layer (or
        subclassed model) with no `build()` of its own is run once on zeros of that shape,
        so the sublayers its `call` uses get built, as Keras's build-by-tracing does."""
        if not config:
            return
        if "input_shape" in config:
            shape = json_to_shape(config["input_shape"])
            if self._builds_by_running():
                self._build_by_running(shape)
            else:
                self._maybe_build(shape)
        elif "shapes_dict" in config:
            self.build(**{k: json_to_shape(v) for k, v in config["shapes_dict"].items()})

    def _builds_by_running(self) -> bool:
        from lamina.layers.base import Layer

        return type(self).build is Layer.build and any(
            not layer.built for layer in self._tracked_layers)

    def _build_by_running(self, shape: Any) -> None:
        try:
            self(_zeros_for(shape))
        except Exception as exc:  # noqa: BLE001 - reported, then loading says what is missing
            warnings.warn(
                f"Layer '{self.name}' ({type(self).__name__}) had a build config, but it cannot "
                f"be built automatically in `build_from_config(config)` ({exc}). Implement "
                "`build(input_shape)` creating all its state, or `build_from_config(config)` "
                "(and `get_build_config()`), so that loading can create its variables.",
                stacklevel=3)
            return
        self._build_shape = shape

    def _saved_variables(self) -> list:
        """The layer's own variables (not its sublayers'), trainable first, as Keras."""
        own = [v for v in self._own_variables if v.trainable]
        return own + [v for v in self._own_variables if not v.trainable]

    def save_own_variables(self, store: MutableMapping[str, Any]) -> None:
        """Write this layer's own variables into `store` as `"0"`, `"1"`, ..."""
        for i, variable in enumerate(self._saved_variables()):
            store[str(i)] = variable.numpy()

    def load_own_variables(self, store: MutableMapping[str, Any]) -> None:
        """Assign this layer's own variables from `store` (as written by
        `save_own_variables`), after checking their number and shapes."""
        self.check_own_variables(store)
        for i, variable in enumerate(self._saved_variables()):
            variable.assign(store[str(i)])

    def check_own_variables(self, store: MutableMapping[str, Any]) -> None:
        """Raise a ValueError when `store` does not hold this layer's variables."""
        variables = self._saved_variables()
        if len(store.keys()) != len(variables):
            raise errors.ConfigError(self._count_problem(len(variables), len(store.keys())))
        for i, variable in enumerate(variables):
            stored = tuple(np.shape(store[str(i)])) if str(i) in store else None
            if stored != tuple(variable.shape):
                raise errors.ShapeError(
                    f"Layer '{self.name}' ({type(self).__name__}): variable "
                    f"'{variable.path}' has shape {tuple(variable.shape)} but the file holds "
                    f"{'no entry ' + repr(str(i)) if stored is None else 'shape ' + str(stored)}."
                    " Build the model as it was when saved.")

    def _count_problem(self, expected: int, received: int) -> str:
        if expected == 0 and not self.built:
            return (f"Layer '{self.name}' ({type(self).__name__}) was never built and thus it "
                    f"doesn't have any variables. However the weights file lists {received} "
                    "variables for this layer. Make its parent's build() build it, or implement "
                    "build_from_config(config) (and get_build_config()) on the layer so that "
                    "loading can create its variables.")
        names = [v.name for v in self._saved_variables()]
        return (f"Layer '{self.name}' ({type(self).__name__}) expected {expected} variables, "
                f"but received {received} variables during loading.\nExpected: {names}. The "
                "file was saved from a different architecture; build the same model.")
