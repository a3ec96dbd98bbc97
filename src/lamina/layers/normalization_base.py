"""Shared pieces of the normalisation layers: axis checks and the gamma/beta base class."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from lamina import constraints, errors, initializers, regularizers
from lamina.layers.base import Layer

__all__: list[str] = []


def normalize_axes(layer: Layer, axis, ndim: int) -> list[int]:
    """`axis` (int or list) as sorted non-negative ints, or an error naming the layer."""
    axes = list(axis) if isinstance(axis, (list, tuple)) else [axis]
    for a in axes:
        if not isinstance(a, int) or not -ndim <= a < ndim:
            raise errors.ShapeError(errors.message(
                "got an axis outside its input's rank.", where=errors.layer_label(layer),
                expected=f"axis in [-{ndim}, {ndim - 1}] for {ndim}D inputs (batch included)",
                got=f"axis={axis!r}",
                fix="Use axis=-1 for channels-last data or axis=1 for channels-first."))
    return sorted(a % ndim for a in axes)


def known_sizes(layer: Layer, input_shape, axes: list[int]) -> tuple:
    """The sizes of `axes` of `input_shape`, or an error naming the layer when one is unknown."""
    sizes = tuple(input_shape[a] for a in axes)
    if None in sizes:
        raise errors.ShapeError(errors.message(
            "needs the normalised axes to have known sizes to build.",
            where=errors.layer_label(layer), got=f"input_shape={tuple(input_shape)}, "
            f"axis={layer.axis!r}", fix="Give the model an input shape with those axes set."))
    return sizes


def broadcast_shape(ndim: int, axes: list[int], sizes) -> tuple:
    shape = [1] * ndim
    for a, size in zip(axes, sizes):
        shape[a] = size
    return tuple(shape)


def compute_dtype(inputs):
    return jnp.promote_types(inputs.dtype, jnp.float32)


class AffineNormalization(Layer):
    """Shared base: the optional `gamma` (scale) and `beta` (offset) weights and their config."""

    supports_masking = True

    def __init__(self, axis=-1, epsilon: float = 1e-3, center: bool = True, scale: bool = True,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None, **kwargs):
        super().__init__(**kwargs)
        self.axis = list(axis) if isinstance(axis, (list, tuple)) else axis
        self.epsilon = float(epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.gamma = self.beta = None

    def _known_sizes(self, input_shape, axes: list[int]) -> tuple:
        return known_sizes(self, input_shape, axes)

    def _add_affine(self, shape: tuple, scale: bool, center: bool) -> None:
        if scale:
            self.gamma = self.add_weight(name="gamma", shape=shape,
                                         initializer=self.gamma_initializer,
                                         regularizer=self.gamma_regularizer,
                                         constraint=self.gamma_constraint, autocast=False)
        if center:
            self.beta = self.add_weight(name="beta", shape=shape, initializer=self.beta_initializer,
                                        regularizer=self.beta_regularizer,
                                        constraint=self.beta_constraint, autocast=False)

    def _affine_values(self) -> tuple:
        return (None if self.gamma is None else self.gamma.value,
                None if self.beta is None else self.beta.value)

    def _scale_and_shift(self, x, mean, variance, shape: tuple, affine: tuple | None = None):
        """`(x - mean) * rsqrt(variance + eps) * gamma + beta`, in Keras's order of operations;
        `affine` replaces this layer's (gamma, beta) values (None entries: no scale/offset)."""
        gamma, beta = self._affine_values() if affine is None else affine
        inv = jax.lax.rsqrt(variance + self.epsilon)
        if gamma is not None:
            inv = inv * jnp.reshape(gamma, shape).astype(x.dtype)
        res = -mean * inv
        if beta is not None:
            res = res + jnp.reshape(beta, shape).astype(x.dtype)
        return x * inv + res

    def compute_output_shape(self, input_shape) -> tuple:
        normalize_axes(self, self.axis, len(input_shape))
        return tuple(input_shape)

    def get_config(self) -> dict:
        return {**super().get_config(), "axis": self.axis, "epsilon": self.epsilon,
                "center": self.center, "scale": self.scale,
                "beta_initializer": initializers.serialize(self.beta_initializer),
                "gamma_initializer": initializers.serialize(self.gamma_initializer),
                "beta_regularizer": regularizers.serialize(self.beta_regularizer),
                "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
                "beta_constraint": constraints.serialize(self.beta_constraint),
                "gamma_constraint": constraints.serialize(self.gamma_constraint)}
