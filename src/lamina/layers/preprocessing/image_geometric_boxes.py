"""Bounding-box helpers for the geometric augmentation layers, with Keras's arithmetic
(`keras.utils.bounding_boxes.convert_format` / `clip_to_image_size`): every format goes
through absolute `xyxy`.
"""

from __future__ import annotations

import math

import jax.numpy as jnp

__all__: list[str] = []

SUPPORTED_FORMATS = ("xyxy", "yxyx", "xywh", "center_xywh", "center_yxhw", "rel_xyxy",
                     "rel_yxyx", "rel_xywh", "rel_center_xywh")


def _join(*parts):
    return jnp.concatenate(parts, axis=-1)


def _to_xyxy(boxes, fmt: str, height, width):
    a, b, c, d = jnp.split(boxes, 4, axis=-1)
    if fmt == "xyxy":
        return boxes
    if fmt == "yxyx":
        return _join(b, a, d, c)
    if fmt == "xywh":
        return _join(a, b, a + c, b + d)
    if fmt in ("center_xywh", "center_yxhw"):
        cx, cy, w, h = (a, b, c, d) if fmt == "center_xywh" else (b, a, d, c)
        return _join(cx - w / 2.0, cy - h / 2.0, cx + w / 2.0, cy + h / 2.0)
    if fmt == "rel_xyxy":
        return _join(a * width, b * height, c * width, d * height)
    if fmt == "rel_yxyx":
        return _join(b * width, a * height, d * width, c * height)
    if fmt == "rel_xywh":
        return _join(a * width, b * height, (a + c) * width, (b + d) * height)
    return _join((a - c / 2.0) * width, (b - d / 2.0) * height, (a + c / 2.0) * width,
                 (b + d / 2.0) * height)  # rel_center_xywh


def _from_xyxy(boxes, fmt: str, height, width):
    x1, y1, x2, y2 = jnp.split(boxes, 4, axis=-1)
    w, h = x2 - x1, y2 - y1
    cx, cy = x1 + w / 2.0, y1 + h / 2.0
    table = {
        "xyxy": lambda: boxes, "yxyx": lambda: _join(y1, x1, y2, x2),
        "xywh": lambda: _join(x1, y1, w, h), "center_xywh": lambda: _join(cx, cy, w, h),
        "center_yxhw": lambda: _join(cy, cx, h, w),
        "rel_xyxy": lambda: _join(x1 / width, y1 / height, x2 / width, y2 / height),
        "rel_yxyx": lambda: _join(y1 / height, x1 / width, y2 / height, x2 / width),
        "rel_xywh": lambda: _join(x1 / width, y1 / height, w / width, h / height),
        "rel_center_xywh": lambda: _join(cx / width, cy / height, w / width, h / height),
    }
    return table[fmt]()


def convert_format(boxes, source: str, target: str, height=None, width=None,
                   dtype: str = "float32"):
    """`boxes` (..., 4) (or a dict holding them under "boxes") from `source` to `target`."""
    if isinstance(boxes, dict):
        return {**boxes, "boxes": convert_format(boxes["boxes"], source, target, height, width,
                                                 dtype)}
    boxes = jnp.asarray(boxes)
    if boxes.shape[-1] != 4:
        raise ValueError("`boxes` must be a tensor with the last dimension of 4. "
                         f"Received: boxes.shape={boxes.shape}")
    source, target = source.lower(), target.lower()
    if source not in SUPPORTED_FORMATS or target not in SUPPORTED_FORMATS:
        raise ValueError(f"Invalid source or target format. Supported formats: "
                         f"{SUPPORTED_FORMATS}")
    if (source.startswith("rel_") or target.startswith("rel_")) and (
            width is None or height is None):
        raise ValueError("convert_format() must receive `height` and `width` transforming "
                         f"between relative and absolute formats. Received: source={source}, "
                         f"target={target}, height={height}, width={width}.")
    boxes = boxes.astype(dtype)
    if source == target:
        return boxes
    height = None if height is None else jnp.asarray(height, dtype)
    width = None if width is None else jnp.asarray(width, dtype)
    if source.startswith("rel_") and target.startswith("rel_"):
        source, target = source[4:], target[4:]
    return _from_xyxy(_to_xyxy(boxes, source, height, width), target, height, width)


