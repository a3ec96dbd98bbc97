"""Pixel-value augmentation over image regions: RandomGaussianBlur, RandomErasing.

Keras 3's arithmetic: each image is blurred (erased) with probability `U(factor)` (a single
number f draws it from `U(0, f)`); one blur sigma pair is drawn per call. Only the images
change; labels, boxes and masks pass through.
"""

from __future__ import annotations

import jax.numpy as jnp

from lamina import random
from lamina.layers.preprocessing.image_color_base import (ColorLayer, batch_size_of,
                                                          named_factor, per_image)

__all__ = ["RandomErasing", "RandomGaussianBlur"]

_FILL_VALUE_ERROR = "The `fill_value` argument should be a number (or a list of three numbers) "


def _kernel_size(size, name: str = "kernel_size") -> tuple:
    """Keras's rule: an odd number, or a pair of odd numbers."""
    error = f"{name} must be an odd number. Received: {name}={size}"
    if isinstance(size, (tuple, list)):
        if len(size) != 2:
            raise ValueError(f"The `{name}` argument should be a number (or a list of two "
                             f"numbers) Received: {name}={size}")
        if size[0] % 2 == 0 or size[1] % 2 == 0:
            raise ValueError(error)
        return tuple(size)
    if not isinstance(size, (int, float)) or size % 2 == 0:
        raise ValueError(error)
    return (size, size)


def _apply_draw(factor, size: int, seed):
    """Keras's per-image coin: `U(0, 1) < U(factor)`."""
    probability = random.uniform((size,), factor[0], factor[1], seed=seed)
    return random.uniform((size,), 0.0, 1.0, seed=seed) < probability


class RandomGaussianBlur(ColorLayer):
    """Blurs each image (probability `U(factor)`) with a Gaussian of sigma `U(sigma)`."""

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)
    _config_keys = ("factor", "kernel_size", "sigma", "value_range", "seed")

    def __init__(self, factor=1.0, kernel_size=3, sigma=1.0, value_range=(0, 255),
                 data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self._set_factor(factor)
        self.kernel_size = _kernel_size(kernel_size)
        self.sigma = named_factor(sigma, "sigma")
        self.value_range = value_range

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        seed = self._seed(seed)
        apply = _apply_draw(self.factor, batch_size_of(data), seed)
        sigma = random.uniform((2,), self.sigma[0], self.sigma[1], self.dtype, seed) + 1e-6
        return {"should_apply_blur": apply, "blur_factor": sigma}

    def transform_images(self, images, transformation=None, training=True):
        images = jnp.asarray(images, self.dtype)
        if not training or transformation is None:
            return images
        from lamina.ops import image as image_ops  # noqa: PLC0415
        blurred = image_ops.gaussian_blur(images, kernel_size=self.kernel_size,
                                          sigma=transformation["blur_factor"],
                                          data_format=self.data_format)
        images = jnp.where(per_image(transformation["should_apply_blur"]), blurred, images)
        return jnp.clip(images, self.value_range[0], self.value_range[1]).astype(self.dtype)


class RandomErasing(ColorLayer):
    """Fills a random box of each image (probability `U(factor)`, area `U(scale)`) with
    `fill_value`, or with Gaussian noise scaled to `value_range` when it is None."""

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)
    _config_keys = ("factor", "scale", "fill_value", "value_range", "seed")

    def __init__(self, factor=1.0, scale=(0.02, 0.33), fill_value=None, value_range=(0, 255),
                 seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self._set_factor(factor)
        self.scale = named_factor(scale, "scale")
        valid = fill_value is None or (isinstance(fill_value, (int, float)) and not isinstance(
            fill_value, bool)) or (isinstance(fill_value, (tuple, list)) and len(fill_value) == 3)
        if not valid:
            raise ValueError(_FILL_VALUE_ERROR + f"Received: fill_value={fill_value}")
        self.fill_value = fill_value
        self.value_range = value_range

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = data["images"] if isinstance(data, dict) else data
        size, seed = batch_size_of(data), self._seed(seed)
        h_axis, w_axis = self._height_width_axes(jnp.ndim(images))
        height, width = jnp.shape(images)[h_axis], jnp.shape(images)[w_axis]
        ratios = jnp.sqrt(random.uniform((size, 2), self.scale[0], self.scale[1], self.dtype,
                                         seed))
        x0, x1 = self._span(size, width, ratios[:, 0], seed)
        y0, y1 = self._span(size, height, ratios[:, 1], seed)
        grid_y = jnp.arange(height, dtype=self.dtype)[:, None]
        grid_x = jnp.arange(width, dtype=self.dtype)[None, :]
        box = ((grid_x >= x0[:, None, None]) & (grid_x < x1[:, None, None])
               & (grid_y >= y0[:, None, None]) & (grid_y < y1[:, None, None]))
        channel = -1 if self.data_format == "channels_last" else 1
        masks = jnp.broadcast_to(jnp.expand_dims(box, channel), jnp.shape(images))
        return {"apply_erasing": _apply_draw(self.factor, size, seed), "batch_masks": masks,
                "fill_value": self._fill(images, seed)}

    def _span(self, size: int, length: int, ratio, seed) -> tuple:
        """Keras's `_compute_crop_bounds`: a random [start, end) of `ratio * length`."""
        crop = (ratio * length).astype(self.dtype)
        start = random.uniform((size,), 0, 1, self.dtype, seed) * (length - crop)
        return start, start + crop

    def _fill(self, images, seed):
        shape = jnp.shape(images)
        if self.fill_value is None:
            fill = random.normal(shape, dtype=self.dtype, seed=seed) * self.value_range[1]
        else:
            fill = jnp.asarray(self.fill_value, self.dtype)
            if fill.ndim and self.data_format == "channels_first":
                fill = fill[:, None, None]  # Keras fails here; per-channel fill is meant
            fill = jnp.broadcast_to(fill, shape)
        return jnp.clip(fill, self.value_range[0], self.value_range[1])

    def transform_images(self, images, transformation=None, training=True):
        images = jnp.asarray(images, self.dtype)
        if not training:
            return images
        erased = jnp.where(transformation["batch_masks"], transformation["fill_value"], images)
        return jnp.where(per_image(transformation["apply_erasing"]), erased, images)
