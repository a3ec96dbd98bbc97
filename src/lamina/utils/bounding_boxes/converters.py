"""`convert_format`: bounding boxes from one of Keras's nine formats to another.

Every conversion goes through absolute `xyxy` ([left, top, right, bottom]) with Keras's
arithmetic, so that the numbers equal `keras.utils.bounding_boxes.convert_format`'s.
"""

from __future__ import annotations

import jax.numpy as jnp

__all__ = ["SUPPORTED_FORMATS", "convert_format"]

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


def _check_formats(source: str, target: str, height, width) -> None:
    if source not in SUPPORTED_FORMATS or target not in SUPPORTED_FORMATS:
        raise ValueError(f"Invalid source or target format. Supported formats: "
                         f"{SUPPORTED_FORMATS}. Received: source={source!r}, target={target!r}")
    if (source.startswith("rel_") or target.startswith("rel_")) and (
            width is None or height is None):
        raise ValueError("convert_format() must receive `height` and `width` transforming "
                         f"between relative and absolute formats. Received: source={source}, "
                         f"target={target}, height={height}, width={width}.")


def convert_format(boxes, source: str, target: str, height=None, width=None,
                   dtype: str = "float32"):
    """Converts bounding boxes from format `source` to format `target` (case-insensitive).

    Formats: `"xyxy"` [left, top, right, bottom], `"yxyx"`, `"xywh"` [left, top, width,
    height], `"center_xywh"`, `"center_yxhw"`, and `"rel_xyxy"`, `"rel_yxyx"`, `"rel_xywh"`,
    `"rel_center_xywh"`: the same divided by the image `width` / `height` (which a conversion
    to or from a relative format needs).

    Args:
        boxes: array (..., 4), or a dict holding it under `"boxes"` (a new dict is returned,
            the argument is left as it was).
        source, target: format names.
        height, width: image size, for relative formats.
        dtype: dtype of the result.

    Example:

    >>> convert_format(np.array([[10, 20, 30, 40]]), "xyxy", "xywh")
    Array([[10., 20., 20., 20.]], dtype=float32)
    """
    if isinstance(boxes, dict):
        return {**boxes, "boxes": convert_format(boxes["boxes"], source, target, height, width,
                                                 dtype)}
    boxes = jnp.asarray(boxes)
    if boxes.ndim == 0 or boxes.shape[-1] != 4:
        raise ValueError("`boxes` must be a tensor with the last dimension of 4. "
                         f"Received: boxes.shape={boxes.shape}")
    source, target = source.lower(), target.lower()
    _check_formats(source, target, height, width)
    boxes = boxes.astype(dtype)
    if source == target:
        return boxes
    height = None if height is None else jnp.asarray(height, dtype)
    width = None if width is None else jnp.asarray(width, dtype)
    if source.startswith("rel_") and target.startswith("rel_"):
        source, target = source[4:], target[4:]
    return _from_xyxy(_to_xyxy(boxes, source, height, width), target, height, width)
