"""Keras 3's geometric image ops (part of `ops.image`): warps by interpolated resampling.

The warps are jitted (one compilation per configuration when called eagerly).
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np

from lamina.ops.convolution import _to_channels_last
from lamina.ops.image_filters import _as_batch, gaussian_blur
from lamina.ops.image_resample import resample

__all__ = ["affine_transform", "elastic_transform", "map_coordinates",
           "perspective_transform", "scale_and_translate"]

_ORDERS = {"nearest": 0, "bilinear": 1}
_FILL_MODES = ("constant", "nearest", "wrap", "mirror", "reflect")
_SCALE_METHODS = ("linear", "bilinear", "trilinear", "cubic", "bicubic", "tricubic",
                  "lanczos3", "lanczos5")


def _order(interpolation: str) -> int:
    if interpolation not in _ORDERS:
        raise ValueError(f"`interpolation` must be one of {tuple(_ORDERS)}. "
                         f"Received: interpolation={interpolation}")
    return _ORDERS[interpolation]


def _check_fill_mode(fill_mode: str) -> None:
    if fill_mode not in _FILL_MODES:
        raise ValueError(f"`fill_mode` must be one of {_FILL_MODES}. Received: {fill_mode}")


def map_coordinates(inputs, coordinates, order: int, fill_mode: str = "constant",
                    fill_value=0.0):
    """`inputs` sampled at `coordinates` (one row of positions per input axis)."""
    inputs, coordinates = jnp.asarray(inputs), jnp.asarray(coordinates)
    if coordinates.ndim < 2 or coordinates.shape[0] != inputs.ndim:
        raise ValueError(f"`coordinates` needs rank >= 2 and one leading entry per input "
                         f"axis. Received: inputs {inputs.shape}, coordinates "
                         f"{coordinates.shape}")
    _check_fill_mode(fill_mode)
    if order not in (0, 1):
        raise ValueError(f"`order` must be 0 or 1. Received: order={order}")
    return jax.scipy.ndimage.map_coordinates(inputs, coordinates, order, fill_mode, fill_value)


def _resample(images, rows, cols, order: int, fill_mode: str, fill_value, last: bool):
    """Every channel of batch item b sampled at (rows[b], cols[b]) (both (batch, H, W))."""
    planes = images if last else jnp.moveaxis(images, 1, -1)
    out = resample(planes, rows, cols, order, fill_mode, fill_value)
    return out if last else jnp.moveaxis(out, -1, 1)


def affine_transform(images, transform, interpolation: str = "bilinear",
                     fill_mode: str = "constant", fill_value=0, data_format=None):
    """Warp by `transform` [a0, a1, a2, b0, b1, b2, c0, c1] (one, or one per image).

    Output pixel (x, y) samples the input at ((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k),
    k = c0 x + c1 y + 1. (Keras 3.15's JAX backend agrees when c0 = c1 = 0; it misuses
    c0, c1 otherwise.)
    """
    order = _order(interpolation)
    _check_fill_mode(fill_mode)
    images, restore = _as_batch(images)
    transform = jnp.asarray(transform)
    if transform.ndim not in (1, 2):
        raise ValueError(f"Invalid transform rank: expected 1 or 2. Received: {transform.shape}")
    return restore(_affine(images, transform, order, fill_mode, float(fill_value),
                           _to_channels_last(data_format)))


@functools.partial(jax.jit, static_argnums=(2, 3, 4, 5))
def _affine(images, transform, order: int, fill_mode: str, fill_value, last: bool):
    t = jnp.broadcast_to(transform, (images.shape[0], 8)).T[:, :, None, None]
    h_axis = 1 if last else 2
    y, x = jnp.meshgrid(jnp.arange(images.shape[h_axis]), jnp.arange(images.shape[h_axis + 1]),
                        indexing="ij")
    k = t[6] * x + t[7] * y + 1.0
    cols, rows = (t[0] * x + t[1] * y + t[2]) / k, (t[3] * x + t[4] * y + t[5]) / k
    return _resample(images, rows, cols, order, fill_mode, fill_value, last)


@jax.jit
def _homography(start_points, end_points):
    """The 8 projective coefficients mapping each `end_points` quad onto `start_points`."""
    (sx, sy), (ex, ey) = jnp.moveaxis(start_points, -1, 0), jnp.moveaxis(end_points, -1, 0)
    zeros, ones = jnp.zeros_like(ex), jnp.ones_like(ex)
    x_rows = jnp.stack([ex, ey, ones, zeros, zeros, zeros, -sx * ex, -sx * ey], axis=-1)
    y_rows = jnp.stack([zeros, zeros, zeros, ex, ey, ones, -sy * ex, -sy * ey], axis=-1)
    system = jnp.concatenate([x_rows, y_rows], axis=-2)
    return jnp.linalg.solve(system, jnp.concatenate([sx, sy], axis=-1)[..., None])[..., 0]


def perspective_transform(images, start_points, end_points, interpolation: str = "bilinear",
                          fill_value=0, data_format=None):
    """Warp so that the quad `start_points` (4, 2) (x, y) lands on `end_points`."""
    start_points = jnp.asarray(start_points, "float32")
    end_points = jnp.asarray(end_points, "float32")
    if start_points.shape != end_points.shape or start_points.shape[-2:] != (4, 2) \
            or start_points.ndim not in (2, 3):
        raise ValueError(f"start_points and end_points must both be (4, 2) or (N, 4, 2). "
                         f"Received: {start_points.shape}, {end_points.shape}")
    return affine_transform(images, _homography(start_points, end_points), interpolation,
                            "constant", fill_value, data_format)


def scale_and_translate(images, output_shape, scale, translation, spatial_dims, method: str,
                        antialias: bool = True):
    """`jax.image.scale_and_translate` under Keras's argument order."""
    if method not in _SCALE_METHODS:
        raise ValueError(f"`method` must be one of {_SCALE_METHODS}. Received: {method}")
    return jax.image.scale_and_translate(jnp.asarray(images), output_shape, spatial_dims,
                                         jnp.asarray(scale), jnp.asarray(translation), method,
                                         antialias)


def _keras_key(seed):
    """Keras's key for an integer seed ([seed, 0]); otherwise lamina's `draw_key`."""
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        return jnp.array([int(seed) & 0xFFFFFFFF, 0], dtype=jnp.uint32)
    from lamina.random import draw_key

    return draw_key(seed)


def elastic_transform(images, alpha: float = 20.0, sigma: float = 5.0,
                      interpolation: str = "bilinear", fill_mode: str = "reflect",
                      fill_value=0.0, seed=None, data_format=None):
    """Displace pixels by Gaussian-blurred noise (std `sigma`, scaled by `alpha`).

    An integer `seed` draws the same noise as Keras 3's JAX backend (which, like this op,
    uses one field for both the x and y displacement).
    """
    return elastic_displace(images, _keras_key(seed), alpha, sigma, int(6 * float(sigma)) | 1,
                            interpolation, fill_mode, fill_value, data_format)


def elastic_displace(images, key, alpha, sigma, kernel_size: int,
                     interpolation: str = "bilinear", fill_mode: str = "reflect",
                     fill_value=0.0, data_format=None):
    """`elastic_transform` from a key, with the blur's `kernel_size` given, so that `alpha`
    and `sigma` may be traced values (augmentation layers draw them inside the step)."""
    order = _order(interpolation)
    _check_fill_mode(fill_mode)
    images, restore = _as_batch(images)
    return restore(_elastic(images, key, alpha, sigma, int(kernel_size), order, fill_mode,
                            float(fill_value), _to_channels_last(data_format)))


@functools.partial(jax.jit, static_argnums=(4, 5, 6, 7, 8))
def _elastic(images, key, alpha, sigma, size: int, order: int, fill_mode: str, fill_value,
             last: bool):
    height, width = images.shape[1:3] if last else images.shape[2:]
    noise = jax.random.normal(key, (images.shape[0], height, width), images.dtype) * sigma
    axis = -1 if last else 1
    noise = gaussian_blur(jnp.expand_dims(noise, axis), (size, size), (sigma, sigma),
                          "channels_last" if last else "channels_first")
    shift = alpha * jnp.squeeze(noise, axis)
    y, x = jnp.meshgrid(jnp.arange(height), jnp.arange(width), indexing="ij")
    out = _resample(images, y + shift, x + shift, order, fill_mode, fill_value, last)
    return out.astype(images.dtype)
