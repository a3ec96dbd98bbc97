"""Max and average pooling (1D/2D/3D) from one `_Pool(rank, op)` base, plus global pooling.

Non-overlapping windows (strides == pool_size, no padding needed) are computed as a reshape
followed by max/mean: on XLA:CPU this is far faster than `lax.reduce_window`, forward and
backward. Overlapping max pooling on CPU takes the maximum of shifted windows
(layers/pooling_shifted.py). Other cases use `lax.reduce_window` with Keras's semantics
(average pooling with 'same' padding divides by the number of real, unpadded values in each
window).
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp

from lamina import errors
from lamina.layers import conv_im2col as im2col
from lamina.layers import conv_utils as cu
from lamina.layers import pooling_shifted as shifted
from lamina.layers.base import Layer
from lamina.layers.input_spec import InputSpec, shape_str
from lamina.layers.pooling_global import *  # noqa: F401,F403
from lamina.layers.pooling_global import __all__ as _global_all

__all__ = ["MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D",
           "AveragePooling2D", "AveragePooling3D", "MaxPool1D", "MaxPool2D", "MaxPool3D",
           "AvgPool1D", "AvgPool2D", "AvgPool3D", *_global_all]


class _Pool(Layer):
    """Sliding-window max or mean over the `rank` spatial axes."""

    rank: int = 0
    op: str = "max"

    def __init__(self, pool_size=2, strides=None, padding: str = "valid",
                 data_format: str | None = None, name: str | None = None, **kwargs):
        super().__init__(name=name, **kwargs)
        label = errors.layer_label(self)
        self.pool_size = cu.normalize_tuple(pool_size, self.rank, "pool_size", label)
        strides = pool_size if strides is None else strides
        self.strides = cu.normalize_tuple(strides, self.rank, "strides", label)
        self.padding = cu.normalize_padding(padding, label)
        self.data_format = cu.normalize_data_format(data_format, label)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def build(self, input_shape) -> None:
        cu.check_spatial_input(self, input_shape, self.rank, self.data_format)
        self._spatial_out(input_shape)

    def _spatial_out(self, input_shape) -> tuple:
        axes = cu.spatial_axes(self.rank, self.data_format)
        out = tuple(cu.output_length(input_shape[a], p, self.padding, s)
                    for a, p, s in zip(axes, self.pool_size, self.strides))
        if any(o is not None and o <= 0 for o in out):
            raise errors.ShapeError(errors.message(
                "has a pool_size larger than its input with padding='valid'.",
                where=errors.layer_label(self), got=f"input shape {shape_str(input_shape)}, "
                f"pool_size={self.pool_size}", fix="Use padding='same' or a smaller pool_size."))
        return out

    def compute_output_shape(self, input_shape) -> tuple:
        cu.check_spatial_input(self, input_shape, self.rank, self.data_format)
        spatial = self._spatial_out(input_shape)
        if self.data_format == "channels_last":
            return (input_shape[0], *spatial, input_shape[-1])
        return (input_shape[0], input_shape[1], *spatial)

    def call(self, inputs):
        axes = cu.spatial_axes(self.rank, self.data_format)
        lengths = [inputs.shape[a] for a in axes]
        tiles = self.strides == self.pool_size and (self.padding == "valid" or all(
            n % p == 0 for n, p in zip(lengths, self.pool_size)))
        if tiles:
            return _tiled_pool(inputs, axes, self.pool_size, self.op)
        return _window_pool(inputs, axes, self.pool_size, self.strides, self.padding, self.op)

    def get_config(self) -> dict:
        return {**super().get_config(), "pool_size": self.pool_size, "padding": self.padding,
                "strides": self.strides, "data_format": self.data_format}


def _tiled_pool(x, axes: tuple, pool: tuple, op: str):
    """Pool non-overlapping windows: crop to whole tiles, split each axis in two, reduce."""
    crop = tuple(slice(0, (x.shape[a] // p) * p) if a in axes else slice(None)
                 for a, p in zip(range(x.ndim), _per_axis(pool, axes, x.ndim)))
    x = x[crop]
    shape, reduce = [], []
    for axis, size in enumerate(x.shape):
        if axis in axes:
            p = pool[axes.index(axis)]
            shape += [size // p, p]
            reduce.append(len(shape) - 1)
        else:
            shape.append(size)
    x = jnp.reshape(x, shape)
    return jnp.max(x, axis=tuple(reduce)) if op == "max" else jnp.mean(x, axis=tuple(reduce))


def _window_pool(x, axes: tuple, pool: tuple, strides: tuple, padding: str, op: str):
    """General (overlapping or padded) pooling with `lax.reduce_window`."""
    window = _per_axis(pool, axes, x.ndim)
    steps = _per_axis(strides, axes, x.ndim)
    pad = padding.upper()
    if op == "max" and shifted.usable(axes, x.ndim):
        pads = im2col.explicit_padding(padding, [x.shape[a] for a in axes], pool, strides,
                                       (1,) * len(axes))
        return shifted.window_max(x, tuple(pool), tuple(strides), tuple(pads))
    if op == "max":
        return jax.lax.reduce_window(x, -jnp.inf, jax.lax.max, window, steps, pad)
    sums = jax.lax.reduce_window(x, 0.0, jax.lax.add, window, steps, pad)
    if padding == "valid":
        return sums / math.prod(pool)
    ones = jnp.ones([x.shape[a] if a in axes else 1 for a in range(x.ndim)], x.dtype)
    return sums / jax.lax.reduce_window(ones, 0.0, jax.lax.add, window, steps, pad)


def _per_axis(values: tuple, axes: tuple, ndim: int) -> tuple:
    return tuple(values[axes.index(a)] if a in axes else 1 for a in range(ndim))


class MaxPooling1D(_Pool):
    """Max over windows of `pool_size` steps."""

    rank, op = 1, "max"


class MaxPooling2D(_Pool):
    """Max over `pool_size` windows of an image (default 2x2, strides = pool_size)."""

    rank, op = 2, "max"


class MaxPooling3D(_Pool):
    rank, op = 3, "max"


class AveragePooling1D(_Pool):
    """Mean over windows of `pool_size` steps."""

    rank, op = 1, "average"


class AveragePooling2D(_Pool):
    rank, op = 2, "average"


class AveragePooling3D(_Pool):
    rank, op = 3, "average"


MaxPool1D, MaxPool2D, MaxPool3D = MaxPooling1D, MaxPooling2D, MaxPooling3D
AvgPool1D, AvgPool2D, AvgPool3D = AveragePooling1D, AveragePooling2D, AveragePooling3D
