"""Tone and pixel-value augmentation: RandomInvert, RandomPosterization, RandomSharpness,
Solarization, AutoContrast, Equalization.

Keras 3's arithmetic, quirks included (documented where they surprise): RandomInvert's
single-number `factor` f draws the inversion probability from `U(0, f)`; Solarization draws its
addition/threshold from `U(lower, upper * 255)`; AutoContrast applies at inference too and
takes min/max over axes 1 and 2 whatever the data format; Equalization builds each channel's
histogram over the whole batch.
"""

from __future__ import annotations

import jax.numpy as jnp

from lamina import random
from lamina.layers.preprocessing.image_color_base import (ColorLayer, batch_size_of,
                                                          checked_value_range, per_image)

__all__ = ["AutoContrast", "Equalization", "RandomInvert", "RandomPosterization",
           "RandomSharpness", "Solarization"]

_SOLARIZATION_ERROR = ("The `addition_factor` and `threshold_factor` arguments should be a "
                       "number (or a list of two numbers) in the range [0, 1]. ")


class _FactorColorLayer(ColorLayer):
    """A colour layer whose `factor` follows Keras's base rule within `_FACTOR_BOUNDS`, but
    which (as in Keras) takes it as its own argument."""

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self._set_factor(factor)
        self.value_range = checked_value_range(value_range)


class RandomInvert(_FactorColorLayer):
    """Replaces an image by `high - image` with probability `U(factor)`."""

    def __init__(self, factor=1.0, value_range=(0, 255), seed=None, data_format=None, **kwargs):
        super().__init__(factor, value_range, data_format, seed, **kwargs)
        self.value_range = value_range

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        size, seed = batch_size_of(data), self._seed(seed)
        probability = random.uniform((size,), self.factor[0], self.factor[1], seed=seed)
        threshold = random.uniform((size,), 0, 1, seed=seed)
        return {"apply_inversion": threshold < probability}

    def transform_images(self, images, transformation, training=True):
        if not training:
            return images
        images = jnp.asarray(images, self.dtype)
        apply = per_image(transformation["apply_inversion"])
        return jnp.where(apply, self.value_range[1] - images, images)


class RandomPosterization(_FactorColorLayer):
    """Keeps the `bits ~ randint(factor)` high bits of each 8-bit channel value."""

    _FACTOR_BOUNDS = (1, 8)

    def get_random_transformation(self, data, training=True, seed=None):
        size = batch_size_of(data)
        if self.factor[0] != self.factor[1]:
            bits = random.randint((size,), self.factor[0], self.factor[1], dtype="uint8",
                                  seed=self._seed(seed))
        else:
            bits = jnp.ones((size,), "uint8") * jnp.uint8(self.factor[0])
        return {"shift_factor": jnp.uint8(8) - bits}

    def transform_images(self, images, transformation=None, training=True):
        if not training:
            return images
        shift = per_image(jnp.asarray(transformation["shift_factor"], "uint8"))
        images = self._transform_value_range(images, self.value_range, (0, 255), self.dtype)
        pixels = images.astype("uint8")
        pixels = jnp.left_shift(jnp.right_shift(pixels, shift), shift)
        return self._transform_value_range(pixels.astype(self.dtype), (0, 255),
                                           self.value_range, self.dtype)


class RandomSharpness(_FactorColorLayer):
    """Blends each image with a 3x3 smoothed copy: `2 * U(factor)` of 1 keeps it as is."""

    def get_random_transformation(self, data, training=True, seed=None):
        return {"factor": random.uniform((batch_size_of(data),), self.factor[0],
                                         self.factor[1], seed=self._seed(seed))}

    def transform_images(self, images, transformation=None, training=True):
        images = jnp.asarray(images, self.dtype)
        if not training:
            return images
        if self.data_format == "channels_first":
            images = jnp.swapaxes(images, -3, -1)
        sharpness = per_image(jnp.asarray(transformation["factor"]) * 2).astype(self.dtype)
        a, b = 1.0 / 13.0, 5.0 / 13.0
        kernel = jnp.array([[a, a, a], [a, b, a], [a, a, a]], self.dtype)[:, :, None, None]
        kernel = jnp.tile(kernel, (1, 1, images.shape[-1], 1))
        from lamina.ops.convolution import depthwise_conv  # noqa: PLC0415
        smoothed = depthwise_conv(images, kernel, 1, "same", "channels_last")
        images = images + (1.0 - sharpness) * (smoothed - images)
        images = jnp.clip(images, self.value_range[0], self.value_range[1])
        return jnp.swapaxes(images, -3, -1) if self.data_format == "channels_first" else images


