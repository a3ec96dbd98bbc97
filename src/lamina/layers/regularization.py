"""Regularisation layers: the Dropout family, multiplicative and additive noise,
ActivityRegularization.

Every random layer owns a `SeedGenerator`; inside a compiled step its draws derive from the
step's key (see lamina.random), so training stays pure. All are the identity at inference.
"""

from __future__ import annotations

import math

import jax.numpy as jnp

from lamina import config, errors, random, regularizers
from lamina.layers.base import Layer, current_row_mask
from lamina.layers.input_spec import InputSpec

__all__ = ["ActivityRegularization", "AlphaDropout", "Dropout", "GaussianDropout",
           "GaussianNoise", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D"]

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def check_rate(layer: Layer, rate) -> float:
    """`rate` as a float in [0, 1), or an error naming the layer (rate 1 would divide by 0)."""
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate < 1:
        raise errors.ConfigError(errors.message(
            "got an invalid `rate`.", where=errors.layer_label(layer),
            expected="a float value in [0, 1): the fraction of inputs to drop",
            got=f"rate={rate!r}", fix="Pass e.g. rate=0.5."))
    return float(rate)


def _noise_shape(inputs, noise_shape) -> tuple:
    if noise_shape is None:
        return tuple(inputs.shape)
    return tuple(inputs.shape[i] if d is None else d for i, d in enumerate(noise_shape))


class _RandomLayer(Layer):
    """Shared base: a seed, a `SeedGenerator`, mask pass-through and same-shape output."""

    supports_masking = True

    def __init__(self, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self.seed_generator = random.SeedGenerator(seed)
        self.built = True

    def compute_output_shape(self, input_shape) -> tuple:
        return tuple(input_shape)

    def get_config(self) -> dict:
        return {**super().get_config(), "seed": self.seed}


class Dropout(_RandomLayer):
    """Inverted dropout: in training, zero a `rate` fraction and scale the rest by 1/(1-rate)."""

    def __init__(self, rate: float, noise_shape=None, seed: int | None = None, **kwargs):
        super().__init__(seed, **kwargs)
        self.rate = check_rate(self, rate)
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        return random.dropout(inputs, self.rate, self._noise_shape(inputs),
                              seed=self.seed_generator)

    def _noise_shape(self, inputs) -> tuple | None:
        return self.noise_shape

    def get_config(self) -> dict:
        return {**super().get_config(), "rate": self.rate, "noise_shape": self.noise_shape}


class _SpatialDropout(Dropout):
    """Dropout of whole feature maps: one draw per (sample, channel), shared over space."""

    rank = 0

    def __init__(self, rate: float, data_format: str | None = None, seed: int | None = None,
                 **kwargs):
        kwargs.pop("noise_shape", None)
        super().__init__(rate, seed=seed, **kwargs)
        self.data_format = _data_format(self, data_format)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def _noise_shape(self, inputs) -> tuple:
        batch, ones = inputs.shape[0], (1,) * self.rank
        if self.data_format == "channels_first":
            return (batch, inputs.shape[1], *ones)
        return (batch, *ones, inputs.shape[-1])

    def get_config(self) -> dict:
        # Keras's spatial dropouts take only these keys (no noise_shape, no trainable).
        cfg = super().get_config()
        keep = ("name", "dtype", "rate", "seed")
        return {**{k: cfg[k] for k in keep}, "data_format": self.data_format}


class SpatialDropout1D(_SpatialDropout):
    """Drops whole channels of `(batch, steps, channels)` inputs."""

    rank = 1

    def __init__(self, rate: float, seed: int | None = None, **kwargs):
        kwargs.pop("data_format", None)
        super().__init__(rate, "channels_last", seed, **kwargs)

    def get_config(self) -> dict:
        return {k: v for k, v in super().get_config().items() if k != "data_format"}


class SpatialDropout2D(_SpatialDropout):
    """Drops whole 2D feature maps (channels_last or channels_first)."""

    rank = 2


class SpatialDropout3D(_SpatialDropout):
    """Drops whole 3D feature maps (channels_last or channels_first)."""

    rank = 3


class GaussianNoise(_RandomLayer):
    """Adds zero-centred Gaussian noise of standard deviation `stddev` in training."""

    def __init__(self, stddev: float, seed: int | None = None, **kwargs):
        super().__init__(seed, **kwargs)
        if isinstance(stddev, bool) or not isinstance(stddev, (int, float)) or stddev < 0:
            raise errors.ConfigError(errors.message(
                "got an invalid `stddev`.", where=errors.layer_label(self),
                expected="a non-negative float", got=f"stddev={stddev!r}"))
        self.stddev = float(stddev)

    def call(self, inputs, training=False):
        if not training or self.stddev == 0:
            return inputs
        return inputs + random.normal(inputs.shape, 0.0, self.stddev, inputs.dtype,
                                      seed=self.seed_generator)

    def get_config(self) -> dict:
        return {**super().get_config(), "stddev": self.stddev}


class GaussianDropout(_RandomLayer):
    """Multiplies by noise of mean 1 and standard deviation sqrt(rate / (1 - rate))."""

    def __init__(self, rate: float, seed: int | None = None, **kwargs):
        super().__init__(seed, **kwargs)
        self.rate = check_rate(self, rate)

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        stddev = math.sqrt(self.rate / (1.0 - self.rate))
        return inputs * random.normal(inputs.shape, 1.0, stddev, inputs.dtype,
                                      seed=self.seed_generator)

    def get_config(self) -> dict:
        return {**super().get_config(), "rate": self.rate}


class AlphaDropout(Dropout):
    """Dropout for SELU networks: dropped units go to SELU's negative saturation, then an
    affine correction keeps the inputs' mean and variance."""

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        shape = _noise_shape(inputs, self.noise_shape)
        kept = random.keep_mask(shape, self.rate, seed=self.seed_generator)
        alpha_p = -_SELU_ALPHA * _SELU_SCALE
        a = ((1 - self.rate) * (1 + self.rate * alpha_p**2)) ** -0.5
        b = -a * alpha_p * self.rate
        x = jnp.where(kept, inputs, alpha_p)
        return (a * x + b).astype(inputs.dtype)


class ActivityRegularization(Layer):
    """Identity that adds `l1 * sum(|x|) + l2 * sum(x**2)`, divided by the batch size, to the
    loss. Rows the engine pads onto a last partial batch are left out of sum and count."""

    supports_masking = True

    def __init__(self, l1: float = 0.0, l2: float = 0.0, **kwargs):
        kwargs.pop("activity_regularizer", None)
        super().__init__(**kwargs)
        self.l1, self.l2 = l1, l2
        self.penalty = regularizers.L1L2(l1=l1, l2=l2)
        self.built = True

    def call(self, inputs):
        rows = current_row_mask()
        if rows is None:
            self.add_loss(self.penalty(inputs) / inputs.shape[0])
        else:
            weights = jnp.reshape(rows, (-1,) + (1,) * (inputs.ndim - 1)).astype(inputs.dtype)
            self.add_loss(self.penalty(inputs * weights) / jnp.maximum(jnp.sum(rows), 1.0))
        return inputs

    def compute_output_shape(self, input_shape) -> tuple:
        return tuple(input_shape)

    def get_config(self) -> dict:
        return {**super().get_config(), "l1": self.l1, "l2": self.l2}


def _data_format(layer: Layer, data_format: str | None) -> str:
    value = data_format or config.image_data_format()
    if value not in ("channels_last", "channels_first"):
        raise errors.ConfigError(errors.message(
            "got an unknown data_format.", where=errors.layer_label(layer),
            expected="'channels_last' or 'channels_first'", got=f"data_format={data_format!r}"))
    return value

