"""UpSampling, ZeroPadding and Cropping in 1D, 2D and 3D: one base per family, acting on the
spatial axes of channels-last or channels-first inputs."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from lamina import errors
from lamina.layers import conv_utils as cu
from lamina.layers.base import Layer
from lamina.layers.input_spec import InputSpec

__all__ = ["Cropping1D", "Cropping2D", "Cropping3D", "UpSampling1D", "UpSampling2D",
           "UpSampling3D", "ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D"]


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

    def get_config(self) -> dict:
        return {**super().get_config(), "size": self.size, "data_format": self.data_format}


class UpSampling1D(_UpSampling):
    """Repeats each time step `size` times: (batch, steps, features) -> (batch, steps*size, ...)."""

    rank = 1

    def __init__(self, size: int = 2, **kwargs):
        super().__init__(size, data_format="channels_last", **kwargs)

    def get_config(self) -> dict:
        config = {**super().get_config(), "size": self.size[0]}
        del config["data_format"]
        return config


class UpSampling2D(_UpSampling):
    """Scales images up by `size` (rows, cols), 'nearest' (repeat) or 'bilinear' etc."""

    rank = 2

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(size, data_format=data_format, interpolation=interpolation, **kwargs)

    def get_config(self) -> dict:
        return {**super().get_config(), "interpolation": self.interpolation}


class UpSampling3D(_UpSampling):
    """Scales volumes up by repeating each voxel `size` = (dim1, dim2, dim3) times."""

    rank = 3

    def __init__(self, size=(2, 2, 2), data_format=None, **kwargs):
        super().__init__(size, data_format=data_format, **kwargs)


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


class ZeroPadding3D(_Edges):
    """Pads the three spatial axes with zeros: int, 3 ints or 3 (before, after) pairs."""

    rank = 3

    def __init__(self, padding=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
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


class Cropping3D(_Edges):
    """Removes voxels at the edges of the three spatial axes: int, 3 ints or 3 pairs."""

    rank, sign, argument = 3, -1, "cropping"

    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(cropping, data_format=data_format, **kwargs)
