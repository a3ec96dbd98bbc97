"""Flatten, Reshape, Permute and RepeatVector (UpSampling, ZeroPadding and Cropping live in
reshaping_spatial.py)."""

from __future__ import annotations

import math

import jax.numpy as jnp

from lamina import config, errors
from lamina.layers.base import Layer
from lamina.layers.input_spec import InputSpec, shape_str

__all__ = ["Flatten", "Permute", "RepeatVector", "Reshape"]


class Flatten(Layer):
    """Flattens every axis but the batch axis."""

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = config.standardize_data_format(data_format or "channels_last")

    def call(self, inputs):
        if self.data_format == "channels_first" and inputs.ndim > 2:
            inputs = jnp.moveaxis(inputs, 1, -1)
        return jnp.reshape(inputs, (inputs.shape[0], -1))

    def compute_output_shape(self, input_shape) -> tuple:
        rest = input_shape[1:]
        return (input_shape[0], None if None in rest else math.prod(rest))

    def get_config(self) -> dict:
        return {**super().get_config(), "data_format": self.data_format}


class Reshape(Layer):
    """Reshapes each sample to `target_shape` (one axis may be -1)."""

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        self.target_shape = tuple(target_shape)
        if sum(1 for d in self.target_shape if d == -1) > 1:
            raise errors.ConfigError(f"Reshape: at most one axis of target_shape may be -1. "
                                     f"Received: target_shape={self.target_shape}")

    def build(self, input_shape) -> None:
        self._resolved_shape(input_shape)

    def _resolved_shape(self, input_shape) -> tuple:
        rest = input_shape[1:]
        if None in rest:
            return self.target_shape
        size, known = math.prod(rest), math.prod(d for d in self.target_shape if d != -1)
        if (-1 in self.target_shape and size % known) or (
                -1 not in self.target_shape and size != known):
            raise errors.ShapeError(errors.message(
                f"cannot reshape samples of {size} values to {shape_str(self.target_shape)}.",
                where=f"Layer '{self.name}' (Reshape)", got=f"input_shape={shape_str(input_shape)}",
                fix="Choose a target_shape with the same number of values, or use -1 for one axis."))
        return tuple(size // known if d == -1 else d for d in self.target_shape)

    def call(self, inputs):
        return jnp.reshape(inputs, (inputs.shape[0], *self._resolved_shape(inputs.shape)))

    def compute_output_shape(self, input_shape) -> tuple:
        resolved = self._resolved_shape(input_shape)
        return (input_shape[0], *(None if d == -1 else d for d in resolved))

    def get_config(self) -> dict:
        return {**super().get_config(), "target_shape": self.target_shape}


class Permute(Layer):
    """Permutes the non-batch axes of each sample; `dims` counts from 1 (Keras's convention)."""

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        self.dims = tuple(dims)
        if sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            raise errors.ConfigError(errors.message(
                "needs dims to be a permutation of 1..rank (axis 0 is the batch).",
                where=errors.layer_label(self), got=f"dims={self.dims}",
                fix="For (batch, a, b) inputs, swap a and b with Permute((2, 1))."))

    def call(self, inputs):
        return jnp.transpose(inputs, (0, *self.dims))

    def compute_output_shape(self, input_shape) -> tuple:
        return (input_shape[0], *(input_shape[d] for d in self.dims))

    def get_config(self) -> dict:
        return {**super().get_config(), "dims": self.dims}


class RepeatVector(Layer):
    """Repeats each (features,) sample `n` times: (batch, features) -> (batch, n, features)."""

    def __init__(self, n: int, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(n, int) or isinstance(n, bool) or n <= 0:
            raise errors.ConfigError(errors.message(
                "needs a positive integer n.", where=errors.layer_label(self), got=f"n={n!r}"))
        self.n = n
        self.input_spec = InputSpec(ndim=2)

    def call(self, inputs):
        return jnp.repeat(inputs[:, None, :], self.n, axis=1)

    def compute_output_shape(self, input_shape) -> tuple:
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self) -> dict:
        return {**super().get_config(), "n": self.n}
