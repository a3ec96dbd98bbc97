"""RandomRotation, RandomZoom, RandomTranslation and RandomShear: Keras 3's affine warps.

Each draws one transformation per image (Keras's dict keys, so `transform_images` takes a
transformation made by Keras's layer too) and warps on the shared path of
`image_geometric_affine.AffineImageLayer`.
"""

from __future__ import annotations

import jax.numpy as jnp

from lamina import random
from lamina.layers.preprocessing import image_geometric_boxes as boxes_lib
from lamina.layers.preprocessing.image_geometric_affine import (AffineImageLayer,
                                                                 compute_affine_matrix,
                                                                 image_size, named_factor,
                                                                 transformed_point)

__all__ = ["RandomRotation", "RandomShear", "RandomTranslation", "RandomZoom"]


def _batch_size(data) -> int:
    images = data["images"] if isinstance(data, dict) else data
    return 1 if images.ndim == 3 else images.shape[0]


def _images_shape(data) -> tuple:
    return tuple((data["images"] if isinstance(data, dict) else data).shape)


class RandomRotation(AffineImageLayer):
    """Rotate each image by a random angle drawn from `factor` (fractions of a full turn;
    positive is counter-clockwise) about its centre."""

    _USE_BASE_FACTOR = True

    def __init__(self, factor, fill_mode: str = "reflect", interpolation: str = "bilinear",
                 seed: int | None = None, fill_value: float = 0.0,
                 data_format: str | None = None, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format,
                         factor=factor, **kwargs)

    def get_random_transformation(self, data, training: bool = True, seed=None):
        if not training:
            return None
        shape = _images_shape(data)
        batch = _batch_size(data)
        height, width = image_size(shape, self.data_format)
        angle = random.uniform((batch,), self.factor[0] * 360.0, self.factor[1] * 360.0,
                               seed=self.generator if seed is None else seed)
        zeros, ones = jnp.zeros([batch]), jnp.ones([batch])
        matrix = compute_affine_matrix(0.5, 0.5, angle, zeros, zeros, ones, zeros, zeros,
                                       height, width)
        return {"angle": angle, "rotation_matrix": matrix, "image_height": height,
                "image_width": width, "batch_size": batch}

    def transform_matrix(self, transformation, shape):
        return transformation["rotation_matrix"]

    def transform_bounding_boxes(self, bounding_boxes, transformation, training: bool = True):
        """Each box becomes the bounding box of its turned corners, clipped. As in Keras, the
        boxes are read as `xyxy` whatever `bounding_box_format` says, then written in it."""
        if not training or transformation is None:
            return bounding_boxes
        height, width = transformation["image_height"], transformation["image_width"]
        boxes = boxes_lib.rotate_boxes(bounding_boxes["boxes"], transformation["angle"],
                                       height, width)
        bounding_boxes = boxes_lib.clip_to_image_size(dict(bounding_boxes, boxes=boxes),
                                                      height, width, "xyxy")
        return boxes_lib.convert_format(bounding_boxes, "xyxy", self.bounding_box_format,
                                        height, width)

    def get_config(self) -> dict:
        return {**super().get_config(), "factor": self.factor}


_ZOOM_ERROR = ("The `height_factor` and `width_factor` arguments should be a number (or a "
               "list of two numbers) in the range (-1.0, 1.0]. ")


