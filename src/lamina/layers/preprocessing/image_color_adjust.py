"""Colour augmentation by a random amount per image: RandomContrast, RandomBrightness,
RandomGrayscale, RandomHue, RandomSaturation, RandomColorDegeneration, RandomColorJitter.

Keras 3's arithmetic, value for value (its quirks included: RandomSaturation clips the scaled
saturation to `value_range`; a single-number `factor` of RandomSaturation and
RandomColorDegeneration draws from `(-factor, factor)`, as Keras's base factor rule does).
Layers apply only when `training` (Keras's call default is `training=True`).
"""

from __future__ import annotations

import jax.numpy as jnp

from lamina import random
from lamina.layers.preprocessing.image_color_base import (ColorLayer, batch_size_of,
                                                          channel_axis, checked_value_range,
                                                          edit_hsv_plane, per_image)

__all__ = ["RandomBrightness", "RandomColorDegeneration", "RandomColorJitter", "RandomContrast",
           "RandomGrayscale", "RandomHue", "RandomSaturation"]


class RandomContrast(ColorLayer):
    """`(x - mean) * c + mean` per image and channel, `c ~ U(1 - lower, 1 + upper)`."""

    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(factor=factor, seed=seed, **kwargs)
        self.value_range = value_range

    def get_random_transformation(self, data, training=True, seed=None):
        shape = (batch_size_of(data), 1, 1, 1)
        if not training:
            return {"contrast_factor": jnp.zeros(shape)}
        return {"contrast_factor": random.uniform(shape, 1.0 - self.factor[0],
                                                  1.0 + self.factor[1], dtype=self.dtype,
                                                  seed=self._seed(seed))}

    def transform_images(self, images, transformation, training=True):
        if not training:
            return images
        h_axis, w_axis = self._height_width_axes(jnp.ndim(images))
        mean = jnp.mean(images, axis=(h_axis, w_axis), keepdims=True)
        outputs = (images - mean) * transformation["contrast_factor"] + mean
        return jnp.clip(outputs, self.value_range[0], self.value_range[1])


class RandomBrightness(ColorLayer):
    """Adds `delta * (high - low)` per image, `delta ~ U(factor)`, clipped to `value_range`."""

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(factor=factor, seed=seed, **kwargs)
        self.value_range = checked_value_range(value_range)

    def get_random_transformation(self, data, training=True, seed=None):
        shape = (batch_size_of(data), 1, 1, 1)
        if not training:
            return {"rgb_delta": jnp.zeros(shape)}
        delta = random.uniform(shape, self.factor[0], self.factor[1], seed=self._seed(seed))
        return {"rgb_delta": delta * (self.value_range[1] - self.value_range[0])}

    def transform_images(self, images, transformation, training=True):
        if not training:
            return images
        # Keras casts the delta to the images' dtype (wrapping for uint8); lamina adds in float.
        images = jnp.asarray(images, jnp.promote_types(jnp.asarray(images).dtype, self.dtype))
        images = images + jnp.asarray(transformation["rgb_delta"], images.dtype)
        return jnp.clip(images, self.value_range[0], self.value_range[1])


