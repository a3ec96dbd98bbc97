"""Keras 3's `ops.image`: resizing, cropping/padding, colour spaces, filters and warps.

Filters and patches live in `ops.image_filters`, geometric warps in `ops.image_geometry`;
this namespace re-exports both. Images are (batch,) height, width, channels, or channels first.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from lamina.ops.convolution import _to_channels_last
from lamina.ops.image_filters import *  # noqa: F401,F403
from lamina.ops.image_filters import __all__ as _filter_names
from lamina.ops.image_filters import _check_rank
from lamina.ops.image_geometry import *  # noqa: F401,F403
from lamina.ops.image_geometry import __all__ as _geometry_names

__all__ = sorted([*_filter_names, *_geometry_names, "crop_images", "hsv_to_rgb", "pad_images",
                  "resize", "rgb_to_grayscale", "rgb_to_hsv"])

_METHODS = {"bilinear": "linear", "nearest": "nearest", "bicubic": "cubic",
            "lanczos3": "lanczos3", "lanczos5": "lanczos5"}


def _hw_axes(images, data_format) -> tuple[int, int]:
    """Indices of the height and width axes."""
    h = images.ndim - 3 if _to_channels_last(data_format) else images.ndim - 2
    return h, h + 1


def _channel_axis(data_format) -> int:
    return -1 if _to_channels_last(data_format) else -3


def resize(images, size, interpolation: str = "bilinear", antialias: bool = False,
           crop_to_aspect_ratio: bool = False, pad_to_aspect_ratio: bool = False,
           fill_mode: str = "constant", fill_value: float = 0.0, data_format=None):
    """Resize (batches of) images to `size` = (height, width) with `jax.image.resize`.

    `crop_to_aspect_ratio` first takes the largest centred crop of the target aspect ratio;
    `pad_to_aspect_ratio` first pads evenly with `fill_value` to it.
    """
    if interpolation not in _METHODS:
        raise ValueError(f"`interpolation` must be one of {tuple(_METHODS)}. "
                         f"Received: {interpolation}")
    if fill_mode != "constant":
        raise ValueError(f"Only fill_mode='constant' is supported. Received: {fill_mode}")
    if crop_to_aspect_ratio and pad_to_aspect_ratio:
        raise ValueError("Only one of `pad_to_aspect_ratio` & `crop_to_aspect_ratio` can be "
                         "`True`.")
    images = _check_rank(images, 4)
    h_axis, w_axis = _hw_axes(images, data_format)
    height, width = images.shape[h_axis], images.shape[w_axis]
    target_h, target_w = size
    fit_h, fit_w = int(width * target_h / target_w), int(height * target_w / target_h)
    if crop_to_aspect_ratio:
        crop_h, crop_w = max(min(height, fit_h), 1), max(min(width, fit_w), 1)
        images = jax.lax.slice_in_dim(images, (height - crop_h) // 2,
                                      (height - crop_h) // 2 + crop_h, axis=h_axis)
        images = jax.lax.slice_in_dim(images, (width - crop_w) // 2,
                                      (width - crop_w) // 2 + crop_w, axis=w_axis)
    elif pad_to_aspect_ratio:
        pad_h, pad_w = (max(height, fit_h) - height) // 2, (max(width, fit_w) - width) // 2
        pads = [(0, 0)] * images.ndim
        if pad_h > 0:
            pads[h_axis] = (pad_h, pad_h)
        elif pad_w > 0:
            pads[w_axis] = (pad_w, pad_w)
        images = jnp.pad(images, pads, constant_values=fill_value)
    shape = list(images.shape)
    shape[h_axis], shape[w_axis] = target_h, target_w
    return jax.image.resize(images, shape, _METHODS[interpolation], antialias=antialias)


def rgb_to_grayscale(images, data_format=None):
    """ITU-R 601 luma, keeping a channel axis of size 1 and the input dtype."""
    images = _check_rank(images, 4)
    axis = _channel_axis(data_format)
    if images.shape[axis] == 1:
        return images
    compute = images.astype(jnp.promote_types(images.dtype, jnp.float32))
    weights = jnp.array([0.2989, 0.5870, 0.1140], dtype=compute.dtype)
    gray = jnp.tensordot(compute, weights, axes=[[axis], [0]])
    return jnp.expand_dims(gray, axis).astype(images.dtype)


def _float_images(images, data_format) -> tuple:
    images = _check_rank(images, 4)
    if not jnp.issubdtype(images.dtype, jnp.floating):
        raise ValueError(f"Invalid images dtype: expected float. Received: {images.dtype}")
    return images, _channel_axis(data_format)


def _planes(images, axis: int) -> list:
    return [jnp.take(images, i, axis=axis) for i in range(3)]


def rgb_to_hsv(images, data_format=None):
    """RGB in [0, 1] to hue, saturation, value in [0, 1] (as dm_pix and Keras)."""
    images, axis = _float_images(images, data_format)
    images = jnp.where(jnp.abs(images) < jnp.finfo(images.dtype).eps, 0.0, images)
    r, g, b = _planes(images, axis)
    value = jnp.maximum(jnp.maximum(r, g), b)
    spread = value - jnp.minimum(jnp.minimum(r, g), b)
    saturation = jnp.where(value > 0, spread / jnp.where(value > 0, value, 1.0), 0.0)
    norm = 1.0 / (6.0 * jnp.where(spread > 0, spread, 1.0))
    hue = jnp.where(value == g, norm * (b - r) + 2.0 / 6.0, norm * (r - g) + 4.0 / 6.0)
    hue = jnp.where(value == r, norm * (g - b), hue)
    hue = jnp.where(spread > 0, hue, 0.0) + (hue < 0.0).astype(hue.dtype)
    return jnp.stack([hue, saturation, value], axis=axis)


def hsv_to_rgb(images, data_format=None):
    """Inverse of `rgb_to_hsv`."""
    images, axis = _float_images(images, data_format)
    hue, saturation, value = _planes(images, axis)
    dh = jnp.mod(hue, 1.0) * 6.0
    weights = (jnp.clip(jnp.abs(dh - 3.0) - 1.0, 0.0, 1.0),
               jnp.clip(2.0 - jnp.abs(dh - 2.0), 0.0, 1.0),
               jnp.clip(2.0 - jnp.abs(dh - 4.0), 0.0, 1.0))
    return jnp.stack([value * (1.0 - saturation + saturation * w) for w in weights], axis=axis)


def _edges(before, after, target, length: int, names: tuple, grow: int) -> tuple[int, int]:
    """Two of (before, after, target) given: the (before, after) amounts, checked >= 0.

    `grow` is 1 when padding (target = length + before + after), -1 when cropping.
    """
    if [before, after, target].count(None) != 1:
        raise ValueError(f"Must specify exactly two of {', '.join(names)}. "
                         f"Received: {before}, {after}, {target}")
    if target is not None:
        total = grow * (target - length)
        before, after = (total - after, after) if before is None else (before, total - before)
    for name, value in zip(names, (before, after, target)):
        if value is not None and value < 0:
            raise ValueError(f"{name} must be >= 0. Received: {name}={value}")
    return before, after


def pad_images(images, top_padding=None, left_padding=None, bottom_padding=None,
               right_padding=None, target_height=None, target_width=None, data_format=None):
    """Zero-pad images; give two of top/bottom/target_height and two of left/right/width."""
    images = _check_rank(images, 4)
    h_axis, w_axis = _hw_axes(images, data_format)
    pads = [(0, 0)] * images.ndim
    pads[h_axis] = _edges(top_padding, bottom_padding, target_height, images.shape[h_axis],
                          ("top_padding", "bottom_padding", "target_height"), 1)
    pads[w_axis] = _edges(left_padding, right_padding, target_width, images.shape[w_axis],
                          ("left_padding", "right_padding", "target_width"), 1)
    return jnp.pad(images, pads)


def crop_images(images, top_cropping=None, left_cropping=None, bottom_cropping=None,
                right_cropping=None, target_height=None, target_width=None, data_format=None):
    """Crop images; give two of top/bottom/target_height and two of left/right/width."""
    images = _check_rank(images, 4)
    for axis, (before, after, target, names) in zip(_hw_axes(images, data_format), (
            (top_cropping, bottom_cropping, target_height,
             ("top_cropping", "bottom_cropping", "target_height")),
            (left_cropping, right_cropping, target_width,
             ("left_cropping", "right_cropping", "target_width")))):
        length = images.shape[axis]
        before, after = _edges(before, after, target, length, names, -1)
        images = jax.lax.slice_in_dim(images, before, length - after, axis=axis)
    return images
