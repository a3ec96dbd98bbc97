"""Flatten, Reshape, Permute, RepeatVector, UpSampling, ZeroPadding and Cropping."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp

from lamina import errors
from lamina.layers import conv_utils as cu
from lamina.layers.base import Layer
from lamina.layers.input_spec import InputSpec, shape_str

__all__ = ["Cropping1D", "Cropping2D", "Flatten", "Permute", "RepeatVector", "Reshape",
           "UpSampling1D", "UpSampling2D", "ZeroPadding1D", "ZeroPadding2D"]


class Flatten(Layer):
    """Flattens every axis but the batch axis."""

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = data_format or "channels_last"

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


class _Spatial(Layer):
    """Base of the reshaping layers acting on the `rank` spatial axes of image-like inputs."""

    rank: int = 0

    def __init__(self, data_format: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = cu.normalize_data_format(data_format, errors.layer_label(self))
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def build(self, input_shape) -> None:
        cu.check_spatial_input(self, input_shape, self.rank, self.data_format)
        self.compute_output_shape(input_shape)

    def _new_length(self, index: int, length: int) -> int:
        raise NotImplementedError

    def compute_output_shape(self, input_shape) -> tuple:
        shape = list(input_shape)
        for i, axis in enumerate(cu.spatial_axes(self.rank, self.data_format)):
            shape[axis] = None if shape[axis] is None else self._new_length(i, shape[axis])
        return tuple(shape)


class _UpSampling(_Spatial):
    """Repeats each step / pixel `size` times along every spatial axis."""

    def __init__(self, size, data_format=None, interpolation: str = "nearest", **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.size = cu.normalize_tuple(size, self.rank, "size", errors.layer_label(self))
        self.interpolation = interpolation.lower()
        methods = ("nearest", "bilinear", "bicubic", "lanczos3", "lanczos5")
        if self.interpolation not in methods:
            raise errors.ConfigError(errors.message(
                "got an unknown interpolation.", where=errors.layer_label(self),
                expected=" or ".join(map(repr, methods)), got=f"interpolation={interpolation!r}"))

    def _new_length(self, index: int, length: int) -> int:
        return length * self.size[index]

    def call(self, inputs):
        axes = cu.spatial_axes(self.rank, self.data_format)
        if self.interpolation == "nearest":
            for axis, size in zip(axes, self.size):
                inputs = jnp.repeat(inputs, size, axis=axis)
            return inputs
        shape = self.compute_output_shape(inputs.shape)
        return jax.image.resize(inputs, shape, method=self.interpolation, antialias=False)


class UpSampling1D(_UpSampling):
    """Repeats each time step `size` times: (batch, steps, features) -> (batch, steps*size, ...)."""

    rank = 1

    def __init__(self, size: int = 2, **kwargs):
        super().__init__(size, data_format="channels_last", **kwargs)

    def get_config(self) -> dict:
        return {**super().get_config(), "size": self.size[0]}


class UpSampling2D(_UpSampling):
    """Scales images up by `size` (rows, cols), 'nearest' (repeat) or 'bilinear' etc."""

    rank = 2

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(size, data_format=data_format, interpolation=interpolation, **kwargs)

    def get_config(self) -> dict:
        return {**super().get_config(), "size": self.size, "data_format": self.data_format,
                "interpolation": self.interpolation}


def _edge_pairs(value, rank: int, name: str, label: str) -> tuple:
    """An int, a (before, after) pair for 1D, or one int/pair per axis as ((b, a), ...)."""
    if rank == 1:
        return (cu.normalize_tuple(value, 2, name, label, allow_zero=True),)
    items = (value,) * rank if isinstance(value, int) else tuple(value)
    if len(items) != rank:
        raise errors.ConfigError(errors.message(
            f"needs '{name}' as an int or {rank} ints / (before, after) pairs.", where=label,
            got=f"{name}={value!r}"))
    return tuple(cu.normalize_tuple(v, 2, name, label, allow_zero=True) for v in items)


class _Edges(_Spatial):
    """Adds (ZeroPadding) or removes (Cropping) rows at the two edges of each spatial axis."""

    sign = 1
    argument = "padding"

    def __init__(self, edges, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.edges = _edge_pairs(edges, self.rank, self.argument, errors.layer_label(self))

    def _new_length(self, index: int, length: int) -> int:
        new = length + self.sign * sum(self.edges[index])
        if new <= 0:
            raise errors.ShapeError(errors.message(
                f"would crop axis {index + 1} of length {length} to nothing.",
                where=errors.layer_label(self), got=f"{self.argument}={self._edges_config()}",
                fix="Crop less, or check the input shape."))
        return new

    def _edges_config(self):
        return self.edges[0] if self.rank == 1 else self.edges

    def call(self, inputs):
        axes = cu.spatial_axes(self.rank, self.data_format)
        if self.sign > 0:
            pads = [self.edges[axes.index(a)] if a in axes else (0, 0) for a in range(inputs.ndim)]
            return jnp.pad(inputs, pads)
        index = [slice(None)] * inputs.ndim
        for axis, (before, after) in zip(axes, self.edges):
            index[axis] = slice(before, inputs.shape[axis] - after)
        return inputs[tuple(index)]

    def get_config(self) -> dict:
        return {**super().get_config(), self.argument: self._edges_config(),
                "data_format": self.data_format}


class ZeroPadding1D(_Edges):
    """Pads the steps axis with zeros: padding=int or (left, right)."""

    rank = 1

    def __init__(self, padding=1, data_format=None, **kwargs):
        super().__init__(padding, data_format=data_format, **kwargs)


class ZeroPadding2D(_Edges):
    """Pads rows and columns with zeros: int, (rows, cols) or ((top, bottom), (left, right))."""

    rank = 2

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(padding, data_format=data_format, **kwargs)


class Cropping1D(_Edges):
    """Removes `cropping` = (start, end) steps from the steps axis."""

    rank, sign, argument = 1, -1, "cropping"

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(cropping, data_format="channels_last", **kwargs)

    def get_config(self) -> dict:
        config = super().get_config()
        del config["data_format"]
        return config


class Cropping2D(_Edges):
    """Removes rows and columns: int, (rows, cols) or ((top, bottom), (left, right))."""

    rank, sign, argument = 2, -1, "cropping"

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(cropping, data_format=data_format, **kwargs)
