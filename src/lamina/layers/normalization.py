"""Normalisation layers: BatchNormalization, LayerNormalization, GroupNormalization,
UnitNormalization.

BatchNormalization keeps its moving statistics as non-trainable variables and updates them with
`assign` inside `call`; the training engine collects those assignments into the train state.
Batch moments are weighted by `current_row_mask()`, so the rows the engine pads onto the last
partial batch change nothing.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from lamina import config, constraints, errors, initializers, regularizers
from lamina.layers.base import Layer, current_row_mask
from lamina.layers.input_spec import InputSpec

__all__ = ["BatchNormalization", "GroupNormalization", "LayerNormalization",
           "UnitNormalization"]


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


def _broadcast_shape(ndim: int, axes: list[int], sizes) -> tuple:
    shape = [1] * ndim
    for a, size in zip(axes, sizes):
        shape[a] = size
    return tuple(shape)


def _compute_dtype(inputs):
    return jnp.promote_types(inputs.dtype, jnp.float32)


class _AffineNormalization(Layer):
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
        sizes = tuple(input_shape[a] for a in axes)
        if None in sizes:
            raise errors.ShapeError(errors.message(
                "needs the normalised axes to have known sizes to build.",
                where=errors.layer_label(self), got=f"input_shape={tuple(input_shape)}, "
                f"axis={self.axis!r}", fix="Give the model an input shape with those axes set."))
        return sizes

    def _add_affine(self, shape: tuple, scale: bool, center: bool) -> None:
        if scale:
            self.gamma = self.add_weight("gamma", shape, self.gamma_initializer,
                                         regularizer=self.gamma_regularizer,
                                         constraint=self.gamma_constraint)
        if center:
            self.beta = self.add_weight("beta", shape, self.beta_initializer,
                                        regularizer=self.beta_regularizer,
                                        constraint=self.beta_constraint)

    def _scale_and_shift(self, x, mean, variance, shape: tuple):
        """`(x - mean) * rsqrt(variance + eps) * gamma + beta`, in Keras's order of operations."""
        inv = jax.lax.rsqrt(variance + self.epsilon)
        if self.gamma is not None:
            inv = inv * jnp.reshape(self.gamma.value, shape).astype(x.dtype)
        res = -mean * inv
        if self.beta is not None:
            res = res + jnp.reshape(self.beta.value, shape).astype(x.dtype)
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


