"""GlobalMax/GlobalAveragePooling1D/2D/3D: max or mean over every spatial axis."""

from __future__ import annotations

import jax.numpy as jnp

from lamina import errors
from lamina.layers import conv_utils as cu
from lamina.layers.base import Layer
from lamina.layers.input_spec import InputSpec

__all__ = ["GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D",
           "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D",
           "GlobalMaxPool1D", "GlobalMaxPool2D", "GlobalMaxPool3D", "GlobalAvgPool1D",
           "GlobalAvgPool2D", "GlobalAvgPool3D"]


class _GlobalPool(Layer):
    """Reduces the `rank` spatial axes with max or mean (kept as size 1 when keepdims)."""

    rank: int = 0
    op: str = "max"

    def __init__(self, data_format: str | None = None, keepdims: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.data_format = cu.normalize_data_format(data_format, errors.layer_label(self))
        self.keepdims = keepdims
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def build(self, input_shape) -> None:
        cu.check_spatial_input(self, input_shape, self.rank, self.data_format)

    def call(self, inputs):
        axes = cu.spatial_axes(self.rank, self.data_format)
        reduce = jnp.max if self.op == "max" else jnp.mean
        return reduce(inputs, axis=axes, keepdims=self.keepdims)

    def compute_output_shape(self, input_shape) -> tuple:
        cu.check_spatial_input(self, input_shape, self.rank, self.data_format)
        channels = input_shape[cu.channel_axis(self.data_format)]
        if not self.keepdims:
            return (input_shape[0], channels)
        ones = (1,) * self.rank
        if self.data_format == "channels_last":
            return (input_shape[0], *ones, channels)
        return (input_shape[0], channels, *ones)

    def get_config(self) -> dict:
        return {**super().get_config(), "data_format": self.data_format,
                "keepdims": self.keepdims}


class GlobalMaxPooling1D(_GlobalPool):
    rank, op = 1, "max"


class GlobalMaxPooling2D(_GlobalPool):
    rank, op = 2, "max"


class GlobalMaxPooling3D(_GlobalPool):
    rank, op = 3, "max"


class GlobalAveragePooling1D(_GlobalPool):
    """Mean over steps; with a mask (e.g. Embedding(mask_zero=True)) only unmasked steps count."""

    rank, op = 1, "average"
    supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            return super().call(inputs)
        axis = 1 if self.data_format == "channels_last" else 2
        weights = jnp.expand_dims(mask.astype(inputs.dtype), 2 if axis == 1 else 1)
        total = jnp.sum(jnp.where(weights > 0, inputs, 0), axis=axis, keepdims=self.keepdims)
        return total / jnp.sum(weights, axis=axis, keepdims=self.keepdims)

    def compute_mask(self, inputs, previous_mask=None):
        return None


class GlobalAveragePooling2D(_GlobalPool):
    rank, op = 2, "average"


class GlobalAveragePooling3D(_GlobalPool):
    rank, op = 3, "average"


GlobalMaxPool1D, GlobalMaxPool2D, GlobalMaxPool3D = (GlobalMaxPooling1D, GlobalMaxPooling2D,
                                                     GlobalMaxPooling3D)
GlobalAvgPool1D, GlobalAvgPool2D, GlobalAvgPool3D = (GlobalAveragePooling1D,
                                                     GlobalAveragePooling2D,
                                                     GlobalAveragePooling3D)
