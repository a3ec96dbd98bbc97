"""What a layer owns: its variables and sublayers, found by attribute assignment as in Keras,
and the `trainable` switch that freezes a layer with everything inside it."""

from __future__ import annotations

from typing import Any, Iterator

import jax
import jax.numpy as jnp

from lamina import errors
from lamina.random import SeedGenerator
from lamina.variables import Variable, tracking_changed


class LayerTrackingMixin:
    """`weights`, `trainable_weights`, `add_weight`, `trainable`, and sublayer tracking."""

    def _init_tracking(self, trainable: bool) -> None:
        object.__setattr__(self, "_tracked_layers", [])
        object.__setattr__(self, "_own_variables", [])
        object.__setattr__(self, "_created_trainable", [])  # ids the `trainable` switch flips
        object.__setattr__(self, "_trainable", bool(trainable))

    def __setattr__(self, key: str, value: Any) -> None:
        if not key.startswith("_") and "_tracked_layers" in self.__dict__:
            for layer in _found(value, LayerTrackingMixin):
                if layer is not self and not any(t is layer for t in self._tracked_layers):
                    self._tracked_layers.append(layer)
                    self._adopt(layer)
            for variable in _found(value, Variable):
                self._track_variable(variable)
            for generator in _found(value, SeedGenerator):
                tracked = self.__dict__.setdefault("_seed_generators", [])
                if not any(g is generator for g in tracked):
                    tracked.append(generator)
            for optimizer in _found(value, object):
                if hasattr(type(optimizer), "stateless_apply"):  # an Optimizer, duck-typed:
                    tracked = self.__dict__.setdefault("_tracked_optimizers", [])  # no optax
                    if not any(o is optimizer for o in tracked):
                        tracked.append(optimizer)
            for metric in _found(value, _metric_class()):
                tracked = self.__dict__.setdefault("_tracked_metrics", [])
                if not any(m is metric for m in tracked):
                    tracked.append(metric)
        object.__setattr__(self, key, value)
        tracking_changed()

    def _track_variable(self, variable: Variable) -> None:
        """Own `variable` (assigned as an attribute, or made by add_weight)."""
        if not any(v is variable for v in self._own_variables):
            self._own_variables.append(variable)
            if variable.trainable:
                self._created_trainable.append(variable)
            tracking_changed()

    def _adopt(self, layer) -> None:
        """Nest `layer`'s variable paths under this layer's, as Keras does (lstm/lstm_cell/...)."""
        if hasattr(self, "compile") or layer.__dict__.get("_parent_layer") is not None:
            return
        old = layer.path
        layer._parent_layer = self
        for var in layer.weights:
            if var.path.startswith(old + "/"):
                var.path = f"{layer.path}/{var.path[len(old) + 1:]}"

    @property
    def path(self) -> str:
        """'outer/inner' for a layer nested in another layer (models do not prefix their
        layers, as lamina's top-level paths start at the layer): variable paths build on it."""
        parent = self.__dict__.get("_parent_layer")
        return f"{parent.path}/{self.name}" if parent is not None else self.name

    # -- creating weights ----------------------------------------------------------------------
    def add_weight(self, shape=None, initializer=None, dtype=None, trainable: bool = True,
                   autocast: bool = True, regularizer=None, constraint=None,
                   aggregation: str = "none", overwrite_with_gradient: bool = False,
                   name: str | None = None, **kwargs) -> Variable:
        """Create a variable owned by this layer (Keras 3's signature; Keras 2's order
        `add_weight(name, shape, ...)` is accepted too)."""
        from lamina import constraints, initializers, regularizers
        from lamina.layers.base import standardize_dtype

        if isinstance(shape, str):  # Keras 2's order: add_weight("kernel", (3, 4), dtype)
            name, shape = shape, initializer
            initializer = kwargs.pop("initializer", None)
        kwargs.pop("synchronization", None)
        if kwargs:
            raise TypeError(f"add_weight() got unexpected keyword arguments {sorted(kwargs)}.")
        dtype = standardize_dtype(dtype or self.dtype)
        if initializer is None:
            initializer = "glorot_uniform" if jnp.issubdtype(dtype, jnp.floating) else "zeros"
        init = initializers.get(initializer)
        name = name or f"variable_{len(self._own_variables)}"
        shape = () if shape is None else tuple(shape)
        with jax.ensure_compile_time_eval():  # concrete even when built during a trace
            value = init(shape, dtype=dtype)
        var = Variable(value, name=name, trainable=trainable,
                       autocast=autocast, aggregation=aggregation, dtype=dtype,
                       path=_in_name_scope(f"{self.path}/{name}"),
                       regularizer=regularizers.get(regularizer),
                       constraint=constraints.get(constraint))
        var.overwrite_with_gradient = overwrite_with_gradient
        self._track_variable(var)
        return var

    def add_variable(self, shape, initializer, dtype=None, trainable: bool = True,
                     autocast: bool = True, regularizer=None, constraint=None,
                     name: str | None = None) -> Variable:
        """`add_weight` with Keras 3's `add_variable` argument order."""
        return self.add_weight(shape=shape, initializer=initializer, dtype=dtype,
                               trainable=trainable, autocast=autocast, regularizer=regularizer,
                               constraint=constraint, name=name)

    # -- the weight lists ----------------------------------------------------------------------
    def _flatten_layers(self) -> Iterator:
        for layer in self._tracked_layers:
            yield layer
            yield from layer._flatten_layers()

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        """Freeze or unfreeze this layer, its sublayers and the weights they created trainable
        (Keras 3); a recompile picks the change up."""
        value = bool(value)
        object.__setattr__(self, "_trainable", value)
        for variable in self._created_trainable:
            variable.trainable = value
        for layer in self._tracked_layers:
            layer.trainable = value
        tracking_changed()

    @property
    def weights(self) -> list[Variable]:
        own = [v for v in self._own_variables if v.trainable]
        own += [v for v in self._own_variables if not v.trainable]
        return _unique(own + [w for layer in self._tracked_layers for w in layer.weights])

    @property
    def variables(self) -> list[Variable]:
        return self.weights

    @property
    def trainable_weights(self) -> list[Variable]:
        if not self.trainable:
            return []
        own = [v for v in self._own_variables if v.trainable]
        nested = [w for layer in self._tracked_layers for w in layer.trainable_weights]
        return _unique(own + nested)

    @property
    def non_trainable_weights(self) -> list[Variable]:
        trainable = {id(v) for v in self.trainable_weights}
        return [v for v in self.weights if id(v) not in trainable]

    @property
    def trainable_variables(self) -> list[Variable]:
        return self.trainable_weights

    @property
    def non_trainable_variables(self) -> list[Variable]:
        """`non_trainable_weights`, then the states of the layers' SeedGenerators (as in
        Keras: what `stateless_call` threads; not saved, not counted as parameters)."""
        states = [g.state for layer in (self, *self._flatten_layers())
                  for g in layer.__dict__.get("_seed_generators", [])]
        return self.non_trainable_weights + _unique(states)

    def get_weights(self) -> list:
        import numpy as np

        return [np.array(v.numpy()) for v in self.weights]  # copies the caller may modify

    def set_weights(self, weights) -> None:
        own = self.weights
        if len(weights) != len(own):
            raise errors.ConfigError(errors.message(
                "set_weights got the wrong number of arrays.", where=errors.layer_label(self),
                expected=f"{len(own)} arrays ({', '.join(v.path for v in own)})",
                got=f"{len(weights)}"))
        for var, value in zip(own, weights):
            if tuple(jnp.shape(value)) != var.shape:
                raise errors.ShapeError(errors.message(
                    f"set_weights got a wrong shape for '{var.path}'.",
                    where=errors.layer_label(self), expected=f"shape {var.shape}",
                    got=f"shape {tuple(jnp.shape(value))}"))
        for var, value in zip(own, weights):
            var.assign(value)

    def count_params(self) -> int:
        if not self.built:
            raise ValueError(f"Layer '{self.name}' is not built yet, so it has no parameters. "
                             "Call it on data or call build(input_shape) first.")
        return int(sum(int(jnp.size(v.value)) for v in self.weights))


def _found(value, kind: type) -> list:
    """The objects of `kind` in an attribute value (itself, or in a list, tuple or dict)."""
    if isinstance(value, kind):
        return [value]
    if isinstance(value, (list, tuple)):
        return [v for v in value if isinstance(v, kind)]
    if isinstance(value, dict):
        return [v for v in value.values() if isinstance(v, kind)]
    return []


def _metric_class() -> type:
    from lamina.metrics.base import Metric  # metrics import layers' modules: import late

    return Metric


def _unique(variables: list[Variable]) -> list[Variable]:
    seen, result = set(), []
    for v in variables:
        if id(v) not in seen:
            seen.add(id(v))
            result.append(v)
    return result


def _in_name_scope(path: str) -> str:
    """`path` under the enclosing `keras.name_scope`s, as Keras prefixes variable paths."""
    from lamina.scopes import current_path

    scope = current_path()
    return f"{scope}/{path}" if scope else path
