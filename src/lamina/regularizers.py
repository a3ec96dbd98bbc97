"""Weight regularizers with Keras 3's names, arguments and configs.

A regularizer maps a weight array to a scalar penalty that is added to the loss.
"""

from __future__ import annotations

import math
from typing import Any

import jax
import jax.numpy as jnp

from lamina import config as _config
from lamina._catalog import Catalog, Configurable

_catalog = Catalog("regularizer", "keras.regularizers")


def _non_negative(value: Any, name: str) -> float:
    """`value` as a float, or ValueError when it is not a finite number >= 0."""
    if (isinstance(value, bool) or not isinstance(value, (int, float))
            or not math.isfinite(value) or value < 0):
        raise ValueError(
            f"Invalid value for argument {name}: expected a non-negative float. "
            f"Received: {name}={value!r}"
        )
    return float(value)


def _penalty(x: Any, l1: float = 0.0, l2: float = 0.0) -> jax.Array:
    """`l1 * sum(|x|) + l2 * sum(x**2)` in the dtype of `x`."""
    x = jnp.asarray(x)
    total = jnp.zeros((), x.dtype)
    if l1:
        total = total + jnp.asarray(l1, x.dtype) * jnp.sum(jnp.abs(x))
    if l2:
        total = total + jnp.asarray(l2, x.dtype) * jnp.sum(jnp.square(x))
    return total


class Regularizer(Configurable):
    """Base class: `__call__(x)` returns a scalar penalty (0 here)."""

    def __call__(self, x: Any) -> jax.Array | float:
        return 0.0

    def get_config(self) -> dict:
        raise NotImplementedError(f"{type(self).__name__} does not implement get_config()")


@_catalog.register("l1_l2")
class L1L2(Regularizer):
    """`l1 * sum(|x|) + l2 * sum(x**2)` (both factors default to 0)."""

    def __init__(self, l1: float = 0.0, l2: float = 0.0):
        self.l1 = _non_negative(0.0 if l1 is None else l1, "l1")
        self.l2 = _non_negative(0.0 if l2 is None else l2, "l2")

    def __call__(self, x: Any) -> jax.Array:
        return _penalty(x, l1=self.l1, l2=self.l2)

    def get_config(self) -> dict:
        return {"l1": self.l1, "l2": self.l2}


@_catalog.register()
class L1(Regularizer):
    """`l1 * sum(|x|)` (default 0.01)."""

    def __init__(self, l1: float = 0.01):
        self.l1 = _non_negative(0.01 if l1 is None else l1, "l1")

    def __call__(self, x: Any) -> jax.Array:
        return _penalty(x, l1=self.l1)

    def get_config(self) -> dict:
        return {"l1": self.l1}


@_catalog.register()
class L2(Regularizer):
    """`l2 * sum(x**2)` (default 0.01)."""

    def __init__(self, l2: float = 0.01):
        self.l2 = _non_negative(0.01 if l2 is None else l2, "l2")

    def __call__(self, x: Any) -> jax.Array:
        return _penalty(x, l2=self.l2)

    def get_config(self) -> dict:
        return {"l2": self.l2}


def _unit_norm(x: jax.Array, axis: int) -> jax.Array:
    """`x` scaled to unit L2 norm along `axis` (as Keras's `normalize`, epsilon-safe)."""
    inv_norm = jax.lax.rsqrt(jnp.sum(jnp.square(x), axis=axis, keepdims=True))
    return x * jnp.minimum(inv_norm, 1.0 / _config.epsilon())


@_catalog.register()
class OrthogonalRegularizer(Regularizer):
    """`factor` times the mean |cosine| between distinct rows (or columns) of a 2-D weight."""

    def __init__(self, factor: float = 0.01, mode: str = "rows"):
        self.factor = _non_negative(factor, "factor")
        if mode not in ("rows", "columns"):
            raise ValueError(
                "Invalid value for argument `mode`. Expected one of {'rows', 'columns'}. "
                f"Received: mode={mode!r}"
            )
        self.mode = mode

    def __call__(self, x: Any) -> jax.Array:
        x = jnp.asarray(x)
        if x.ndim != 2:
            raise ValueError(
                f"Inputs to OrthogonalRegularizer must have rank 2. Received: shape={x.shape}"
            )
        vectors = _unit_norm(x, 1) if self.mode == "rows" else _unit_norm(x, 0).T
        size = vectors.shape[0]
        cosines = vectors @ vectors.T * (1.0 - jnp.eye(size, dtype=x.dtype))
        num_pairs = size * (size - 1.0) / 2.0
        return self.factor * 0.5 * jnp.sum(jnp.abs(cosines)) / num_pairs

    def get_config(self) -> dict:
        return {"factor": self.factor, "mode": self.mode}


l1 = L1
l2 = L2
l1_l2 = L1L2
orthogonal_regularizer = OrthogonalRegularizer


serialize = _catalog.serialize  # regularizer -> Keras config dict
deserialize = _catalog.deserialize  # name or config dict -> new regularizer
get = _catalog.get  # None, name, dict, class, instance or callable