class BatchNormalization(_AffineNormalization):
    """Normalise each channel with batch moments in training, moving statistics in inference.

    Moving statistics follow `moving = moving * momentum + batch * (1 - momentum)`. With
    `trainable=False` the layer always runs in inference mode, as in Keras 3. `synchronized` is
    accepted and has no effect (one process holds the whole batch); `renorm` is not supported.
    """

    def __init__(self, axis: int = -1, momentum: float = 0.99, epsilon: float = 1e-3,
                 center: bool = True, scale: bool = True, beta_initializer="zeros",
                 gamma_initializer="ones", moving_mean_initializer="zeros",
                 moving_variance_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                 renorm: bool = False, renorm_clipping=None, renorm_momentum: float = 0.99,
                 synchronized: bool = False, **kwargs):
        super().__init__(int(axis), epsilon, center, scale, beta_initializer, gamma_initializer,
                         beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint,
                         **kwargs)
        if renorm:
            raise errors.ConfigError(errors.message(
                "does not support batch renormalization.", where=errors.layer_label(self),
                got="renorm=True", fix="Use renorm=False (the default)."))
        self.momentum = float(momentum)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.renorm, self.renorm_clipping = False, renorm_clipping
        self.renorm_momentum = renorm_momentum
        self.synchronized = bool(synchronized)
        self.moving_mean = self.moving_variance = None

    def build(self, input_shape) -> None:
        ndim = len(input_shape)
        (self._axis,) = normalize_axes(self, self.axis, ndim)
        shape = self._known_sizes(input_shape, [self._axis])
        self._add_affine(shape, self.scale, self.center)
        self.moving_mean = self.add_weight("moving_mean", shape, self.moving_mean_initializer,
                                           trainable=False)
        self.moving_variance = self.add_weight("moving_variance", shape,
                                               self.moving_variance_initializer,
                                               trainable=False)
        self._reduction_axes = tuple(a for a in range(ndim) if a != self._axis)
        self.input_spec = InputSpec(ndim=ndim, axes={self._axis: shape[0]})

    def call(self, inputs, training=False, mask=None):
        if mask is not None and mask.ndim != inputs.ndim - 1:
            raise errors.ShapeError(errors.message(
                "got a mask of the wrong rank.", where=errors.layer_label(self),
                expected=f"a mask with one axis fewer than the inputs ({inputs.ndim - 1}D)",
                got=f"mask.shape={tuple(mask.shape)}, inputs.shape={tuple(inputs.shape)}"))
        x = inputs.astype(_compute_dtype(inputs))
        if training and self.trainable:
            mean, variance = self._moments(x, mask)
            m = self.momentum
            self.moving_mean.assign(self.moving_mean.value * m + mean * (1.0 - m))
            self.moving_variance.assign(self.moving_variance.value * m + variance * (1.0 - m))
        else:
            mean, variance = self.moving_mean.value, self.moving_variance.value
        shape = _broadcast_shape(x.ndim, [self._axis], mean.shape)
        outputs = self._scale_and_shift(x, jnp.reshape(mean, shape).astype(x.dtype),
                                        jnp.reshape(variance, shape).astype(x.dtype), shape)
        return outputs.astype(self.dtype)

    def _moments(self, x, mask):
        """Per-channel mean and variance over the real rows (and unmasked steps) of `x`."""
        rows = current_row_mask()
        axes = self._reduction_axes
        if rows is None and mask is None:
            return jnp.mean(x, axes), jnp.var(x, axes)
        weights = jnp.ones((), x.dtype)
        if mask is not None:
            weights = jnp.expand_dims(mask.astype(x.dtype), -1)
        if rows is not None:
            weights = weights * jnp.reshape(rows, (-1,) + (1,) * (x.ndim - 1)).astype(x.dtype)
        keep = jnp.broadcast_to(weights, x.shape) > 0
        # Keras adds epsilon to the count when a mask is given; padding rows alone add nothing.
        count = jnp.sum(keep, axes, keepdims=True, dtype=x.dtype)
        count = count + config.epsilon() if mask is not None else count
        mean = jnp.sum(jnp.where(keep, x, 0.0), axes, keepdims=True) / count
        variance = jnp.sum(jnp.where(keep, jnp.square(x - mean), 0.0), axes,
                           keepdims=True) / count
        return jnp.squeeze(mean, axes), jnp.squeeze(variance, axes)

    def get_config(self) -> dict:
        return {**super().get_config(), "momentum": self.momentum,
                "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
                "moving_variance_initializer": initializers.serialize(
                    self.moving_variance_initializer),
                "synchronized": self.synchronized, "renorm": self.renorm,
                "renorm_clipping": self.renorm_clipping,
                "renorm_momentum": self.renorm_momentum}


class LayerNormalization(_AffineNormalization):
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

    def build(self, input_shape) -> None:
        self._axes = normalize_axes(self, self.axis, len(input_shape))
        # Keras sizes gamma/beta by the axes sorted as given (so [-1, 1] gives (C, H)) and
        # reshapes them onto the normalised axes; the same layout keeps weights interchangeable.
        raw = sorted(self.axis) if isinstance(self.axis, list) else [self.axis]
        shape = self._known_sizes(input_shape, raw)
        self._add_affine(shape, self.scale or self.rms_scaling,
                         self.center and not self.rms_scaling)

    def call(self, inputs):
        x = inputs.astype(_compute_dtype(inputs))
        axes = tuple(self._axes)
        shape = _broadcast_shape(x.ndim, self._axes, [x.shape[a] for a in axes])
        variance = jnp.var(x, axes, keepdims=True)
        if self.rms_scaling:
            outputs = x * jax.lax.rsqrt(variance + self.epsilon)
            if self.gamma is not None:
                outputs = outputs * jnp.reshape(self.gamma.value, shape).astype(x.dtype)
        else:
            outputs = self._scale_and_shift(x, jnp.mean(x, axes, keepdims=True), variance,
                                            shape)
        return outputs.astype(self.dtype)

    def get_config(self) -> dict:
        return {**super().get_config(), "rms_scaling": self.rms_scaling}


class GroupNormalization(_AffineNormalization):
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
        x = inputs.astype(_compute_dtype(inputs))
        a, g = self._axis, self.groups
        grouped = jnp.reshape(x, x.shape[:a] + (g, x.shape[a] // g) + x.shape[a + 1:])
        axes = tuple(i for i in range(1, grouped.ndim) if i != a)
        shape = _broadcast_shape(grouped.ndim, [a, a + 1], [g, x.shape[a] // g])
        mean = jnp.mean(grouped, axes, keepdims=True)
        variance = jnp.var(grouped, axes, keepdims=True)
        outputs = self._scale_and_shift(grouped, mean, variance, shape)
        return jnp.reshape(outputs, x.shape).astype(self.dtype)

    def get_config(self) -> dict:
        return {**super().get_config(), "groups": self.groups}


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
