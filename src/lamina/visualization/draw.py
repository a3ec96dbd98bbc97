"""`draw_bounding_boxes` and `draw_segmentation_masks`: annotate a batch of images on the host
with NumPy, with the pixels of Keras's `keras.visualization` functions (which use OpenCV for
the boxes; lamina reproduces its rectangles, see `raster.py`)."""

from __future__ import annotations

import numpy as np

from lamina import config
from lamina.visualization.raster import draw_text, rectangle_mask

__all__ = ["draw_bounding_boxes", "draw_segmentation_masks"]


def _batched_images(images, data_format: str | None) -> tuple[np.ndarray, bool]:
    """Images as a channels-last NumPy batch, and whether they came channels-first."""
    images = np.asarray(images)
    if images.ndim != 4:
        raise ValueError(f"`images` must be batched 4D tensor. Received: images.shape="
                         f"{images.shape}")
    channels_first = config.standardize_data_format(data_format) == "channels_first"
    return (np.transpose(images, (0, 2, 3, 1)) if channels_first else images), channels_first


def _to_uint8(images: np.ndarray) -> np.ndarray:
    """Keras's reading of pixel values: floats up to 1 are fractions, others 0..255."""
    if images.dtype.kind == "f" and images.size > 0:
        images = np.clip(images, 0, 1) * 255 if images.max() <= 1.0 else np.clip(images, 0, 255)
    return images.astype("uint8")


def _text_location(x: int, y: int, font_scale: float, thickness: int) -> tuple[int, int]:
    font_height = int(font_scale * 12)
    if y - 8 - 2 * font_height > 0:
        return x, y - 8
    return x + 3, y + 2 * font_height + thickness + 3


def _check_boxes(bounding_boxes) -> None:
    if not isinstance(bounding_boxes, dict):
        raise TypeError(f"`bounding_boxes` should be a dict. Received: bounding_boxes="
                        f"{bounding_boxes} of type {type(bounding_boxes)}")
    if "boxes" not in bounding_boxes or "labels" not in bounding_boxes:
        raise ValueError("`bounding_boxes` should be a dict containing 'boxes' and 'labels' "
                         f"keys. Received: bounding_boxes={bounding_boxes}")


def draw_bounding_boxes(images, bounding_boxes: dict, bounding_box_format: str,
                        class_mapping: dict | None = None, color=(128, 128, 128),
                        line_thickness: int = 2, text_thickness: int = 1,
                        font_scale: float = 1.0, data_format: str | None = None) -> np.ndarray:
    """Images (batch, height, width, channels) as uint8 with their boxes drawn.

    `bounding_boxes` holds `"boxes"` (batch, num_boxes, 4) in `bounding_box_format`,
    `"labels"` (batch, num_boxes) (boxes labelled -1 are skipped) and optionally
    `"confidences"`. Labels found in `class_mapping` are written above their box. Float
    images up to 1.0 are read as fractions, others as 0..255.
    """
    from lamina.utils.bounding_boxes import convert_format

    _check_boxes(bounding_boxes)
    images, channels_first = _batched_images(images, data_format)
    class_mapping, text_thickness = class_mapping or {}, text_thickness or line_thickness
    height, width = images.shape[1:3]
    boxes = np.asarray(convert_format(bounding_boxes["boxes"], bounding_box_format, "xyxy",
                                      height, width))
    labels = np.asarray(bounding_boxes["labels"])
    confidences = bounding_boxes.get("confidences")
    images = _to_uint8(images).copy()
    channels = images.shape[-1]  # OpenCV paints colour[c] into channel c, 0 past its end
    paint = np.asarray((list(color) + [0] * channels)[:channels], "uint8")
    for i, image in enumerate(images):
        for j, (box, label) in enumerate(zip(boxes[i].astype("int32"),
                                             labels[i].astype("int32"), strict=True)):
            if label == -1:
                continue
            x1, y1, x2, y2 = (int(v) for v in box)
            image[rectangle_mask((height, width), x1, y1, x2, y2, line_thickness)] = paint
            if int(label) in class_mapping:
                text = class_mapping[int(label)]
                if confidences is not None:
                    text = f"{text} | {np.asarray(confidences)[i][j]:.2f}"
                tx, ty = _text_location(x1, y1, font_scale, text_thickness)
                image[draw_text((height, width), text, tx, ty, font_scale,
                                text_thickness)] = paint
    return np.transpose(images, (0, 3, 1, 2)) if channels_first else images


def _palette(num_classes: int) -> list[list[int]]:
    palette = np.array([2 ** 25 - 1, 2 ** 15 - 1, 2 ** 21 - 1])
    return [((i * palette) % 255).tolist() for i in range(num_classes)]


def _class_masks(segmentation_masks, channels_first: bool) -> np.ndarray:
    """Integer masks (batch, height, width) from (batch, height, width[, 1]) (or
    (batch, 1, height, width) channels-first)."""
    masks = np.asarray(segmentation_masks)
    if not np.issubdtype(masks.dtype, np.integer):
        raise TypeError("`segmentation_masks` must be in integer dtype. Received: "
                        f"segmentation_masks.dtype={masks.dtype}")
    if masks.ndim == 4:
        masks = masks[:, 0] if channels_first else masks[..., 0]
    return masks


def draw_segmentation_masks(images, segmentation_masks, num_classes: int | None = None,
                            color_mapping: dict | None = None, alpha: float = 0.8,
                            blend: bool = True, ignore_index: int = -1,
                            data_format: str | None = None) -> np.ndarray:
    """Images with each pixel of class c (0 <= c < `num_classes`) painted in its colour
    (`color_mapping[c]`, or Keras's default palette), blended with weight `alpha`.

    Returns uint8 images with `blend` (pixels of class `ignore_index` left as they were),
    else the painted float32 images. Channels-first input gives channels-first output.
    """
    images, channels_first = _batched_images(images, data_format)
    images = images.astype("float32")
    masks = _class_masks(segmentation_masks, channels_first)
    if num_classes is None:
        num_classes = int(masks.max())
    colors = _palette(num_classes) if color_mapping is None else [
        color_mapping[i] for i in range(num_classes)]
    painted = images.copy()
    for c, color in enumerate(colors):
        painted[masks == c] = np.asarray(color, "float32")
    if blend:
        mixed = images * (1 - alpha) + painted * alpha
        painted = np.where((masks != ignore_index)[..., None], mixed, images).astype("uint8")
    return np.transpose(painted, (0, 3, 1, 2)) if channels_first else painted
