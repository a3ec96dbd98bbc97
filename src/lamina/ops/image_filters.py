"""Keras 3's image filters and patches (part of `ops.image`): blur, Sobel, SSIM, patches."""

from __future__ import annotations

import functools
import math
from typing import Callable

import jax
import jax.numpy as jnp
import numpy as np

from lamina.ops.convolution import _spatial, _to_channels_last, conv, depthwise_conv

__all__ = ["extract_patches", "extract_patches_3d", "gaussian_blur", "sobel_edges", "ssim"]


def _check_rank(images, rank: int):
    """`images` as an array of rank `rank` (a batch) or `rank - 1` (one image)."""
    images = jnp.asarray(images)
    if images.ndim not in (rank - 1, rank):
        raise ValueError(f"Invalid images rank: expected rank {rank - 1} (single image) or "
                         f"{rank} (batch of images). Received shape: {images.shape}")
    return images


def _as_batch(images, rank: int = 4) -> tuple[jnp.ndarray, Callable]:
    """(batched images, function undoing the batching on a result)."""
    images = _check_rank(images, rank)
    if images.ndim == rank:
        return images, lambda out: out
    return images[None], lambda out: out[0]


def _gaussian(size: int, sigma, dtype):
    x = jnp.arange(size, dtype=dtype) - jnp.asarray((size - 1) / 2, dtype)
    weights = jnp.exp(-0.5 * jnp.square(x / jnp.asarray(sigma, dtype)))
    return weights / jnp.sum(weights)


def _filter(images, kernel, last: bool, padding: str = "same"):
    """Convolve every channel of a batch with the same 2-D `kernel`."""
    channels = images.shape[-1 if last else 1]
    kernel = jnp.tile(kernel[:, :, None, None], (1, 1, channels, 1))
    return depthwise_conv(images, kernel.astype(images.dtype), 1, padding,
                          "channels_last" if last else "channels_first")


def gaussian_blur(images, kernel_size=(3, 3), sigma=(1.0, 1.0), data_format=None):
    """Blur with a Gaussian kernel ('same' padding).

    As in Keras, `kernel_size[0]` / `sigma[0]` act along the width and `[1]` along the
    height. Unlike Keras 3.15 (which then treats images as channels-first),
    `data_format=None` means `config.image_data_format()`.
    """
    images, restore = _as_batch(images)
    return restore(_blur(images, tuple(kernel_size), jnp.asarray(sigma, images.dtype),
                         _to_channels_last(data_format)))


@functools.partial(jax.jit, static_argnums=(1, 3))
def _blur(images, kernel_size: tuple, sigma, last: bool):
    kernel = jnp.outer(_gaussian(kernel_size[1], sigma[1], images.dtype),
                       _gaussian(kernel_size[0], sigma[0], images.dtype))
    return _filter(images, kernel, last)


_SOBEL = np.array([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])


def sobel_edges(images, data_format=None):
    """Sobel gradients of each channel: (..., 2), the last axis holding (dy, dx)."""
    images, restore = _as_batch(images)
    last = _to_channels_last(data_format)
    edges = [_filter(images, jnp.asarray(k), last) for k in (_SOBEL.T, _SOBEL)]
    return restore(jnp.stack(edges, axis=-1))


def ssim(image1, image2, max_val: float = 1.0, filter_size: int = 11,
         filter_sigma: float = 1.5, k1: float = 0.01, k2: float = 0.03, data_format=None):
    """Structural similarity of two images (or batches), averaged over pixels and channels."""
    image1, restore = _as_batch(image1)
    image2, _ = _as_batch(image2)
    compute = jnp.promote_types(image1.dtype, jnp.float32)
    value = _ssim(image1.astype(compute), image2.astype(compute), filter_size, filter_sigma,
                  (k1 * max_val) ** 2, (k2 * max_val) ** 2, _to_channels_last(data_format))
    return restore(value).astype(image1.dtype)


@functools.partial(jax.jit, static_argnums=(2, 6))
def _ssim(image1, image2, filter_size: int, filter_sigma, c1, c2, last: bool):
    window = _gaussian(filter_size, filter_sigma, image1.dtype)
    kernel = jnp.outer(window, window)

    def mean(x):
        return _filter(x, kernel, last, "valid")

    mu1, mu2 = mean(image1), mean(image2)
    var1 = mean(image1 * image1) - mu1 * mu1
    var2 = mean(image2 * image2) - mu2 * mu2
    covariance = mean(image1 * image2) - mu1 * mu2
    ssim_map = ((2.0 * mu1 * mu2 + c1) * (2.0 * covariance + c2)
                / ((mu1 * mu1 + mu2 * mu2 + c1) * (var1 + var2 + c2)))
    return jnp.mean(ssim_map, axis=(1, 2, 3))


def _patches(images, size, strides, dilation_rate, padding: str, data_format, rank: int):
    """Each patch flattened into the channel axis, by a convolution with a one-hot kernel."""
    images, restore = _as_batch(images, rank + 2)
    size = _spatial(size, rank)
    channels = images.shape[-1 if _to_channels_last(data_format) else 1]
    depth = math.prod(size) * channels
    kernel = jnp.reshape(jnp.eye(depth, dtype=images.dtype), (*size, channels, depth))
    return restore(conv(images, kernel, strides or size, padding, data_format, dilation_rate))


def extract_patches(images, size, strides=None, dilation_rate=1, padding: str = "valid",
                    data_format=None):
    """Image patches of `size` (int or (h, w); a 3-tuple extracts volume patches)."""
    rank = 3 if not isinstance(size, int) and len(size) == 3 else 2
    return _patches(images, size, strides, dilation_rate, padding, data_format, rank)


def extract_patches_3d(volumes, size, strides=None, dilation_rate=1, padding: str = "valid",
                       data_format=None):
    """Volume patches of `size` (int or (d, h, w)) from (batch,) depth, height, width, channels."""
    return _patches(volumes, size, strides, dilation_rate, padding, data_format, 3)
