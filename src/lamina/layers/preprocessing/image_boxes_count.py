"""`MaxNumBoundingBoxes` (Keras 3's): pads or truncates the boxes of a bounding-box dict to a
fixed count, so that batches of detection targets have one static shape."""

from __future__ import annotations

import jax.numpy as jnp

from lamina.layers.preprocessing.image_base import BaseImagePreprocessingLayer

__all__ = ["MaxNumBoundingBoxes"]


def _pad_or_truncate(values, max_number: int, fill_value: int):
    """`values` `(batch, num, ...)` cut to `max_number` along axis 1, padded with `fill_value`."""
    values = jnp.asarray(values)[:, :max_number]
    pad = max(max_number - values.shape[1], 0)
    widths = [(0, 0), (0, pad)] + [(0, 0)] * (values.ndim - 2)
    return jnp.pad(values, widths, constant_values=jnp.asarray(fill_value, values.dtype))


class MaxNumBoundingBoxes(BaseImagePreprocessingLayer):
    """Ensure the maximum number of bounding boxes: `boxes` become `(batch, max_number, 4)`
    and `labels` `(batch, max_number)`, extra boxes dropped and missing ones filled with
    `fill_value`. Images, labels and masks pass through unchanged."""

    _USE_BASE_FACTOR = False

    def __init__(self, max_number: int, fill_value: int = -1, **kwargs):
        super().__init__(**kwargs)
        self.max_number = int(max_number)
        self.fill_value = int(fill_value)

    def transform_images(self, images, transformation=None, training=True):
        return images

    def transform_labels(self, labels, transformation=None, training=True):
        return labels

    def transform_segmentation_masks(self, segmentation_masks, transformation=None,
                                     training=True):
        return segmentation_masks

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        bounding_boxes = dict(bounding_boxes)
        for key in ("boxes", "labels"):
            bounding_boxes[key] = _pad_or_truncate(bounding_boxes[key], self.max_number,
                                                   self.fill_value)
        return bounding_boxes

    def compute_output_shape(self, input_shape):
        if isinstance(input_shape, dict) and "bounding_boxes" in input_shape:
            boxes_shape = input_shape["bounding_boxes"]
            extra_keys = set(boxes_shape) - {"boxes", "labels"}
            if extra_keys:
                raise KeyError(f"There are unsupported keys in `bounding_boxes`: "
                               f"{list(extra_keys)}. Only `boxes` and `labels` are supported.")
            input_shape = {**input_shape, "bounding_boxes": {
                key: [shape[0], self.max_number, *shape[2:]]
                for key, shape in boxes_shape.items()}}
        return input_shape

    def get_config(self) -> dict:
        # Keras leaves `fill_value` out of its config; it is kept here so that it round-trips.
        return {**super().get_config(), "max_number": self.max_number,
                "fill_value": self.fill_value}
