"""`OptimizerMap` and `MultiOptimizer`: different optimizers for different variables.

The state holds the MultiOptimizer's own `iterations` and (unused, 0.0) `learning_rate`, as
Keras's, and one inner state per sub-optimizer (`inner`); `optimizer.variables` lists the own
two, then every sub-optimizer's variables in turn, as Keras does.
"""

from __future__ import annotations

import re
from collections.abc import MutableMapping
from typing import Any, Callable, NamedTuple, Sequence

import jax
import numpy as np

from lamina.optimizers.base import Optimizer


class _VariableInfo(NamedTuple):
    """What a selector sees of a variable while the state is made from arrays."""

    path: str
    name: str
    shape: tuple
    dtype: Any


class OptimizerMap(MutableMapping):
    """Maps variable paths (exact, else `re.fullmatch` patterns) to optimizers.

    Args:
        default_optimizer: the optimizer of every variable no key matches.
        optimizer_map: optional dict of path or pattern -> optimizer.
    """

    def __init__(self, default_optimizer: Optimizer, optimizer_map: dict | None = None):
        if not isinstance(default_optimizer, Optimizer):
            raise TypeError("default_optimizer must be a Keras Optimizer instance. "
                            f"Received: {default_optimizer}")
        if optimizer_map is not None and not isinstance(optimizer_map, dict):
            raise TypeError(f"optimizer_map must be a dictionary. Received: {optimizer_map}")
        self._default_optimizer = default_optimizer
        self._optimizer_map = optimizer_map or {}

    @property
    def default_optimizer(self) -> Optimizer:
        return self._default_optimizer

    def __getitem__(self, key: str) -> Optimizer:
        if key in self._optimizer_map:
            return self._optimizer_map[key]
        matching = [p for p in self._optimizer_map if re.fullmatch(p, key)]
        if len(matching) > 1:
            raise ValueError(f"Multiple optimizers assigned to variable {key}.")
        return self._optimizer_map[matching[0]] if matching else self._default_optimizer

    def __setitem__(self, key: str, optimizer: Optimizer) -> None:
        if key in self._optimizer_map:
            raise ValueError(
                f"'{key}' already exists in the OptimizerMap with value "
                f"{self._optimizer_map[key]}. Please make sure to not use duplicated keys.")
        if not isinstance(key, str):
            raise ValueError(f"key must be a string. Received: {key}")
        if not isinstance(optimizer, Optimizer):
            raise ValueError(
                f"optimizer must be a Keras Optimizer instance. Received: {optimizer}")
        if isinstance(optimizer, MultiOptimizer):
            raise ValueError("optimizer cannot be MultiOptimizer.")
        self._optimizer_map[key] = optimizer

    def __delitem__(self, key: str) -> None:
        del self._optimizer_map[key]

    def __len__(self) -> int:
        return len(self._optimizer_map)

    def __iter__(self):
        return iter(self._optimizer_map)

    def __call__(self, variable) -> Optimizer:
        return self[variable.path]

    def get_config(self) -> dict:
        from lamina.saving.serialization import serialize_keras_object

        return {"default_optimizer": serialize_keras_object(self._default_optimizer),
                "optimizer_map": serialize_keras_object(self._optimizer_map)}

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> OptimizerMap:
        from lamina.saving.deserialization import deserialize_keras_object

        return cls(deserialize_keras_object(config["default_optimizer"], custom_objects),
                   deserialize_keras_object(config["optimizer_map"], custom_objects))


