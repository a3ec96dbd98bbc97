"""Anchor-box encoding for detection heads: `encode_box_to_deltas` turns boxes into offsets
from anchors, `decode_deltas_to_boxes` turns a head's offsets back into boxes (Keras's
arithmetic, in `center_yxhw` or `center_xywh`)."""

from __future__ import annotations

import jax.numpy as jnp

from lamina import config
from lamina.utils.bounding_boxes.converters import convert_format

__all__ = ["decode_deltas_to_boxes", "encode_box_to_deltas"]

_CENTRE_FORMATS = ("center_xywh", "center_yxhw")


def _variance(variance):
    if variance is None:
        return None
    variance = jnp.asarray(variance, "float32")
    if variance.shape[-1:] != (4,):
        raise ValueError(f"`variance` must be length 4, got {variance}")
    return variance


def _image_size(image_shape):
    return (None, None) if image_shape is None else tuple(image_shape[:2])


def encode_box_to_deltas(anchors, boxes, anchor_format: str, box_format: str,
                         encoding_format: str = "center_yxhw", variance=None,
                         image_shape=None):
    """Offsets of `boxes` ((N, 4) or (batch, N, 4)) from `anchors` (N, 4): centre shifts in
    anchor sizes and log size ratios, in `encoding_format`, divided by `variance` if given.
    `image_shape` (height, width, channels) serves relative formats."""
    variance = _variance(variance)
    if encoding_format not in _CENTRE_FORMATS:
        raise ValueError("`encoding_format` should be one of 'center_xywh' or 'center_yxhw', "
                         f"got {encoding_format}")
    height, width = _image_size(image_shape)
    anchors = convert_format(anchors, anchor_format, encoding_format, height, width)
    boxes = convert_format(boxes, box_format, encoding_format, height, width)
    anchor_size = jnp.maximum(anchors[..., 2:], config.epsilon())
    box_size = jnp.maximum(boxes[..., 2:], config.epsilon())
    deltas = jnp.concatenate([(boxes[..., :2] - anchors[..., :2]) / anchor_size,
                              jnp.log(box_size / anchor_size)], axis=-1)
    return deltas if variance is None else deltas / variance


def decode_deltas_to_boxes(anchors, boxes_delta, anchor_format: str, box_format: str,
                           encoded_format: str = "center_yxhw", variance=None,
                           image_shape=None):
    """Boxes in `box_format` from a head's `boxes_delta` relative to `anchors`: the inverse
    of `encode_box_to_deltas`. Both may be dicts of levels (the same keys), as in Keras."""
    variance = _variance(variance)
    if encoded_format not in _CENTRE_FORMATS:
        raise ValueError("`encoded_format` should be 'center_xywh' or 'center_yxhw', but got "
                         f"'{encoded_format}'.")
    height, width = _image_size(image_shape)

    def decode_level(anchor, delta):
        anchor = convert_format(anchor, anchor_format, encoded_format, height, width)
        delta = jnp.asarray(delta) if variance is None else jnp.asarray(delta) * variance
        box = jnp.concatenate([delta[..., :2] * anchor[..., 2:] + anchor[..., :2],
                               jnp.exp(delta[..., 2:]) * anchor[..., 2:]], axis=-1)
        return convert_format(box, encoded_format, box_format, height, width)

    if isinstance(anchors, dict) and isinstance(boxes_delta, dict):
        return {level: decode_level(anchor, boxes_delta[level])
                for level, anchor in anchors.items()}
    return decode_level(anchors, boxes_delta)
