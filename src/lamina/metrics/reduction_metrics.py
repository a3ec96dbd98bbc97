"""`Sum` and `Mean`: metrics that accumulate (weighted) values."""

from __future__ import annotations

from typing import Any, Callable

import jax.numpy as jnp

from lamina.losses.arrays import Array, divide_no_nan, squeeze_or_expand_to_same_rank
from lamina.metrics.base import Metric, State


def _samplewise(values: Any, sample_weight: Any, reduce_fn: Callable,
                dtype: str) -> tuple[Array, Array | None]:
    """Weighted per-sample values (and per-sample weights), reduced like Keras."""
    values = jnp.asarray(values, dtype)
    if sample_weight is not None:
        sample_weight = jnp.asarray(sample_weight, dtype)
        values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
        w_ndim = sample_weight.ndim
        if values.ndim > w_ndim:
            values = reduce_fn(values, axis=tuple(range(w_ndim, values.ndim)))
        sample_weight = jnp.broadcast_to(sample_weight, values.shape)
        # A zero weight (e.g. a padding row) drops the sample even if its value is not finite.
        values = jnp.where(sample_weight == 0, 0, values * sample_weight)
        if w_ndim > 1:
            sample_weight = reduce_fn(sample_weight, axis=tuple(range(1, w_ndim)))
    if values.ndim > 1:
        values = reduce_fn(values, axis=tuple(range(1, values.ndim)))
    return values, sample_weight


class Sum(Metric):
    """The (weighted) sum of the values."""

    def __init__(self, name: str = "sum", dtype: Any = None):
        super().__init__(name, dtype)

    def init(self) -> State:
        return {"total": jnp.zeros((), self.dtype)}

    def update(self, state: State, values: Any, sample_weight: Any = None) -> State:
        values, _ = _samplewise(values, sample_weight, jnp.sum, self.dtype)
        return {"total": state["total"] + jnp.sum(values)}

    def result_from(self, state: State) -> Array:
        return state["total"]


class Mean(Metric):
    """The (weighted) mean of the values: sum(v * w) / sum(w)."""

    def __init__(self, name: str = "mean", dtype: Any = None):
        super().__init__(name, dtype)

    def init(self) -> State:
        return {"total": jnp.zeros((), self.dtype), "count": jnp.zeros((), self.dtype)}

    def update(self, state: State, values: Any, sample_weight: Any = None) -> State:
        return self._accumulate(state, values, sample_weight)

    def _accumulate(self, state: State, values: Any, sample_weight: Any) -> State:
        values, sample_weight = _samplewise(values, sample_weight, jnp.mean, self.dtype)
        if sample_weight is not None:
            count = jnp.sum(sample_weight)
        else:
            count = values.shape[0] if values.ndim >= 1 else 1
        return {"total": state["total"] + jnp.sum(values),
                "count": state["count"] + jnp.asarray(count, self.dtype)}

    def result_from(self, state: State) -> Array:
        return divide_no_nan(state["total"], state["count"])
