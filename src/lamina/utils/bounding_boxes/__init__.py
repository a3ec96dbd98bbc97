"""Bounding-box utilities, mirroring `keras.utils.bounding_boxes`: format conversion,
clipping, cropping, padding and affine warps of boxes, IoU / CIoU, and anchor deltas.

Boxes are arrays whose last axis holds 4 numbers in one of the formats listed in
`converters.SUPPORTED_FORMATS`; functions that take a dict read its `"boxes"` (and
`"labels"`) entries and return a new dict.
"""

from lamina.utils.bounding_boxes.converters import convert_format
from lamina.utils.bounding_boxes.deltas import decode_deltas_to_boxes, encode_box_to_deltas
from lamina.utils.bounding_boxes.geometry import affine_transform, clip_to_image_size, crop, pad
from lamina.utils.bounding_boxes.iou import compute_ciou, compute_iou

__all__ = ["affine_transform", "clip_to_image_size", "compute_ciou", "compute_iou",
           "convert_format", "crop", "decode_deltas_to_boxes", "encode_box_to_deltas", "pad"]
