"""Normalisation layers: LayerNormalization, GroupNormalization, RMSNormalization,
UnitNormalization, and BatchNormalization (in normalization_batch.py, re-exported here)."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from lamina import errors
from lamina.layers.base import Layer
from lamina.layers.input_spec import InputSpec
from lamina.layers.normalization_base import (AffineNormalization, broadcast_shape,
                                              compute_dtype, known_sizes, normalize_axes)
from lamina.layers.normalization_batch import BatchNormalization

__all__ = ["BatchNormalization", "GroupNormalization", "LayerNormalization",
           "RMSNormalization", "UnitNormalization"]


class LayerNormalization(AffineNormalization):
    """Normalise each sample over `axis` (int or list), then scale by gamma and shift by beta.

    `rms_scaling=True` reproduces Keras's deprecated option: divide by sqrt(variance + eps),
    scale by gamma, no centering and no beta.
    """

    def __init__(self, axis=-1, epsilon: float = 1e-3, center: bool = True, scale: bool = True,
                 rms_scaling: bool = False, beta_initializer="zeros", gamma_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, **kwargs):
        super().__init__(axis, epsilon, center, scale, beta_initializer, gamma_initializer,
                         beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint,
                         **kwargs)
        self.rms_scaling = bool(rms_scaling)
        self.autocast = False  # Keras: inputs keep their dtype; the math runs in float32

    def build(self, input_shape) -> None:
        self._axes = normalize_axes(self, self.axis, len(input_shape))
        # Keras sizes gamma/beta by the axes sorted as given (so [-1, 1] gives (C, H)) and
        # reshapes them onto the normalised axes; the same layout keeps weights interchangeable.
        raw = sorted(self.axis) if isinstance(self.axis, list) else [self.axis]
        self.axis = raw  # as Keras: a built layer's config lists its axes
        shape = self._known_sizes(input_shape, raw)
        self._add_affine(shape, self.scale or self.rms_scaling,
                         self.center and not self.rms_scaling)

    def call(self, inputs):
        x = inputs.astype(compute_dtype(inputs))
        axes = tuple(self._axes)
        shape = broadcast_shape(x.ndim, self._axes, [x.shape[a] for a in axes])
        variance = jnp.var(x, axes, keepdims=True)
        if self.rms_scaling:
            outputs = x * jax.lax.rsqrt(variance + self.epsilon)
            if self.gamma is not None:
                outputs = outputs * jnp.reshape(self.gamma.value, shape).astype(x.dtype)
        else:
            outputs = self._scale_and_shift(x, jnp.mean(x, axes, keepdims=True), variance,
                                            shape)
        return outputs.astype(self.compute_dtype)

    def get_config(self) -> dict:
        return {**super().get_config(), "rms_scaling": self.rms_scaling}


class GroupNormalization(AffineNormalization):
    """Split the channels on `axis` into `groups` and normalise each group of each sample.

    `groups=-1` gives one group per channel (instance normalisation).
    """

    def __init__(self, groups: int = 32, axis: int = -1, epsilon: float = 1e-3,
                 center: bool = True, scale: bool = True, beta_initializer="zeros",
                 gamma_initializer="ones", beta_regularizer=None, gamma_regularizer=None,
                 beta_constraint=None, gamma_constraint=None, **kwargs):
        super().__init__(axis, epsilon, center, scale, beta_initializer, gamma_initializer,
                         beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint,
                         **kwargs)
        self.autocast = False  # as Keras's GroupNormalization
        if not isinstance(groups, int) or isinstance(groups, bool) or (groups <= 0
                                                                       and groups != -1):
            raise errors.ConfigError(errors.message(
                "got an invalid number of groups.", where=errors.layer_label(self),
                expected="a positive integer, or -1 for instance normalisation",
                got=f"groups={groups!r}"))
        self.groups = groups

    def build(self, input_shape) -> None:
        (self._axis,) = normalize_axes(self, self.axis, len(input_shape))
        (channels,) = self._known_sizes(input_shape, [self._axis])
        if self.groups == -1:
            self.groups = channels
        if channels % self.groups != 0:
            divisors = [d for d in range(1, channels + 1) if channels % d == 0]
            raise errors.ConfigError(errors.message(
                "needs a number of groups that divides the channels.",
                where=errors.layer_label(self),
                expected=f"groups dividing {channels} channels (one of {divisors})",
                got=f"groups={self.groups}",
                fix="Pick groups from that list, or groups=-1 for one group per channel."))
        self._add_affine((channels,), self.scale, self.center)
        self.input_spec = InputSpec(ndim=len(input_shape), axes={self._axis: channels})

    def call(self, inputs):
        x = inputs.astype(compute_dtype(inputs))
        a, g = self._axis, self.groups
        grouped = jnp.reshape(x, x.shape[:a] + (g, x.shape[a] // g) + x.shape[a + 1:])
        axes = tuple(i for i in range(1, grouped.ndim) if i != a)
        shape = broadcast_shape(grouped.ndim, [a, a + 1], [g, x.shape[a] // g])
        mean = jnp.mean(grouped, axes, keepdims=True)
        variance = jnp.var(grouped, axes, keepdims=True)
        outputs = self._scale_and_shift(grouped, mean, variance, shape)
        return jnp.reshape(outputs, x.shape).astype(self.compute_dtype)

    def get_config(self) -> dict:
        return {**super().get_config(), "groups": self.groups}


class RMSNormalization(Layer):
    """`x * rsqrt(mean(x**2 over axis) + epsilon) * scale`, with one learnt `scale` weight.

    As in Keras, building turns `axis` into a sorted list and sizes `scale` by those axes.
    """

    def __init__(self, axis=-1, epsilon: float = 1e-6, **kwargs):
        super().__init__(**kwargs)
        self.axis = list(axis) if isinstance(axis, (list, tuple)) else axis
        self.epsilon = epsilon

    def build(self, input_shape) -> None:
        self._axes = normalize_axes(self, self.axis, len(input_shape))
        self.axis = sorted(self.axis) if isinstance(self.axis, list) else [self.axis]
        sizes = known_sizes(self, input_shape, self.axis)
        self.scale = self.add_weight(name="scale", shape=sizes, initializer="ones")

    def call(self, inputs):
        x = inputs.astype(compute_dtype(inputs))
        axes = tuple(self._axes)
        shape = broadcast_shape(x.ndim, self._axes, [x.shape[a] for a in axes])
        rrms = jax.lax.rsqrt(jnp.mean(jnp.square(x), axes, keepdims=True) + self.epsilon)
        scale = jnp.reshape(self.scale.value.astype(x.dtype), shape)
        return (x * rrms * scale).astype(inputs.dtype)

    def compute_output_shape(self, input_shape) -> tuple:
        normalize_axes(self, self.axis, len(input_shape))
        return tuple(input_shape)

    def get_config(self) -> dict:
        return {**super().get_config(), "axis": self.axis, "epsilon": self.epsilon}


class UnitNormalization(Layer):
    """Scale each sample to unit L2 norm over `axis`: `x * min(rsqrt(sum(x**2)), 1e12)`."""

    supports_masking = True

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = list(axis) if isinstance(axis, (list, tuple)) else axis
        self.built = True

    def call(self, inputs):
        axes = tuple(normalize_axes(self, self.axis, inputs.ndim))
        inv_norm = jax.lax.rsqrt(jnp.sum(jnp.square(inputs), axes, keepdims=True))
        return inputs * jnp.minimum(inv_norm, 1e12)

    def compute_output_shape(self, input_shape) -> tuple:
        normalize_axes(self, self.axis, len(input_shape))
        return tuple(input_shape)

    def get_config(self) -> dict:
        return {**super().get_config(), "axis": self.axis}
