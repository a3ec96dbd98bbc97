"""Boxes moved with their image: `clip_to_image_size`, `crop`, `pad` and `affine_transform`
(the bounding box of the four warped corners), with Keras's arithmetic. Boxes are absolute
`xyxy` unless a function says otherwise.
"""

from __future__ import annotations

import math

import jax.numpy as jnp

from lamina import config

__all__ = ["affine_transform", "clip_to_image_size", "crop", "pad"]


def _xyxy_only(bounding_box_format: str, function: str) -> None:
    if bounding_box_format != "xyxy":
        raise NotImplementedError(
            f"{function}() takes `xyxy` boxes; convert others first with "
            f"`convert_format`. Received: bounding_box_format={bounding_box_format!r}")


def _clip_box_sides(boxes, width, height):
    x1, y1, x2, y2 = jnp.split(boxes, 4, axis=-1)
    return jnp.concatenate([jnp.clip(x1, 0, width), jnp.clip(y1, 0, height),
                            jnp.clip(x2, 0, width), jnp.clip(y2, 0, height)], axis=-1)


def clip_to_image_size(bounding_boxes: dict, height=None, width=None,
                       bounding_box_format: str = "xyxy") -> dict:
    """Clips `bounding_boxes["boxes"]` to the image ([0, width] x [0, height] for `"xyxy"`,
    [0, 1] for `"rel_xyxy"`); the labels of boxes left without area become -1.

    Returns a new dict; `boxes` may be (N, 4) or (batch, N, 4) with labels (N,) / (batch, N).
    """
    if bounding_box_format not in ("xyxy", "rel_xyxy"):
        raise NotImplementedError(
            "clip_to_image_size() takes 'xyxy' or 'rel_xyxy' boxes; convert others first "
            f"with `convert_format`. Received: bounding_box_format={bounding_box_format!r}")
    if bounding_box_format == "xyxy" and (height is None or width is None):
        raise ValueError("`height` and `width` must be set if `format='xyxy'`. "
                         f"Received: height={height}, width={width}")
    boxes = jnp.asarray(bounding_boxes["boxes"])
    if bounding_box_format == "xyxy":
        boxes = _clip_box_sides(boxes, jnp.asarray(width, boxes.dtype),
                                jnp.asarray(height, boxes.dtype))
    else:
        boxes = _clip_box_sides(boxes, 1.0, 1.0)
    result = dict(bounding_boxes, boxes=boxes)
    if bounding_boxes.get("labels") is not None:
        x1, y1, x2, y2 = jnp.split(boxes, 4, axis=-1)
        area = ((x2 - x1) * (y2 - y1))[..., 0]
        result["labels"] = jnp.where(area > 0, jnp.asarray(bounding_boxes["labels"]), -1)
    return result


def crop(boxes, top, left, height, width, bounding_box_format: str = "xyxy"):
    """Boxes of the crop `height` x `width` whose top-left corner is (`top`, `left`):
    shifted by (-left, -top) and clipped to the crop.

    Example:

        >>> crop(np.array([[10., 20., 50., 60.]]), top=10, left=20, height=40, width=30)
        Array([[ 0., 10., 30., 40.]], dtype=float32)
    """
    _xyxy_only(bounding_box_format, "crop")
    shifted = pad(boxes, -jnp.asarray(top), -jnp.asarray(left))
    return _clip_box_sides(shifted, width, height)


def pad(boxes, top, left, height=None, width=None, bounding_box_format: str = "xyxy"):
    """Boxes of the image padded by `top` rows and `left` columns: shifted by (left, top).
    `height` and `width` are accepted for Keras's signature and not used."""
    _xyxy_only(bounding_box_format, "pad")
    x1, y1, x2, y2 = jnp.split(jnp.asarray(boxes), 4, axis=-1)
    return jnp.concatenate([x1 + left, y1 + top, x2 + left, y2 + top], axis=-1)


def _inverse_affine_rows(center_x, center_y, angle, translate_x, translate_y, scale, shear_x,
                         shear_y, height, width):
    """Rows (batch, 2, 3) that map output pixels to input pixels (torchvision's and Keras's
    inverse affine matrix: rotation and shear in degrees about the centre fraction)."""
    deg = math.pi / 180.0
    cx, cy = center_x * (width - 1), center_y * (height - 1)
    rot, sx, sy = -angle * deg, -shear_x * deg, -shear_y * deg
    tx, ty = -translate_x * (width - 1), -translate_y * (height - 1)
    cos_sy, tan_sx, rot_minus_sy = jnp.cos(sy), jnp.tan(sx), rot - sy
    a = jnp.cos(rot_minus_sy) / cos_sy
    b = a * tan_sx + jnp.sin(rot)
    c = -jnp.sin(rot_minus_sy) / cos_sy
    d = jnp.cos(rot) - c * tan_sx
    a0, a1, b0, b1 = d * scale, -b * scale, -c * scale, a * scale
    a2 = cx - a0 * (cx + tx) - a1 * (cy + ty)
    b2 = cy - b0 * (cx + tx) - b1 * (cy + ty)
    return jnp.stack([jnp.stack([a0, a1, a2], -1), jnp.stack([b0, b1, b2], -1)], 1)


def affine_transform(boxes, angle, translate_x, translate_y, scale, shear_x, shear_y, height,
                     width, center_x=None, center_y=None, bounding_box_format: str = "xyxy"):
    """Each box becomes the bounding box of its four corners under the affine transform
    (rotation `angle` and shears in degrees, translations as fractions of the image size,
    `scale`, about the centre (`center_x`, `center_y`), fractions, default 0.5).

    `boxes` is (batch, N, 4) with each parameter a (batch,) array, or (N, 4) with scalars.
    """
    _xyxy_only(bounding_box_format, "affine_transform")
    angle = jnp.asarray(angle)
    if not jnp.issubdtype(angle.dtype, jnp.floating):
        angle = angle.astype(config.floatx())
    boxes = jnp.asarray(boxes)
    unbatched = boxes.ndim == 2
    params = [jnp.atleast_1d(jnp.asarray(v, angle.dtype)) for v in (
        angle, translate_x, translate_y, scale, shear_x, shear_y)]
    centre = [0.5 if v is None else v for v in (center_x, center_y)]
    rows = _inverse_affine_rows(*centre, *params, height, width)
    boxes = boxes[None] if unbatched else boxes
    x1, y1, x2, y2 = (boxes[..., i].astype(rows.dtype) for i in range(4))
    corners = jnp.stack([jnp.stack([x1, y1], -1), jnp.stack([x2, y1], -1),
                         jnp.stack([x2, y2], -1), jnp.stack([x1, y2], -1)], axis=2)
    corners = jnp.concatenate([corners, jnp.ones_like(corners[..., :1])], axis=-1)
    moved = jnp.einsum("bnxy,byz->bnxz", corners, jnp.swapaxes(rows, 1, 2))
    out = jnp.concatenate([moved.min(axis=2), moved.max(axis=2)], axis=-1)
    return out[0] if unbatched else out
