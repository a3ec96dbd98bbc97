"""Bounding-box steps of the geometric augmentation layers, on top of the public
`lamina.utils.bounding_boxes` (the one implementation of Keras's box arithmetic).

`convert_format` and `clip_to_image_size` are re-exported from there. They load on first use:
`import lamina` imports the layers but defers `lamina.utils`.
"""

from __future__ import annotations

import importlib

import jax.numpy as jnp

__all__: list[str] = []

_PUBLIC = ("affine_transform", "clip_to_image_size", "convert_format")


def _public():
    return importlib.import_module("lamina.utils.bounding_boxes")


def __getattr__(name: str):
    if name in _PUBLIC:
        return getattr(_public(), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def rotate_boxes(boxes, angle, height, width):
    """`xyxy` boxes (batch, n, 4) turned by `angle` degrees (batch,) about the image centre:
    the bounding box of the turned corners (Keras's RandomRotation box path)."""
    angle = jnp.asarray(angle)
    zeros = jnp.zeros_like(angle)
    return _public().affine_transform(boxes, angle, zeros, zeros, jnp.ones_like(angle), zeros,
                                      zeros, height, width)


def shear_boxes(boxes, shear_factor):
    """Relative `xyxy` boxes (batch, n, 4) under the shears (batch, 2) (Keras's arithmetic:
    each side moves by the shear at the far end of the other axis)."""
    sx, sy = jnp.split(jnp.asarray(shear_factor, boxes.dtype), 2, axis=-1)
    x1, y1, x2, y2 = (boxes[..., i] for i in range(4))
    x1 = jnp.where(sx < 0, x1 - sx * y1, x1 - sx * y2)
    x2 = jnp.where(sx < 0, x2 - sx * y2, x2 - sx * y1)
    y1 = jnp.where(sy > 0, y1 - sy * x2, y1 - sy * x1)
    y2 = jnp.where(sy > 0, y2 - sy * x1, y2 - sy * x2)
    return jnp.stack([x1, y1, x2, y2], axis=-1)


def window_boxes(bounding_boxes: dict, start, end, height, width, fmt: str) -> dict:
    """Absolute `xyxy` boxes re-expressed inside the window start=(x, y) .. end=(x, y)
    (each (batch, 1)), clipped to it, and returned in `fmt` of the (height, width) image
    (Keras's RandomZoom box path)."""
    boxes_lib = _public()
    (w_start, h_start), (w_end, h_end) = start, end
    boxes = bounding_boxes["boxes"]
    if boxes.ndim == 3:
        w_start, h_start, w_end, h_end = (v[..., None] for v in (w_start, h_start, w_end,
                                                                  h_end))
    x1, y1, x2, y2 = jnp.split(boxes, 4, axis=-1)
    boxes = jnp.concatenate([jnp.clip(x1, w_start, w_end) - w_start,
                             jnp.clip(y1, h_start, h_end) - h_start,
                             jnp.clip(x2, w_start, w_end) - w_start,
                             jnp.clip(y2, h_start, h_end) - h_start], axis=-1)
    window_h, window_w = h_end - h_start, w_end - w_start
    bounding_boxes = boxes_lib.convert_format(dict(bounding_boxes, boxes=boxes), "xyxy",
                                              "rel_xyxy", window_h, window_w)
    bounding_boxes = boxes_lib.clip_to_image_size(bounding_boxes, window_h, window_w,
                                                  "rel_xyxy")
    return boxes_lib.convert_format(bounding_boxes, "rel_xyxy", fmt, height, width)
