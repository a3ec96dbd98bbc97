"""RandomFlip and RandomCrop (Keras 3's), with images, masks and bounding boxes.

The warping layers (RandomRotation, RandomZoom, RandomTranslation, RandomShear) live in
`image_geometric_warps.py` on the shared affine path, RandomPerspective in
`image_geometric_perspective.py`; this module exports them all.
"""

from __future__ import annotations

import random as py_random

import jax
import jax.numpy as jnp

from lamina import random
from lamina.layers.preprocessing import image_geometric_boxes as boxes_lib
from lamina.layers.preprocessing.image_base import BaseImagePreprocessingLayer
from lamina.layers.preprocessing.image_geometric_affine import image_size
from lamina.layers.preprocessing.image_geometric_perspective import *  # noqa: F401,F403
from lamina.layers.preprocessing.image_geometric_perspective import __all__ as _perspective
from lamina.layers.preprocessing.image_geometric_warps import *  # noqa: F401,F403
from lamina.layers.preprocessing.image_geometric_warps import __all__ as _warps
from lamina.layers.preprocessing.image_resizing import resize

__all__ = ["RandomCrop", "RandomFlip", *_perspective, *_warps]

HORIZONTAL, VERTICAL = "horizontal", "vertical"
HORIZONTAL_AND_VERTICAL = "horizontal_and_vertical"
_FLIP_MODES = (HORIZONTAL, VERTICAL, HORIZONTAL_AND_VERTICAL)


class RandomFlip(BaseImagePreprocessingLayer):
    """Flip each image left-right and/or top-bottom with probability 1/2 (training only)."""

    _USE_BASE_FACTOR = False

    def __init__(self, mode: str = HORIZONTAL_AND_VERTICAL, seed: int | None = None,
                 data_format: str | None = None, **kwargs):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        if mode not in _FLIP_MODES:
            raise ValueError(f"RandomFlip layer {self.name} received an unknown mode "
                             f"argument {mode}. Expected one of {_FLIP_MODES}.")
        self.mode = mode

    def get_random_transformation(self, data, training: bool = True, seed=None):
        if not training:
            return None
        images = data["images"] if isinstance(data, dict) else data
        shape = tuple(images.shape)
        flips_shape = (1, 1, 1) if len(shape) == 3 else (shape[0], 1, 1, 1)
        draws = random.uniform(flips_shape, seed=self.generator if seed is None else seed)
        return {"flips": draws <= 0.5, "input_shape": shape}

    def transform_images(self, images, transformation, training: bool = True):
        images = jnp.asarray(images).astype(self.dtype)
        if not training or transformation is None:
            return images
        flips = jnp.asarray(transformation["flips"])
        w_axis, h_axis = (-2, -3) if self.data_format == "channels_last" else (-1, -2)
        if images.ndim == 3 and flips.ndim == 4:
            flips = flips[0]
        if self.mode in (HORIZONTAL, HORIZONTAL_AND_VERTICAL):
            images = jnp.where(flips, jnp.flip(images, axis=w_axis), images)
        if self.mode in (VERTICAL, HORIZONTAL_AND_VERTICAL):
            images = jnp.where(flips, jnp.flip(images, axis=h_axis), images)
        return images

    def transform_bounding_boxes(self, bounding_boxes, transformation, training: bool = True):
        """Boxes mirrored in relative coordinates, clipped, and converted back (Keras's path)."""
        if not training or transformation is None:
            return bounding_boxes
        flips = jnp.squeeze(jnp.asarray(transformation["flips"]), axis=-1)
        height, width = image_size(transformation["input_shape"], self.data_format)
        fmt = self.bounding_box_format
        bounding_boxes = boxes_lib.convert_format(bounding_boxes, fmt, "rel_xyxy", height, width)
        x1, y1, x2, y2 = jnp.split(bounding_boxes["boxes"], 4, axis=-1)
        if self.mode in (HORIZONTAL, HORIZONTAL_AND_VERTICAL):
            x1, x2 = jnp.where(flips, 1 - x2, x1), jnp.where(flips, 1 - x1, x2)
        if self.mode in (VERTICAL, HORIZONTAL_AND_VERTICAL):
            y1, y2 = jnp.where(flips, 1 - y2, y1), jnp.where(flips, 1 - y1, y2)
        bounding_boxes = dict(bounding_boxes, boxes=jnp.concatenate([x1, y1, x2, y2], -1))
        # Keras clips the relative boxes as if absolute ("xyxy"): kept for equal numbers.
        bounding_boxes = boxes_lib.clip_to_image_size(bounding_boxes, height, width, "xyxy")
        return boxes_lib.convert_format(bounding_boxes, "rel_xyxy", fmt, height, width)

    def get_config(self) -> dict:
        return {**super().get_config(), "seed": self.seed, "mode": self.mode}