class RandomGrayscale(ColorLayer):
    """Each image turns grayscale (luma on every channel) with probability `factor`."""

    _USE_BASE_FACTOR = False
    _config_keys = ("factor",)

    def __init__(self, factor=0.5, data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        if factor < 0 or factor > 1:
            raise ValueError(f"`factor` should be between 0 and 1. Received: factor={factor}")
        self.factor = factor

    def get_random_transformation(self, data, training=True, seed=None):
        draws = random.uniform((batch_size_of(data),), 0, 1, seed=self._seed(seed))
        return per_image(draws < self.factor)

    def transform_images(self, images, transformation, training=True):
        if not training:
            return images
        if transformation is None:
            transformation = self.get_random_transformation(images)
        from lamina.ops import image as image_ops  # noqa: PLC0415
        gray = image_ops.rgb_to_grayscale(images, data_format=self.data_format)
        return jnp.where(transformation, gray, images)


class RandomHue(ColorLayer):
    """Shifts the hue by `+-U(factor) / 2` of the colour wheel per image."""

    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(factor=factor, data_format=data_format, seed=seed, **kwargs)
        self.value_range = value_range

    def get_random_transformation(self, data, training=True, seed=None):
        size, seed = batch_size_of(data), self._seed(seed)
        sign = jnp.where(random.uniform((size,), seed=seed) > 0.5, -1.0, 1.0)
        factor = random.uniform((size,), self.factor[0], self.factor[1], seed=seed)
        return {"factor": sign * factor * 0.5}

    def transform_images(self, images, transformation=None, training=True):
        if not training:
            return images
        images = self._transform_value_range(images, self.value_range, (0, 1), self.dtype)
        shift = per_image(transformation["factor"], 3).astype(images.dtype)

        def rotate(hue):
            hue = hue + shift
            hue = jnp.where(hue > 1.0, hue - 1.0, hue)
            return jnp.where(hue < 0.0, hue + 1.0, hue)

        images = jnp.clip(edit_hsv_plane(images, 0, rotate, self.data_format), 0, 1)
        return self._transform_value_range(images, (0, 1), self.value_range, self.dtype)


class RandomSaturation(ColorLayer):
    """Scales the HSV saturation by `f / (1 - f)` per image, `f ~ U(factor)`."""

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(factor=factor, data_format=data_format, seed=seed, **kwargs)
        self.value_range = checked_value_range(value_range)

    def get_random_transformation(self, data, training=True, seed=None):
        factor = random.uniform((batch_size_of(data),), self.factor[0], self.factor[1],
                                seed=self._seed(seed))
        return {"factor": factor / (1 - factor + 1e-7)}

    def transform_images(self, images, transformation=None, training=True):
        if not training:
            return images
        scale = per_image(transformation["factor"], 3).astype(self.dtype)
        low, high = self.value_range
        return edit_hsv_plane(jnp.asarray(images, self.dtype), 1,
                              lambda s: jnp.clip(s * scale, low, high), self.data_format)


class RandomColorDegeneration(ColorLayer):
    """Blends each image towards its grayscale version by `U(factor)`."""

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(factor=factor, data_format=data_format, seed=seed, **kwargs)
        self.value_range = checked_value_range(value_range)

    def get_random_transformation(self, data, training=True, seed=None):
        return {"factor": random.uniform((batch_size_of(data), 1, 1, 1), self.factor[0],
                                         self.factor[1], seed=self._seed(seed))}

    def transform_images(self, images, transformation=None, training=True):
        if not training:
            return images
        images = jnp.asarray(images, self.dtype)
        factor = jnp.asarray(transformation["factor"], self.dtype)
        from lamina.ops import image as image_ops  # noqa: PLC0415
        gray = image_ops.rgb_to_grayscale(images, data_format=self.data_format)
        images = images + factor * (gray - images)
        return jnp.clip(images, self.value_range[0], self.value_range[1])

    def compute_output_shape(self, input_shape):
        if len(input_shape) not in (3, 4):
            raise ValueError("Invalid images rank: expected rank 3 (single image) or rank 4 "
                             f"(batch of images). Received: input_shape={input_shape}")
        channels = input_shape[channel_axis(self.data_format)]
        if channels is not None and channels != 3:
            raise ValueError("Input images must have 3 channels, but received images with "
                             f"{channels} channels.")
        return input_shape


class RandomColorJitter(ColorLayer):
    """Brightness, contrast, saturation and hue jitter in that order (each when its factor is
    given), drawn from this layer's seed stream."""

    _USE_BASE_FACTOR = False
    _config_keys = ("value_range", "brightness_factor", "contrast_factor", "saturation_factor",
                    "hue_factor", "seed")

    def __init__(self, value_range=(0, 255), brightness_factor=None, contrast_factor=None,
                 saturation_factor=None, hue_factor=None, seed=None, data_format=None,
                 **kwargs):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.value_range = value_range
        self.brightness_factor, self.contrast_factor = brightness_factor, contrast_factor
        self.saturation_factor, self.hue_factor = saturation_factor, hue_factor
        parts = ((RandomBrightness, brightness_factor), (RandomContrast, contrast_factor),
                 (RandomSaturation, saturation_factor), (RandomHue, hue_factor))
        # Keras leaves its parts at the default data format (wrong for channels_first input).
        self._parts = [kind(factor=factor, value_range=value_range, seed=seed,
                            data_format=self.data_format)
                       for kind, factor in parts if factor is not None]

    def transform_images(self, images, transformation, training=True):
        if not training:
            return images
        images = jnp.asarray(images, self.dtype)
        for part in self._parts:
            step = part.get_random_transformation(images, seed=self.generator)
            images = jnp.asarray(part.transform_images(images, step), self.dtype)
        return images
