"""The shared path of Keras's affine augmentation layers (RandomRotation, RandomZoom,
RandomTranslation, RandomShear): argument checks, Keras's affine matrix, and one
`transform_images` that warps with `ops.image.affine_transform` (masks with `nearest`).

A transform is Keras's 8-vector per image, [a0, a1, a2, b0, b1, b2, c0, c1]: output pixel
(x, y) samples the input at (a0 x + a1 y + a2, b0 x + b1 y + b2).
"""

from __future__ import annotations

import math

import jax.numpy as jnp

from lamina.layers.preprocessing.image_base import BaseImagePreprocessingLayer

__all__: list[str] = []

SUPPORTED_FILL_MODE = ("reflect", "wrap", "constant", "nearest")
SUPPORTED_INTERPOLATION = ("nearest", "bilinear")


def check_fill_and_interpolation(fill_mode: str, interpolation: str) -> None:
    """Keras's checks (and its NotImplementedError texts) for the two warp options."""
    if fill_mode not in SUPPORTED_FILL_MODE:
        raise NotImplementedError(f"Unknown `fill_mode` {fill_mode}. Expected of one "
                                  f"{SUPPORTED_FILL_MODE}.")
    if interpolation not in SUPPORTED_INTERPOLATION:
        raise NotImplementedError(f"Unknown `interpolation` {interpolation}. Expected of one "
                                  f"{SUPPORTED_INTERPOLATION}.")


def named_factor(factor, name: str, error: str, in_range) -> tuple[float, float]:
    """Keras's per-argument factor parsing: a number f -> (-f, f), or a sorted pair.

    `in_range(value)` says whether one number is allowed; `error` is the layer's message prefix.
    """
    if isinstance(factor, (tuple, list)):
        if len(factor) != 2:
            raise ValueError(error + f"Received: {name}={factor}")
        for value in factor:
            _check_number(value, error, in_range)
        lower, upper = sorted(factor)
    elif isinstance(factor, (int, float)) and not isinstance(factor, bool):
        _check_number(factor, error, in_range)
        factor = abs(factor)
        lower, upper = -factor, factor
    else:
        raise ValueError(error + f"Received: {name}={factor}")
    return lower, upper


def _check_number(value, error: str, in_range) -> None:
    if not in_range(value):
        raise ValueError(error + f"Received: input_number={value}")


def image_size(shape, data_format: str) -> tuple[int, int]:
    """(height, width) of a batch or single image of `shape`."""
    if data_format == "channels_first":
        return shape[-2], shape[-1]
    return shape[-3], shape[-2]


def compute_affine_matrix(center_x, center_y, angle, translate_x, translate_y, scale, shear_x,
                          shear_y, height, width):
    """Keras's `_compute_affine_matrix`: (batch, 8) transforms rotating by `angle` degrees
    (and shearing by `shear_x/y` degrees) about the relative centre (center_x, center_y)."""
    to_radians = math.pi / 180.0
    angle = jnp.asarray(angle)
    angle, shear_x, shear_y = angle * to_radians, shear_x * to_radians, shear_y * to_radians
    cx = center_x * (jnp.asarray(width, angle.dtype) - 1)
    cy = center_y * (jnp.asarray(height, angle.dtype) - 1)
    cos, sin = jnp.cos(angle), jnp.sin(angle)
    shear_x, shear_y = jnp.tan(shear_x), jnp.tan(shear_y)
    a0 = scale * (cos + shear_x * sin)
    a1 = scale * (-sin + shear_x * cos)
    a2 = translate_x + cx - cx * a0 - cy * a1
    b0 = scale * (shear_y * cos + sin)
    b1 = scale * (shear_y * -sin + cos)
    b2 = translate_y + cy - cx * b0 - cy * b1
    zeros = jnp.zeros_like(a0)
    return jnp.stack([a0, a1, a2, b0, b1, b2, zeros, zeros], axis=1)


def split_transform(transform):
    """The eight (batch, 1) columns of a (batch, 8) transform."""
    return jnp.split(jnp.asarray(transform), 8, axis=-1)


def transformed_point(x, y, transform):
    """Where Keras's `get_transformed_x_y` sends (x, y) under `transform` (batch, 1) each."""
    a0, a1, a2, b0, b1, b2, c0, c1 = split_transform(transform)
    k = c0 * x + c1 * y + 1
    return (a0 * x + a1 * y + a2) / k, (b0 * x + b1 * y + b2) / k


class WarpingLayer(BaseImagePreprocessingLayer):
    """A layer that moves pixels: images warp with the layer's interpolation, segmentation
    masks with `nearest` (so classes stay integers); subclasses write `_warp`."""

    def transform_images(self, images, transformation, training: bool = True):
        images = jnp.asarray(images).astype(self.dtype)
        if training and transformation is not None:
            images = self._warp(images, transformation, self.interpolation)
        return images

    def transform_segmentation_masks(self, segmentation_masks, transformation,
                                     training: bool = True):
        masks = jnp.asarray(segmentation_masks)
        if training and transformation is not None:
            masks = self._warp(masks, transformation, "nearest")
        return masks

    def _warp(self, images, transformation, interpolation: str):
        raise NotImplementedError


class AffineImageLayer(WarpingLayer):
    """Base of the layers that warp each image by its own affine matrix.

    Subclasses draw the transformation and write `transform_matrix(transformation, shape)`.
    """

    _USE_BASE_FACTOR = False

    def __init__(self, fill_mode: str = "reflect", interpolation: str = "bilinear",
                 seed: int | None = None, fill_value: float = 0.0,
                 data_format: str | None = None, factor=None, **kwargs):
        super().__init__(factor=factor, data_format=data_format, seed=seed, **kwargs)
        check_fill_and_interpolation(fill_mode, interpolation)
        self.fill_mode, self.interpolation = fill_mode, interpolation
        self.fill_value = fill_value

    def transform_matrix(self, transformation, shape):
        """(batch, 8) transforms for images of `shape` (batched)."""
        raise NotImplementedError

    def _warp(self, images, transformation, interpolation: str):
        single = images.ndim == 3
        batch = images[None] if single else images
        from lamina.ops.image_geometry import affine_transform  # noqa: PLC0415
        out = affine_transform(batch, self.transform_matrix(transformation, batch.shape),
                               interpolation=interpolation, fill_mode=self.fill_mode,
                               fill_value=self.fill_value, data_format=self.data_format)
        return out[0] if single else out

    def get_config(self) -> dict:
        return {**super().get_config(), "fill_mode": self.fill_mode,
                "fill_value": self.fill_value, "interpolation": self.interpolation,
                "seed": self.seed}