class RandomCrop(BaseImagePreprocessingLayer):
    """Crop the whole batch to `height` x `width` at one random place (training).

    At inference, and when an image is not larger than the target in both sides, the crop is
    the central window Keras computes (resized to the target when it comes out smaller), as
    Keras documents. (Keras 3.15 itself returns the input uncropped at inference, so a model's
    predict disagrees with its own output shape; lamina crops.)
    """

    _USE_BASE_FACTOR = False

    def __init__(self, height: int, width: int, seed: int | None = None,
                 data_format: str | None = None, name: str | None = None, **kwargs):
        super().__init__(data_format=data_format, seed=seed, name=name, **kwargs)
        self.height, self.width = height, width
        self.seed = seed if seed is not None else py_random.randint(1, int(1e9))
        self.height_axis, self.width_axis = ((-2, -1) if self.data_format == "channels_first"
                                             else (-3, -2))

    def get_random_transformation(self, data, training: bool = True, seed=None):
        images = data["images"] if isinstance(data, dict) else data
        in_height, in_width = images.shape[self.height_axis], images.shape[self.width_axis]
        if training and in_height > self.height and in_width > self.width:
            key = self.generator if seed is None else seed
            h_start = random.uniform((), 0, float(in_height - self.height + 1), seed=key)
            w_start = random.uniform((), 0, float(in_width - self.width + 1), seed=key)
            return h_start.astype("int32"), w_start.astype("int32")
        crop_height = max(min(in_height, int(float(in_width * self.height) / self.width)), 1)
        crop_width = max(min(in_width, int(float(in_height * self.width) / self.height)), 1)
        return (int(float(in_height - crop_height) / 2),
                int(float(in_width - crop_width) / 2))

    def transform_images(self, images, transformation, training: bool = True):
        images = jnp.asarray(images).astype(self.dtype)
        h_start, w_start = transformation
        size = {self.height_axis % images.ndim: self.height,
                self.width_axis % images.ndim: self.width}
        if isinstance(h_start, int) and isinstance(w_start, int):
            index = [slice(None)] * images.ndim
            for axis, start in zip(size, (h_start, w_start)):
                index[axis] = slice(start, start + size[axis])
            images = images[tuple(index)]
        else:
            starts = [0] * images.ndim
            starts[self.height_axis], starts[self.width_axis] = h_start, w_start
            sizes = [size.get(axis, n) for axis, n in enumerate(images.shape)]
            images = jax.lax.dynamic_slice(images, starts, sizes)
        if (images.shape[self.height_axis], images.shape[self.width_axis]) != (
                self.height, self.width):
            axes = tuple(sorted(size))
            images = resize(images, axes, (self.height, self.width), "bilinear")
        return images.astype(self.dtype)

    def transform_bounding_boxes(self, bounding_boxes, transformation, training: bool = True):
        """Keras's arithmetic, wart included: it shifts x by the crop's *row* offset and y by
        its column offset (and clips at 0 only); kept so that numbers match Keras's."""
        h_start, w_start = transformation
        fmt, height, width = self.bounding_box_format, self.height, self.width
        boxes = boxes_lib.convert_format(bounding_boxes["boxes"], fmt, "xyxy", height, width)
        h_start = jnp.asarray(h_start, boxes.dtype)
        w_start = jnp.asarray(w_start, boxes.dtype)
        shift = jnp.stack([h_start, w_start, h_start, w_start])
        boxes = jnp.maximum(boxes - shift, 0)
        boxes = boxes_lib.convert_format(boxes, "xyxy", fmt, height, width)
        return {"boxes": boxes, "labels": bounding_boxes["labels"]}

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        shape[self.height_axis], shape[self.width_axis] = self.height, self.width
        return tuple(shape)

    def get_config(self) -> dict:
        return {**super().get_config(), "height": self.height, "width": self.width,
                "seed": self.seed}
