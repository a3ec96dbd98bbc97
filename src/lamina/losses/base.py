"""`Loss` objects: sample weighting, an optional padding mask and a reduction on top of a
per-sample loss; `LossFunctionWrapper` turns any loss function into one."""

from __future__ import annotations

import contextlib
from typing import Any

import jax.numpy as jnp

from lamina import config
from lamina._catalog import function_config, snake_case
from lamina.losses.arrays import Array, squeeze_or_expand_to_same_rank
from lamina.losses.reduction import _merge_masks, reduce_weighted_values, standardize_reduction
from lamina.losses.registry import LossFn, _resolve_function


class Loss:
    """Base class: subclasses implement `call(y_true, y_pred)` returning per-sample values."""

    def __init__(self, name: str | None = None, reduction: str | None = "sum_over_batch_size",
                 dtype: Any = None):
        self.name = name or snake_case(type(self).__name__)
        self.reduction = standardize_reduction(reduction)
        self.dtype = jnp.dtype(dtype or config.floatx()).name

    def call(self, y_true: Array, y_pred: Array) -> Array:
        raise NotImplementedError

    def call_with_mask(self, y_true: Array, y_pred: Array) -> tuple[Array, Array | None]:
        """Per-sample values and a mask of the entries that count (None: all)."""
        return self.call(y_true, y_pred), None

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None,
                 mask: Any = None) -> Array:
        """Scalar loss (or per-sample values for reduction None). `mask`: (batch,) 0/1 rows
        to keep, used for padded batches."""
        y_true = jnp.asarray(y_true, self.dtype)
        y_pred = jnp.asarray(y_pred, self.dtype)
        with _real_rows(mask):  # losses mixing rows (Circle) skip padding rows too
            values, value_mask = self.call_with_mask(y_true, y_pred)
        return reduce_weighted_values(values, sample_weight, _merge_masks(value_mask, mask),
                                      self.reduction, self.dtype)

    def get_config(self) -> dict:
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config: dict) -> "Loss":
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}>"


def _real_rows(mask: Any):
    """`mask` as the current row mask (`layers.base.current_row_mask`) while a loss is
    computed; no change when None."""
    from lamina.layers.base import row_mask_scope  # deferred: losses load before layers

    return contextlib.nullcontext() if mask is None else row_mask_scope(jnp.asarray(mask))


class LossFunctionWrapper(Loss):
    """A `Loss` around a loss function `fn(y_true, y_pred, **kwargs)`."""

    def __init__(self, fn: LossFn, reduction: str | None = "sum_over_batch_size",
                 name: str | None = None, dtype: Any = None, **kwargs: Any):
        fn = _resolve_function(fn)
        super().__init__(name or snake_case(getattr(fn, "__name__", "loss")), reduction,
                         dtype)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true: Array, y_pred: Array) -> Array:
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def call_with_mask(self, y_true: Array, y_pred: Array) -> tuple[Array, Array | None]:
        """A function with a `with_mask` companion (`circle`) also gives the mask Keras
        attaches to its output as `_keras_mask`."""
        with_mask = getattr(self.fn, "with_mask", None)
        if with_mask is None:
            return super().call_with_mask(y_true, y_pred)
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return with_mask(y_true, y_pred, **self._fn_kwargs)

    def get_config(self) -> dict:
        return {**super().get_config(), "fn": function_config(self.fn, "loss"),
                **self._fn_kwargs}