def _solarization_factor(factor, name: str) -> tuple:
    """Keras's Solarization factor rule: a number f means `(0, f)`; all within [0, 1]."""
    if isinstance(factor, (tuple, list)):
        if len(factor) != 2:
            raise ValueError(_SOLARIZATION_ERROR + f"Received: {name}={factor}")
        bounds = sorted(factor)
    elif isinstance(factor, (int, float)) and not isinstance(factor, bool):
        bounds = [0, factor]
    else:
        raise ValueError(_SOLARIZATION_ERROR + f"Received: {name}={factor}")
    for number in factor if isinstance(factor, (tuple, list)) else [factor]:
        if number > 1.0 or number < 0:
            raise ValueError(_SOLARIZATION_ERROR + f"Received: input_number={number}")
    return tuple(bounds)


class Solarization(ColorLayer):
    """Adds `U(addition)` (in 0-255 units), then inverts the pixels above `U(threshold)`."""

    _USE_BASE_FACTOR = False
    _config_keys = ("value_range", "addition_factor", "threshold_factor", "seed")

    def __init__(self, addition_factor=0.0, threshold_factor=0.0, value_range=(0, 255),
                 seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.addition_factor = _solarization_factor(addition_factor, "addition_factor")
        self.threshold_factor = _solarization_factor(threshold_factor, "threshold_factor")
        self.value_range = checked_value_range(value_range)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        shape, seed = (batch_size_of(data), 1, 1, 1), self._seed(seed)
        (add_low, add_high), (low, high) = self.addition_factor, self.threshold_factor
        return {"additions": random.uniform(shape, add_low, add_high * 255, self.dtype, seed),
                "thresholds": random.uniform(shape, low, high * 255, self.dtype, seed)}

    def transform_images(self, images, transformation, training=True):
        images = jnp.asarray(images, self.dtype)
        if not training or transformation is None:
            return images
        images = self._transform_value_range(images, self.value_range, (0, 255), self.dtype)
        results = jnp.clip(images + transformation["additions"], 0, 255)
        results = jnp.where(results < transformation["thresholds"], results, 255 - results)
        return self._transform_value_range(results, (0, 255), self.value_range, self.dtype)


class AutoContrast(ColorLayer):
    """Stretches each image's channels to the full `value_range` (also at inference)."""

    _USE_BASE_FACTOR = False
    _config_keys = ("value_range",)

    def __init__(self, value_range=(0, 255), **kwargs):
        super().__init__(**kwargs)
        self.value_range = checked_value_range(value_range)

    def transform_images(self, images, transformation=None, training=True):
        original = jnp.asarray(images)
        images = self._transform_value_range(original, self.value_range, (0, 255), self.dtype)
        low = jnp.min(images, axis=(1, 2), keepdims=True)
        high = jnp.max(images, axis=(1, 2), keepdims=True)
        scale = 255.0 / (high - low)
        results = jnp.clip(images * scale - low * scale, 0.0, 255.0)
        results = self._transform_value_range(results, (0, 255), self.value_range, self.dtype)
        return jnp.where(jnp.isnan(results), original, results).astype(self.dtype)


class Equalization(ColorLayer):
    """Histogram equalization of each channel (histogram over the batch), when training."""

    _config_keys = ("bins", "value_range")

    def __init__(self, value_range=(0, 255), bins=256, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.bins = bins
        self.value_range = checked_value_range(value_range)

    def transform_images(self, images, transformation, training=True):
        if not training:
            return images
        images = jnp.asarray(images, self.dtype)
        axis = -1 if self.data_format == "channels_last" else -3
        channels = [self._equalize(jnp.take(images, i, axis=axis))
                    for i in range(images.shape[axis])]
        return jnp.stack(channels, axis=axis).astype(self.dtype)

    def _equalize(self, channel):
        """One channel of the batch: Keras's 0-255 lookup table from the batch's histogram."""
        low, high = self.value_range
        channel = channel * (255 / (high - low)) + (0 - low * (255 / (high - low)))
        bins = self.bins
        indices = jnp.clip((channel.astype("float32") * (bins - 1) / 255.0).astype("int32"),
                           0, bins - 1)
        histogram = jnp.bincount(indices.reshape(-1), length=bins)
        cdf = jnp.cumsum(histogram)
        cdf_min = cdf[jnp.argmax(cdf > 0)]
        denominator = cdf[-1] - cdf_min
        denominator = jnp.where(denominator == 0, 1, denominator)
        table = jnp.clip(jnp.round((cdf - cdf_min) * 255 / denominator), 0, 255)
        lookup = jnp.clip(channel / 255.0 * (bins - 1), 0, bins - 1).astype("int32")
        equalized = jnp.where(jnp.count_nonzero(histogram) <= 1, channel,
                              jnp.take(table, lookup))
        scale = (high - low) / 255
        return equalized * scale + (low - 0 * scale)