class MultiOptimizer(Optimizer):
    """Delegates each variable to the optimizer an `OptimizerMap` (or a callable taking the
    variable) chooses for it. `learning_rate` lives on the sub-optimizers (`.optimizers`)."""

    def __init__(self, optimizer_map: OptimizerMap | Callable, loss_scale_factor=None,
                 name=None):
        super().__init__(learning_rate=0.0, loss_scale_factor=loss_scale_factor, name=name)
        self._optimizer_map = optimizer_map
        self._inner_optimizers: list[Optimizer] = []
        candidates = list(optimizer_map.values()) if hasattr(optimizer_map, "values") else []
        default = getattr(optimizer_map, "default_optimizer", None)
        for opt in candidates + ([default] if default is not None else []):
            if opt not in self._inner_optimizers:
                opt.loss_scale_factor = loss_scale_factor
                self._inner_optimizers.append(opt)

    @property
    def optimizers(self) -> list[Optimizer]:
        return self._inner_optimizers

    @property
    def learning_rate(self):
        raise AttributeError(
            "Learning rate cannot be accessed on a MultiOptimizer. "
            "Access the learning rate on the individual sub-optimizers instead.")

    @learning_rate.setter
    def learning_rate(self, value) -> None:
        raise AttributeError(
            "Learning rate cannot be set on a MultiOptimizer. "
            "Set the learning rate on the individual sub-optimizers instead.")

    # ----------------------------------------------------------- which variable goes where
    def _groups(self, params: Sequence) -> list[list[int]]:
        """Per sub-optimizer, the positions of its variables (paths from the engine); chosen
        once per set of variables (a selector may create a new optimizer on each call)."""
        key = (tuple(getattr(self, "_variable_paths", None) or ()),
               tuple(tuple(p.shape) for p in params))
        if getattr(self, "_groups_for", (None,))[0] != key:
            self._groups_for = (key, self._choose(params))
        return self._groups_for[1]

    def _choose(self, params: Sequence) -> list[list[int]]:
        groups = [[] for _ in self._inner_optimizers]
        for i, p in enumerate(params):
            path = self._variable_path(i) or f"variable_{i}"
            opt = self._optimizer_map(_VariableInfo(path, path.split("/")[-1],
                                                    tuple(p.shape), p.dtype))
            if not isinstance(opt, Optimizer):
                raise ValueError(f"Optimizer for variable {path} is not an Optimizer instance.")
            if isinstance(opt, MultiOptimizer):
                raise ValueError("MultiOptimizer cannot be used inside an MultiOptimizer.")
            if opt not in self._inner_optimizers:
                opt.loss_scale_factor = self.loss_scale_factor
                self._inner_optimizers.append(opt)
                groups.append([])
            groups[self._inner_optimizers.index(opt)].append(i)
        for opt, idx in zip(self._inner_optimizers, groups):
            opt.set_variable_paths([self._variable_path(i) for i in idx])
        return groups

    # ----------------------------------------------------------- the pure core
    def init(self, params) -> dict:
        params = list(params)
        groups = self._groups(params)
        self._built = True
        return {"iterations": jax.device_put(np.int32(self._iterations)),
                "learning_rate": jax.device_put(np.float32(0.0)), "slots": None,
                "inner": [opt.init([params[i] for i in idx])
                          for opt, idx in zip(self._inner_optimizers, groups)]}

    def update(self, grads, state: dict, params) -> tuple[list, dict]:
        grads, new_params = list(grads), list(params)
        groups = self._groups(params)
        inner = list(state["inner"])
        for k, (opt, idx) in enumerate(zip(self._inner_optimizers, groups)):
            if idx:  # as Keras, an optimizer without variables is not applied
                sub, inner[k] = opt.update([grads[i] for i in idx], inner[k],
                                           [params[i] for i in idx])
                for i, value in zip(idx, sub):
                    new_params[i] = value
        return new_params, {**state, "iterations": state["iterations"] + 1, "inner": inner}

    def with_current_hyperparams(self, state: dict) -> dict:
        return {**state, "inner": [opt.with_current_hyperparams(s) for opt, s in
                                   zip(self._inner_optimizers, state["inner"])]}

    def sync_state(self, state: dict) -> None:
        self._iterations = int(jax.device_get(state["iterations"]))
        for opt, sub in zip(self._inner_optimizers, state["inner"]):
            opt.sync_state(sub)

    def finalize_variable_values(self, var_list) -> None:
        var_list = list(var_list)
        for opt, idx in zip(self._inner_optimizers, self._groups(var_list)):
            if idx:
                opt.finalize_variable_values([var_list[i] for i in idx])

    # ----------------------------------------------------------- Keras's variable list
    def keras_variables(self, state: dict) -> list:
        return [state["iterations"], state["learning_rate"]] + [
            v for opt, sub in zip(self._inner_optimizers, state["inner"])
            for v in opt.keras_variables(sub)]

    def load_keras_variables(self, state: dict, values: Sequence) -> dict:
        values, inner, start = list(values), [], 2
        for opt, sub in zip(self._inner_optimizers, state["inner"]):
            count = len(opt.keras_variables(sub))
            inner.append(opt.load_keras_variables(sub, values[start:start + count]))
            start += count
        if start != len(values):
            raise ValueError(f"Optimizer '{self.name}' has {start} variables but "
                             f"{len(values)} values were given.")
        return {**state, "iterations": jax.numpy.asarray(values[0], jax.numpy.int32),
                "learning_rate": jax.numpy.asarray(values[1], jax.numpy.float32),
                "inner": inner}

    # ----------------------------------------------------------- config
    def get_config(self) -> dict:
        from lamina.saving.serialization import serialize_keras_object

        return {"optimizer_map": serialize_keras_object(self._optimizer_map),
                "loss_scale_factor": self.loss_scale_factor, "name": self.name}

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> MultiOptimizer:
        from lamina.saving.deserialization import deserialize_keras_object

        config = dict(config)
        config["optimizer_map"] = deserialize_keras_object(config["optimizer_map"],
                                                           custom_objects)
        return cls(**config)

    def __repr__(self) -> str:
        return f"<MultiOptimizer name={self.name!r} optimizers={self._inner_optimizers!r}>"
