"""`compute_iou` (a pairwise intersection-over-union table) and `compute_ciou` (Complete IoU
of matched boxes), with Keras's arithmetic and epsilon placement."""

from __future__ import annotations

import math

import jax.numpy as jnp

from lamina import config
from lamina.utils.bounding_boxes.converters import convert_format

__all__ = ["compute_ciou", "compute_iou"]


def _image_size(image_shape):
    return (None, None) if image_shape is None else tuple(image_shape[:2])


def _check_rank(name: str, rank1: int, rank2: int, rank: int) -> None:
    if rank not in (2, 3):
        raise ValueError(
            f"compute_iou() expects {name} to be batched, or to be unbatched. Received "
            f"len(boxes1.shape)={rank1}, len(boxes2.shape)={rank2}. Expected either "
            f"len({name}.shape)=2 AND or len({name}.shape)=3.")


def _area(boxes):
    return (boxes[..., 2] - boxes[..., 0]) * (boxes[..., 3] - boxes[..., 1])


def _intersection(boxes1, boxes2):
    """(…, N, M) overlaps of `yxyx` boxes (…, N, 4) and (…, M, 4)."""
    lo = jnp.maximum(boxes1[..., :, None, :2], boxes2[..., None, :, :2])
    hi = jnp.minimum(boxes1[..., :, None, 2:], boxes2[..., None, :, 2:])
    size = jnp.maximum(hi - lo, 0)
    return size[..., 0] * size[..., 1]


def compute_iou(boxes1, boxes2, bounding_box_format: str, use_masking: bool = False,
                mask_val=-1, image_shape=None):
    """The IoU of every box of `boxes1` (M, 4) or (batch, M, 4) with every box of `boxes2`
    (N, 4) or (batch, N, 4): an (M, N) or (batch, M, N) table.

    With `use_masking`, pairs where either box has all coordinates below 0 (padding) read
    `mask_val`. Relative formats need `image_shape` (height, width, channels).
    """
    boxes1, boxes2 = jnp.asarray(boxes1), jnp.asarray(boxes2)
    _check_rank("boxes1", boxes1.ndim, boxes2.ndim, boxes1.ndim)
    _check_rank("boxes2", boxes1.ndim, boxes2.ndim, boxes2.ndim)
    if "rel" in bounding_box_format and image_shape is None:
        raise ValueError("When using relative bounding box formats (e.g. `rel_yxyx`) the "
                         f"`image_shape` argument must be provided. Received `image_shape`: "
                         f"{image_shape}")
    height, width = _image_size(image_shape)
    boxes1 = convert_format(boxes1, bounding_box_format, "yxyx", height, width)
    boxes2 = convert_format(boxes2, bounding_box_format, "yxyx", height, width)
    intersection = _intersection(boxes1, boxes2)
    union = _area(boxes1)[..., :, None] + _area(boxes2)[..., None, :] - intersection
    iou = intersection / (union + config.epsilon())
    if not use_masking:
        return iou
    background = ((boxes1.max(axis=-1) < 0)[..., :, None]
                  | (boxes2.max(axis=-1) < 0)[..., None, :])
    return jnp.where(background, jnp.asarray(mask_val, iou.dtype), iou)


def compute_ciou(boxes1, boxes2, bounding_box_format: str, image_shape=None):
    """Complete IoU of each box in `boxes1` with the box at the same place in `boxes2`
    (shapes (..., 4) that broadcast): IoU less the normalised centre distance and the
    aspect-ratio term, as in Keras (a value in [-1, 1]; 1 for equal boxes)."""
    if "rel" in bounding_box_format and image_shape is None:
        raise ValueError("When using relative bounding box formats (e.g. `rel_yxyx`) the "
                         f"`image_shape` argument must be provided. Received `image_shape`: "
                         f"{image_shape}")
    height, width = _image_size(image_shape)
    eps = config.epsilon()
    x_min1, y_min1, x_max1, y_max1 = jnp.moveaxis(
        convert_format(boxes1, bounding_box_format, "xyxy", height, width), -1, 0)
    x_min2, y_min2, x_max2, y_max2 = jnp.moveaxis(
        convert_format(boxes2, bounding_box_format, "xyxy", height, width), -1, 0)
    width_1, height_1 = x_max1 - x_min1, y_max1 - y_min1 + eps
    width_2, height_2 = x_max2 - x_min2, y_max2 - y_min2 + eps
    intersection = (jnp.maximum(jnp.minimum(x_max1, x_max2) - jnp.maximum(x_min1, x_min2), 0)
                    * jnp.maximum(jnp.minimum(y_max1, y_max2) - jnp.maximum(y_min1, y_min2), 0))
    union = width_1 * height_1 + width_2 * height_2 - intersection + eps
    iou = intersection / (union + eps)
    convex_w = jnp.maximum(x_max1, x_max2) - jnp.minimum(x_min1, x_min2)
    convex_h = jnp.maximum(y_max1, y_max2) - jnp.minimum(y_min1, y_min2)
    diagonal_sq = convex_w ** 2 + convex_h ** 2 + eps
    centres_sq = (((x_min1 + x_max1) / 2 - (x_min2 + x_max2) / 2) ** 2
                  + ((y_min1 + y_max1) / 2 - (y_min2 + y_max2) / 2) ** 2)
    v = (4 / math.pi ** 2) * (jnp.arctan(width_2 / height_2)
                              - jnp.arctan(width_1 / height_1)) ** 2
    alpha = v / (v - iou + (1 + eps))
    return iou - (centres_sq / diagonal_sq + v * alpha)
