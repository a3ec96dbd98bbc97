"""Keras 3's `ops.image` essentials: resize and colour conversion."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from lamina import config

__all__ = ["resize", "rgb_to_grayscale"]

_METHODS = {"bilinear": "linear", "nearest": "nearest", "bicubic": "cubic",
            "lanczos3": "lanczos3", "lanczos5": "lanczos5"}


def resize(images, size, interpolation: str = "bilinear", antialias: bool = False,
           crop_to_aspect_ratio: bool = False, pad_to_aspect_ratio: bool = False,
           fill_mode: str = "constant", fill_value: float = 0.0, data_format=None):
    """Resize (batches of) images to `size` = (height, width) with `jax.image.resize`."""
    if crop_to_aspect_ratio or pad_to_aspect_ratio:
        raise NotImplementedError("ops.image.resize: crop/pad_to_aspect_ratio are not supported "
                                  "here; use layers.Resizing, which supports both.")
    last = (data_format or config.image_data_format()) == "channels_last"
    images = jnp.asarray(images)
    h_axis = images.ndim - 3 if last else images.ndim - 2
    shape = list(images.shape)
    shape[h_axis:h_axis + 2] = list(size)
    return jax.image.resize(images, shape, _METHODS[interpolation], antialias=antialias)


def rgb_to_grayscale(images, data_format=None):
    last = (data_format or config.image_data_format()) == "channels_last"
    weights = jnp.array([0.2989, 0.5870, 0.1140], dtype=jnp.asarray(images).dtype)
    axis = -1 if last else -3
    gray = jnp.tensordot(images, weights, axes=[[axis], [0]])
    return jnp.expand_dims(gray, axis)
