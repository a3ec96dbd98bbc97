"""Preprocessing layers: Rescaling, CenterCrop, Resizing.

Images resize through `jax.image.resize` without antialiasing, as Keras's JAX backend does, so
outputs agree with Keras's to float rounding.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from lamina import config, errors
from lamina.layers.base import Layer

__all__ = ["CenterCrop", "Rescaling", "Resizing"]

INTERPOLATIONS = ("bilinear", "nearest", "lanczos3", "lanczos5", "bicubic")


class Rescaling(Layer):
    """`inputs * scale + offset`; a per-channel `scale` follows `image_data_format()`."""

    supports_masking = True

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale, self.offset = scale, offset
        self.built = True

    def call(self, inputs):
        scale = jnp.asarray(self.scale, self.dtype)
        if scale.ndim > 0 and config.image_data_format() == "channels_first":
            scale = jnp.reshape(scale, scale.shape + (1,) * (3 - scale.ndim))
        return inputs.astype(self.dtype) * scale + jnp.asarray(self.offset, self.dtype)

    def compute_output_shape(self, input_shape) -> tuple:
        return tuple(input_shape)

    def get_config(self) -> dict:
        return {**super().get_config(), "scale": _plain(self.scale),
                "offset": _plain(self.offset)}


class _ImageLayer(Layer):
    """Shared base: height/width targets, data_format, and the (height, width) axes."""

    def __init__(self, height: int, width: int, data_format: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.height, self.width = int(height), int(width)
        self.data_format = data_format or config.image_data_format()
        if self.data_format not in ("channels_last", "channels_first"):
            raise errors.ConfigError(errors.message(
                "got an unknown data_format.", where=errors.layer_label(self),
                expected="'channels_last' or 'channels_first'", got=f"data_format={data_format!r}"))
        self.built = True

    def _hw_axes(self, ndim: int) -> tuple[int, int]:
        if ndim not in (3, 4):
            raise errors.ShapeError(errors.message(
                "expects images.", where=errors.layer_label(self),
                expected="a batch (batch, height, width, channels) or one image (rank 3)",
                got=f"rank {ndim}", fix="Reshape your data to images, e.g. x[..., None]."))
        return (ndim - 2, ndim - 1) if self.data_format == "channels_first" else (ndim - 3,
                                                                                 ndim - 2)

    def compute_output_shape(self, input_shape) -> tuple:
        h, w = self._hw_axes(len(input_shape))
        shape = list(input_shape)
        shape[h], shape[w] = self.height, self.width
        return tuple(shape)

    def get_config(self) -> dict:
        return {**super().get_config(), "height": self.height, "width": self.width,
                "data_format": self.data_format}


class CenterCrop(_ImageLayer):
    """Crop the central `height` x `width` window; smaller images are cropped to the target's
    aspect ratio and resized (bilinear) instead, as Keras does."""

    def call(self, inputs):
        x = inputs.astype(self.dtype)
        h, w = self._hw_axes(x.ndim)
        dh, dw = x.shape[h] - self.height, x.shape[w] - self.width
        if dh >= 0 and dw >= 0:
            return _crop(x, (h, w), (dh // 2, dw // 2), (self.height, self.width))
        x = crop_to_aspect(x, (h, w), (self.height, self.width))
        return resize(x, (h, w), (self.height, self.width), "bilinear")


class Resizing(_ImageLayer):
    """Resize images to `height` x `width` with `jax.image.resize`, optionally cropping or
    padding to the target aspect ratio first."""

    def __init__(self, height: int, width: int, interpolation: str = "bilinear",
                 crop_to_aspect_ratio: bool = False, pad_to_aspect_ratio: bool = False,
                 fill_mode: str = "constant", fill_value: float = 0.0, antialias: bool = False,
                 data_format: str | None = None, **kwargs):
        super().__init__(height, width, data_format, **kwargs)
        if interpolation not in INTERPOLATIONS:
            raise errors.unknown_name("interpolation", interpolation, INTERPOLATIONS)
        if crop_to_aspect_ratio and pad_to_aspect_ratio or fill_mode != "constant":
            raise errors.ConfigError(errors.message(
                "got incompatible resizing options.", where=errors.layer_label(self),
                got=f"crop_to_aspect_ratio={crop_to_aspect_ratio}, pad_to_aspect_ratio="
                f"{pad_to_aspect_ratio}, fill_mode={fill_mode!r}",
                fix="Use at most one of crop/pad_to_aspect_ratio, and fill_mode='constant'."))
        self.interpolation, self.antialias = interpolation, bool(antialias)
        self.crop_to_aspect_ratio = bool(crop_to_aspect_ratio)
        self.pad_to_aspect_ratio = bool(pad_to_aspect_ratio)
        self.fill_mode, self.fill_value = fill_mode, fill_value

    def call(self, inputs):
        x = inputs.astype(self.dtype)
        axes, size = self._hw_axes(x.ndim), (self.height, self.width)
        if self.crop_to_aspect_ratio:
            x = crop_to_aspect(x, axes, size)
        elif self.pad_to_aspect_ratio:
            x = pad_to_aspect(x, axes, size, self.fill_value)
        outputs = resize(x, axes, size, self.interpolation, self.antialias)
        if jnp.issubdtype(inputs.dtype, jnp.integer):  # Keras gives integer images back
            info = jnp.iinfo(inputs.dtype)
            outputs = jnp.clip(jnp.round(outputs), info.min, info.max).astype(inputs.dtype)
        return outputs

    def get_config(self) -> dict:
        return {**super().get_config(), "interpolation": self.interpolation,
                "crop_to_aspect_ratio": self.crop_to_aspect_ratio,
                "pad_to_aspect_ratio": self.pad_to_aspect_ratio, "fill_mode": self.fill_mode,
                "fill_value": self.fill_value, "antialias": self.antialias}


def resize(x, axes, size, method: str, antialias: bool = False):
    """`jax.image.resize` of the (height, width) `axes` of `x` to `size`."""
    shape = list(x.shape)
    shape[axes[0]], shape[axes[1]] = size
    return jax.image.resize(x, tuple(shape), method=method, antialias=antialias)


def crop_to_aspect(x, axes, size):
    """The largest central window of `x` with the aspect ratio of `size` (Keras's rounding)."""
    (height, width), (th, tw) = (x.shape[axes[0]], x.shape[axes[1]]), size
    crop_h = max(min(height, int(float(width * th) / tw)), 1)
    crop_w = max(min(width, int(float(height * tw) / th)), 1)
    start = (int(float(height - crop_h) / 2), int(float(width - crop_w) / 2))
    return _crop(x, axes, start, (crop_h, crop_w))


def pad_to_aspect(x, axes, size, fill_value):
    """Pad `x` equally on both sides of one axis towards the aspect ratio of `size`."""
    (height, width), (th, tw) = (x.shape[axes[0]], x.shape[axes[1]]), size
    pad_h = int(float(max(height, int(float(width * th) / tw)) - height) / 2)
    pad_w = int(float(max(width, int(float(height * tw) / th)) - width) / 2)
    pads = [(0, 0)] * x.ndim
    if pad_h > 0:
        pads[axes[0]] = (pad_h, pad_h)
    elif pad_w > 0:
        pads[axes[1]] = (pad_w, pad_w)
    return jnp.pad(x, pads, constant_values=fill_value)


def _crop(x, axes, start, size):
    index = [slice(None)] * x.ndim
    for axis, s, n in zip(axes, start, size):
        index[axis] = slice(s, s + n)
    return x[tuple(index)]


def _plain(value):
    return np.asarray(value).tolist() if isinstance(value, (np.ndarray, jax.Array)) else value