class RandomZoom(AffineImageLayer):
    """Zoom each image about its centre by 1 + a factor drawn from `height_factor` (and from
    `width_factor`, else the same zoom both ways); positive factors zoom out."""

    def __init__(self, height_factor, width_factor=None, fill_mode: str = "reflect",
                 interpolation: str = "bilinear", seed: int | None = None,
                 fill_value: float = 0.0, data_format: str | None = None, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)

        def in_range(value):
            return -1.0 < value <= 1.0

        self.height_factor, self.width_factor = height_factor, width_factor
        self.height_lower, self.height_upper = named_factor(height_factor, "height_factor",
                                                            _ZOOM_ERROR, in_range)
        if width_factor is not None:
            self.width_lower, self.width_upper = named_factor(width_factor, "width_factor",
                                                              _ZOOM_ERROR, in_range)

    def get_random_transformation(self, data, training: bool = True, seed=None):
        if not training:
            return None
        shape, key = (_batch_size(data), 1), self.generator if seed is None else seed
        height_zoom = random.uniform(shape, 1.0 + self.height_lower, 1.0 + self.height_upper,
                                     seed=key)
        width_zoom = height_zoom if self.width_factor is None else random.uniform(
            shape, 1.0 + self.width_lower, 1.0 + self.width_upper, seed=key)
        return {"height_zoom": height_zoom, "width_zoom": width_zoom,
                "input_shape": _images_shape(data)}

    def transform_matrix(self, transformation, shape):
        height, width = image_size(shape, self.data_format)
        zw = jnp.asarray(transformation["width_zoom"], "float32").reshape(-1, 1)
        zh = jnp.asarray(transformation["height_zoom"], "float32").reshape(-1, 1)
        zeros = jnp.zeros_like(zw)
        return jnp.concatenate([zw, zeros, (width - 1.0) / 2.0 * (1.0 - zw), zeros, zh,
                                (height - 1.0) / 2.0 * (1.0 - zh), zeros, zeros], axis=1)

    def transform_bounding_boxes(self, bounding_boxes, transformation, training: bool = True):
        """Boxes re-expressed in the zoomed window of the image (Keras's arithmetic)."""
        if not training or transformation is None:
            return bounding_boxes
        shape = transformation["input_shape"]
        height, width = image_size(shape, self.data_format)
        bounding_boxes = boxes_lib.convert_format(bounding_boxes, self.bounding_box_format,
                                                  "xyxy", height, width)
        matrix = self.transform_matrix(transformation, shape)
        start = transformed_point(0, 0, matrix)
        end = transformed_point(width, height, matrix)
        return boxes_lib.window_boxes(bounding_boxes, start, end, height, width,
                                      self.bounding_box_format)

    def get_config(self) -> dict:
        return {**super().get_config(), "height_factor": self.height_factor,
                "width_factor": self.width_factor}


_TRANSLATION_ERROR = ("The `factor` argument should be a number (or a list of two numbers) "
                      "in the range [-1.0, 1.0]. ")


class RandomTranslation(AffineImageLayer):
    """Shift each image by random fractions of its height and width."""

    def __init__(self, height_factor, width_factor, fill_mode: str = "reflect",
                 interpolation: str = "bilinear", seed: int | None = None,
                 fill_value: float = 0.0, data_format: str | None = None, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)

        def in_range(value):
            return -1.0 <= value <= 1.0

        self.height_factor, self.width_factor = height_factor, width_factor
        self.height_lower, self.height_upper = named_factor(height_factor, "height_factor",
                                                            _TRANSLATION_ERROR, in_range)
        self.width_lower, self.width_upper = named_factor(width_factor, "width_factor",
                                                          _TRANSLATION_ERROR, in_range)

    def get_random_transformation(self, data, training: bool = True, seed=None):
        if not training:
            return None
        shape, key = _images_shape(data), self.generator if seed is None else seed
        height, width = image_size(shape, self.data_format)
        draw = (_batch_size(data), 1)
        dy = random.uniform(draw, self.height_lower, self.height_upper, seed=key) * height
        dx = random.uniform(draw, self.width_lower, self.width_upper, seed=key) * width
        return {"translations": jnp.concatenate([dx, dy], axis=1).astype("float32"),
                "input_shape": shape}

    def transform_matrix(self, transformation, shape):
        shift = jnp.asarray(transformation["translations"])
        ones, zeros = jnp.ones_like(shift[:, :1]), jnp.zeros_like(shift[:, :1])
        return jnp.concatenate([ones, zeros, -shift[:, 0:1], zeros, ones, -shift[:, 1:],
                                zeros, zeros], axis=1)

    def transform_bounding_boxes(self, bounding_boxes, transformation, training: bool = True):
        """Boxes shifted with the image, clipped to it (Keras's arithmetic)."""
        if not training or transformation is None:
            return bounding_boxes
        height, width = image_size(transformation["input_shape"], self.data_format)
        fmt = self.bounding_box_format
        bounding_boxes = boxes_lib.convert_format(bounding_boxes, fmt, "xyxy", height, width)
        boxes = bounding_boxes["boxes"]
        dx, dy = transformed_point(0, 0, self.transform_matrix(transformation, None))
        if boxes.ndim == 3:
            dx, dy = dx[..., None], dy[..., None]
        x1, y1, x2, y2 = jnp.split(boxes, 4, axis=-1)
        boxes = jnp.concatenate([x1 - dx, y1 - dy, x2 - dx, y2 - dy], axis=-1)
        bounding_boxes = boxes_lib.clip_to_image_size(dict(bounding_boxes, boxes=boxes),
                                                      height, width, "xyxy")
        return boxes_lib.convert_format(bounding_boxes, "xyxy", fmt, height, width)

    def get_config(self) -> dict:
        return {**super().get_config(), "height_factor": self.height_factor,
                "width_factor": self.width_factor}


