"""BatchNormalization: batch moments in training, moving statistics in inference.

The moving statistics are non-trainable variables updated with `assign` inside `call`; the
training engine collects those assignments into the train state. Batch moments are weighted by
`current_row_mask()`, so the rows the engine pads onto the last partial batch change nothing.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from lamina import config, errors, initializers
from lamina.layers.base import current_row_mask
from lamina.layers.input_spec import InputSpec
from lamina.layers.normalization_base import (AffineNormalization, broadcast_shape,
                                              compute_dtype, normalize_axes)

__all__ = ["BatchNormalization"]


class BatchNormalization(AffineNormalization):
    """Normalise each channel with batch moments in training, moving statistics in inference.

    Moving statistics follow `moving = moving * momentum + batch * (1 - momentum)`. With
    `trainable=False` the layer always runs in inference mode, as in Keras 3. `renorm=True` is
    batch renormalization (Ioffe, 2017) as Keras computes it. `synchronized` is accepted and has
    no effect here (Keras's JAX backend refuses it): one process holds the whole batch.
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
        self.momentum = float(momentum)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.renorm = bool(renorm)
        self.renorm_clipping = self._check_clipping(renorm_clipping) if renorm else renorm_clipping
        self.renorm_momentum = renorm_momentum
        self.synchronized = bool(synchronized)
        self.moving_mean = self.moving_variance = None

    def build(self, input_shape) -> None:
        ndim = len(input_shape)
        (self._axis,) = normalize_axes(self, self.axis, ndim)
        shape = self._known_sizes(input_shape, [self._axis])
        self._add_affine(shape, self.scale, self.center)
        self.moving_mean = self.add_weight(name="moving_mean", shape=shape,
                                           initializer=self.moving_mean_initializer,
                                           trainable=False, autocast=False)
        self.moving_variance = self.add_weight(name="moving_variance", shape=shape,
                                               initializer=self.moving_variance_initializer,
                                               trainable=False, autocast=False)
        if self.renorm:
            self._add_renorm_weights(shape)
        self._reduction_axes = tuple(a for a in range(ndim) if a != self._axis)
        self.input_spec = InputSpec(ndim=ndim, axes={self._axis: shape[0]})

    def call(self, inputs, training=False, mask=None):
        if mask is not None and mask.ndim != inputs.ndim - 1:
            raise errors.ShapeError(errors.message(
                "got a mask of the wrong rank.", where=errors.layer_label(self),
                expected=f"a mask with one axis fewer than the inputs ({inputs.ndim - 1}D)",
                got=f"mask.shape={tuple(mask.shape)}, inputs.shape={tuple(inputs.shape)}"))
        x = inputs.astype(compute_dtype(inputs))
        affine = None
        if training and self.trainable:
            mean, variance = self._moments(x, mask)
            if self.renorm:
                affine = self._renorm_affine(mean, variance)
            else:
                m = self.momentum
                self.moving_mean.assign(self.moving_mean.value * m + mean * (1.0 - m))
                self.moving_variance.assign(self.moving_variance.value * m
                                            + variance * (1.0 - m))
        else:
            mean, variance = self.moving_mean.value, self.moving_variance.value
        shape = broadcast_shape(x.ndim, [self._axis], mean.shape)
        outputs = self._scale_and_shift(x, jnp.reshape(mean, shape).astype(x.dtype),
                                        jnp.reshape(variance, shape).astype(x.dtype), shape,
                                        affine)
        return outputs.astype(self.compute_dtype)

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

    # -- batch renormalization -------------------------------------------------------------
    def _check_clipping(self, clipping) -> dict:
        clipping = dict(clipping or {})
        rmin, rmax, dmax = (clipping.get(k) for k in ("rmin", "rmax", "dmax"))
        if set(clipping) - {"rmin", "rmax", "dmax"} or (
                rmin is not None and rmax is not None and rmax < rmin) or (
                dmax is not None and dmax < 0):
            raise errors.ConfigError(errors.message(
                "got an invalid `renorm_clipping`.", where=errors.layer_label(self),
                expected="a dict with keys among rmin, rmax, dmax, rmin <= rmax and dmax >= 0",
                got=f"renorm_clipping={clipping!r}"))
        return clipping

    def _add_renorm_weights(self, shape: tuple) -> None:
        init_var = self.moving_variance_initializer

        def stddev_init(shape, dtype=None):
            return jnp.sqrt(init_var(shape, dtype=dtype))

        self.moving_stddev = self.add_weight(name="moving_stddev", shape=shape,
                                             initializer=stddev_init,
                                             trainable=False, autocast=False)
        self.renorm_mean = self.add_weight(name="renorm_mean", shape=shape,
                                           initializer=self.moving_mean_initializer,
                                           trainable=False, autocast=False)
        self.renorm_stddev = self.add_weight(name="renorm_stddev", shape=shape,
                                             initializer=stddev_init,
                                             trainable=False, autocast=False)

    def _renorm_affine(self, mean, variance) -> tuple:
        """Update the renorm statistics; return (gamma, beta) composed with the corrections
        r and d (treated as constants by the gradient, as in Keras)."""
        stddev = jnp.sqrt(variance + self.epsilon)
        old_mean, old_stddev = self.renorm_mean.value, self.renorm_stddev.value
        floor = jnp.maximum(old_stddev, jnp.sqrt(jnp.asarray(self.epsilon, stddev.dtype)))
        r, d = stddev / floor, (mean - old_mean) / floor
        clip = self.renorm_clipping
        r = jnp.clip(r, clip.get("rmin"), clip.get("rmax"))
        if clip.get("dmax") is not None:
            d = jnp.clip(d, -clip["dmax"], clip["dmax"])
        r, d = jax.lax.stop_gradient(r), jax.lax.stop_gradient(d)
        gamma, beta = self._affine_values()
        new_gamma, new_beta = (r, d) if gamma is None else (r * gamma, d * gamma)
        new_beta = new_beta if beta is None else new_beta + beta
        rm, m = self.renorm_momentum, self.momentum
        self.renorm_mean.assign(old_mean * rm + mean * (1.0 - rm))
        self.renorm_stddev.assign(old_stddev * rm + stddev * (1.0 - rm))
        self.moving_mean.assign(self.moving_mean.value * m + mean * (1.0 - m))
        moving_stddev = self.moving_stddev.value * m + stddev * (1.0 - m)
        self.moving_stddev.assign(moving_stddev)
        self.moving_variance.assign(jax.nn.relu(moving_stddev * moving_stddev - self.epsilon))
        return new_gamma, new_beta

    def get_config(self) -> dict:
        return {**super().get_config(), "momentum": self.momentum,
                "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
                "moving_variance_initializer": initializers.serialize(
                    self.moving_variance_initializer),
                "synchronized": self.synchronized, "renorm": self.renorm,
                "renorm_clipping": self.renorm_clipping,
                "renorm_momentum": self.renorm_momentum}
