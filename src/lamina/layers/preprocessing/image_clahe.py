"""`ContrastLimitedAdaptiveHistogramEqualization` (Keras 3's CLAHE layer).

Each image is cut into `tile_grid_size` tiles; every tile's per-channel 256-bin histogram is
clipped at `clip_limit` times the mean bin count (the excess spread evenly), turned into a
normalised CDF, and each pixel is mapped through the CDFs of its four nearest tiles, blended
bilinearly so that tile borders do not show. Deterministic: applied in training and inference,
as Keras does.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from lamina.layers.preprocessing.image_base import BaseImagePreprocessingLayer

__all__ = ["ContrastLimitedAdaptiveHistogramEqualization"]


def _tile_cdfs(tiles, clip_limit: float, tile_pixels: int):
    """Clipped, normalised CDFs `(..., 256)` of the int pixel values `tiles` `(..., n)`."""
    hists = jnp.sum(jax.nn.one_hot(tiles, 256, dtype="float32"), axis=-2)
    if clip_limit > 0:
        clipped = jnp.clip(hists, 0, clip_limit * tile_pixels / 256.0)
        hists = clipped + jnp.sum(hists - clipped, axis=-1, keepdims=True) / 256.0
    cdf = jnp.cumsum(hists, axis=-1)
    cdf_min = jnp.min(cdf, axis=-1, keepdims=True)
    denominator = jnp.float32(tile_pixels) - cdf_min
    denominator = jnp.where(denominator == 0, 1.0, denominator)
    return jnp.clip((cdf - cdf_min) * 255.0 / denominator, 0, 255)


def _neighbours(size: int, tile: int, grid: int):
    """Per row (or column): the two neighbouring tile indices (in the edge-padded grid) and
    the weight of the second."""
    position = (jnp.arange(size, dtype="float32") - tile / 2.0) / tile + 1.0
    low = jnp.floor(position)
    weight = position - low
    low_idx = jnp.clip(low, 0, grid + 1).astype("int32")
    high_idx = jnp.clip(low + 1.0, 0, grid + 1).astype("int32")
    return low_idx, high_idx, weight


def clahe(images, clip_limit: float, tile_grid_size) -> jax.Array:
    """CLAHE of a channels-last batch `images` with values in [0, 255]."""
    batch, height, width, channels = images.shape
    grid_h, grid_w = tile_grid_size
    tile_h, tile_w = -(-height // grid_h), -(-width // grid_w)
    pad_h, pad_w = tile_h * grid_h - height, tile_w * grid_w - width
    padded = jnp.pad(images, [(0, 0), (0, pad_h), (0, pad_w), (0, 0)], mode="symmetric")
    tiled = padded.reshape(batch, grid_h, tile_h, grid_w, tile_w, channels)
    tiled = tiled.transpose(0, 1, 3, 5, 2, 4).reshape(
        batch, grid_h, grid_w, channels, tile_h * tile_w)
    cdfs = _tile_cdfs(jnp.clip(tiled.astype("int32"), 0, 255), clip_limit, tile_h * tile_w)
    cdfs = jnp.pad(cdfs, [(0, 0), (1, 1), (1, 1), (0, 0), (0, 0)], mode="edge")
    y0, y1, wy = _neighbours(tile_h * grid_h, tile_h, grid_h)
    x0, x1, wx = _neighbours(tile_w * grid_w, tile_w, grid_w)
    pixels = jnp.clip(padded, 0, 255).astype("int32")
    b = jnp.arange(batch)[:, None, None, None]
    c = jnp.arange(channels)[None, None, None, :]
    y0, y1, wy = y0[None, :, None, None], y1[None, :, None, None], wy[None, :, None, None]
    x0, x1, wx = x0[None, None, :, None], x1[None, None, :, None], wx[None, None, :, None]
    look = lambda y, x: cdfs[b, y, x, c, pixels]  # noqa: E731
    top = look(y0, x0) * (1.0 - wx) + look(y0, x1) * wx
    bottom = look(y1, x0) * (1.0 - wx) + look(y1, x1) * wx
    return (top * (1.0 - wy) + bottom * wy)[:, :height, :width, :]


class ContrastLimitedAdaptiveHistogramEqualization(BaseImagePreprocessingLayer):
    """Contrast Limited Adaptive Histogram Equalization of each image and channel."""

    _USE_BASE_FACTOR = False

    def __init__(self, value_range=(0, 255), clip_limit: float = 4.0,
                 tile_grid_size=(8, 8), data_format: str | None = None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.value_range = value_range
        self.clip_limit = clip_limit
        self.tile_grid_size = tile_grid_size

    def transform_images(self, images, transformation=None, training=True):
        images = jnp.asarray(images)
        original_dtype = images.dtype
        if self.data_format == "channels_first":
            images = jnp.moveaxis(images, -3, -1)
        images = self._transform_value_range(images, self.value_range, (0, 255))
        images = clahe(images, self.clip_limit, self.tile_grid_size)
        images = self._transform_value_range(images, (0, 255), self.value_range)
        images = images.astype(original_dtype)
        if self.data_format == "channels_first":
            images = jnp.moveaxis(images, -1, -3)
        return images

    def transform_labels(self, labels, transformation=None, training=True):
        return labels

    def transform_bounding_boxes(self, bounding_boxes, transformation=None, training=True):
        return bounding_boxes

    def transform_segmentation_masks(self, segmentation_masks, transformation=None,
                                     training=True):
        return segmentation_masks

    def get_config(self) -> dict:
        return {**super().get_config(), "value_range": self.value_range,
                "clip_limit": self.clip_limit, "tile_grid_size": self.tile_grid_size,
                "data_format": self.data_format}