def clip_to_image_size(bounding_boxes: dict, height=None, width=None,
                       bounding_box_format: str = "xyxy") -> dict:
    """Boxes clipped to the image ([0, width] x [0, height], or [0, 1] for `rel_xyxy`);
    labels of boxes left with no area become -1, as in Keras."""
    boxes = jnp.asarray(bounding_boxes["boxes"])
    if bounding_box_format == "xyxy":
        high = [jnp.asarray(v, boxes.dtype) for v in (width, height, width, height)]
    elif bounding_box_format == "rel_xyxy":
        high = [1.0] * 4
    else:
        raise NotImplementedError(f"clip_to_image_size takes 'xyxy' or 'rel_xyxy'. "
                                  f"Received: bounding_box_format={bounding_box_format}")
    parts = jnp.split(boxes, 4, axis=-1)
    boxes = _join(*[jnp.clip(p, 0, h) for p, h in zip(parts, high)])
    result = dict(bounding_boxes, boxes=boxes)
    if bounding_boxes.get("labels") is not None:
        x1, y1, x2, y2 = jnp.split(boxes, 4, axis=-1)
        area = ((x2 - x1) * (y2 - y1))[..., 0]
        result["labels"] = jnp.where(area > 0, jnp.asarray(bounding_boxes["labels"]), -1)
    return result


def rotate_boxes(boxes, angle, height, width):
    """`xyxy` boxes (batch, n, 4) turned by `angle` degrees (batch,) about the image centre:
    the bounding box of the turned corners (Keras's `bounding_boxes.affine_transform` with no
    shift, scale or shear)."""
    rot = -jnp.asarray(angle) * (math.pi / 180.0)
    cos, sin = jnp.cos(rot), jnp.sin(rot)
    cx, cy = 0.5 * (width - 1), 0.5 * (height - 1)
    a0, a1, b0, b1 = cos, -sin, sin, cos
    a2, b2 = cx - a0 * cx - a1 * cy, cy - b0 * cx - b1 * cy
    rows = jnp.stack([jnp.stack([a0, a1, a2], -1), jnp.stack([b0, b1, b2], -1)], 1)
    boxes = jnp.asarray(boxes, rows.dtype)
    x1, y1, x2, y2 = (boxes[..., i] for i in range(4))
    corners = jnp.stack([jnp.stack([x1, y1], -1), jnp.stack([x2, y1], -1),
                         jnp.stack([x2, y2], -1), jnp.stack([x1, y2], -1)], axis=2)
    corners = jnp.concatenate([corners, jnp.ones_like(corners[..., :1])], axis=-1)
    moved = jnp.einsum("bnxy,byz->bnxz", corners, jnp.swapaxes(rows, 1, 2))
    return jnp.concatenate([moved.min(axis=2), moved.max(axis=2)], axis=-1)


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
    (w_start, h_start), (w_end, h_end) = start, end
    boxes = bounding_boxes["boxes"]
    if boxes.ndim == 3:
        w_start, h_start, w_end, h_end = (v[..., None] for v in (w_start, h_start, w_end,
                                                                  h_end))
    x1, y1, x2, y2 = jnp.split(boxes, 4, axis=-1)
    boxes = _join(jnp.clip(x1, w_start, w_end) - w_start, jnp.clip(y1, h_start, h_end) - h_start,
                  jnp.clip(x2, w_start, w_end) - w_start, jnp.clip(y2, h_start, h_end) - h_start)
    window_h, window_w = h_end - h_start, w_end - w_start
    bounding_boxes = convert_format(dict(bounding_boxes, boxes=boxes), "xyxy", "rel_xyxy",
                                    window_h, window_w)
    bounding_boxes = clip_to_image_size(bounding_boxes, window_h, window_w, "rel_xyxy")
    return convert_format(bounding_boxes, "rel_xyxy", fmt, height, width)
