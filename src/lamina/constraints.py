"""Weight constraints with Keras 3's names, arguments and configs.

A constraint maps a weight array to its projection (applied after each optimizer update).
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from lamina import config as _config
from lamina._catalog import Catalog, Configurable

Axis = int | tuple[int, ...] | list[int]
_catalog = Catalog("constraint", "keras.constraints")


def _norms(w: jax.Array, axis: Axis) -> jax.Array:
    """L2 norms of `w` along `axis`, keeping dims for broadcasting."""
    axis = tuple(axis) if isinstance(axis, list) else axis
    return jnp.sqrt(jnp.sum(jnp.square(w), axis=axis, keepdims=True))


def _rescale(w: jax.Array, norms: jax.Array, desired: jax.Array) -> jax.Array:
    """`w` scaled so that its norms become `desired` (epsilon-safe, as Keras)."""
    return w * (desired / (_config.epsilon() + norms))


class Constraint(Configurable):
    """Base class: `__call__(w)` returns the constrained weight (here `w` itself)."""

    def __call__(self, w: Any) -> Any:
        return w


@_catalog.register()
class MaxNorm(Constraint):
    """Rescale slices along `axis` whose L2 norm exceeds `max_value`."""

    def __init__(self, max_value: float = 2, axis: Axis = 0):
        self.max_value = max_value
        self.axis = axis

    def __call__(self, w: Any) -> jax.Array:
        w = jnp.asarray(w)
        norms = _norms(w, self.axis)
        return _rescale(w, norms, jnp.clip(norms, 0, self.max_value))

    def get_config(self) -> dict:
        return {"max_value": self.max_value, "axis": self.axis}


@_catalog.register()
class NonNeg(Constraint):
    """Clip negative entries to 0."""

    def __call__(self, w: Any) -> jax.Array:
        return jnp.maximum(jnp.asarray(w), 0)


@_catalog.register()
class UnitNorm(Constraint):
    """Rescale slices along `axis` to unit L2 norm."""

    def __init__(self, axis: Axis = 0):
        self.axis = axis

    def __call__(self, w: Any) -> jax.Array:
        w = jnp.asarray(w)
        return w / (_config.epsilon() + _norms(w, self.axis))

    def get_config(self) -> dict:
        return {"axis": self.axis}


@_catalog.register()
class MinMaxNorm(Constraint):
    """Move slice norms into `[min_value, max_value]` by fraction `rate` per call."""

    def __init__(self, min_value: float = 0.0, max_value: float = 1.0, rate: float = 1.0,
                 axis: Axis = 0):
        self.min_value = min_value
        self.max_value = max_value
        self.rate = rate
        self.axis = axis

    def __call__(self, w: Any) -> jax.Array:
        w = jnp.asarray(w)
        norms = _norms(w, self.axis)
        clipped = jnp.clip(norms, self.min_value, self.max_value)
        return _rescale(w, norms, self.rate * clipped + (1 - self.rate) * norms)

    def get_config(self) -> dict:
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate,
                "axis": self.axis}


max_norm = MaxNorm
non_neg = NonNeg
unit_norm = UnitNorm
min_max_norm = MinMaxNorm


serialize = _catalog.serialize  # constraint -> Keras config dict
deserialize = _catalog.deserialize  # name or config dict -> new constraint
get = _catalog.get  # None, name, dict, class, instance or callable