_SHEAR_ERROR = ("The `factor` argument should be a number (or a list of two numbers) in the "
                "range [0, 1.0]. ")


class RandomShear(AffineImageLayer):
    """Shear each image along x and y by random amounts from `x_factor` and `y_factor`, in a
    random direction."""

    def __init__(self, x_factor=0.0, y_factor=0.0, interpolation: str = "bilinear",
                 fill_mode: str = "reflect", fill_value: float = 0.0,
                 data_format: str | None = None, seed: int | None = None, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)

        def in_range(value):
            return 0.0 <= value <= 1.0

        self.x_factor = named_factor(x_factor, "x_factor", _SHEAR_ERROR, in_range)
        self.y_factor = named_factor(y_factor, "y_factor", _SHEAR_ERROR, in_range)

    def get_random_transformation(self, data, training: bool = True, seed=None):
        if not training:
            return None
        shape, key = (_batch_size(data), 1), self.generator if seed is None else seed
        invert = random.uniform(shape, 0, 1, dtype=self.dtype, seed=key)
        invert = jnp.where(invert > 0.5, -1.0, 1.0).astype(self.dtype)
        shear_y = random.uniform(shape, *self.y_factor, dtype=self.dtype, seed=key)
        shear_x = random.uniform(shape, *self.x_factor, dtype=self.dtype, seed=key)
        return {"shear_factor": jnp.concatenate([shear_x, shear_y], axis=1) * invert,
                "input_shape": _images_shape(data)}

    def transform_matrix(self, transformation, shape):
        shear = jnp.asarray(transformation["shear_factor"])
        ones, zeros = jnp.ones_like(shear[:, 0]), jnp.zeros_like(shear[:, 0])
        return jnp.stack([ones, shear[:, 0], zeros, shear[:, 1], ones, zeros, zeros, zeros],
                         axis=1)

    def transform_bounding_boxes(self, bounding_boxes, transformation, training: bool = True):
        """Boxes sheared in relative coordinates, clipped (Keras's arithmetic)."""
        if not training or transformation is None:
            return bounding_boxes
        height, width = image_size(transformation["input_shape"], self.data_format)
        fmt = self.bounding_box_format
        bounding_boxes = boxes_lib.convert_format(bounding_boxes, fmt, "rel_xyxy", height,
                                                  width, self.dtype)
        boxes = boxes_lib.shear_boxes(bounding_boxes["boxes"], transformation["shear_factor"])
        bounding_boxes = boxes_lib.clip_to_image_size(dict(bounding_boxes, boxes=boxes),
                                                      height, width, "rel_xyxy")
        return boxes_lib.convert_format(bounding_boxes, "rel_xyxy", fmt, height, width,
                                        self.dtype)

    def get_config(self) -> dict:
        return {**super().get_config(), "x_factor": self.x_factor, "y_factor": self.y_factor}

    @classmethod
    def from_config(cls, config: dict):
        """Reads Keras's config, whose (-f, f) pairs its own constructor refuses (Keras 3.15
        cannot reload a RandomShear), as the number f."""
        config = dict(config)
        for name in ("x_factor", "y_factor"):
            value = config.get(name)
            if isinstance(value, (list, tuple)) and len(value) == 2 and value[0] == -value[1]:
                config[name] = abs(value[1])
        return super().from_config(config)
