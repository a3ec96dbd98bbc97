"""The non-affine warps of Keras 3: RandomPerspective (each image, with a probability drawn
from `factor`, has its four corners moved by up to `scale / 2` of the image size and is warped
to match) and RandomElasticTransform (pixels displaced by blurred Gaussian noise)."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from lamina import random
from lamina.layers.preprocessing import image_geometric_boxes as boxes_lib
from lamina.layers.preprocessing.image_geometric_affine import (SUPPORTED_INTERPOLATION,
                                                                WarpingLayer, image_size)

__all__ = ["RandomElasticTransform", "RandomPerspective"]


class RandomPerspective(WarpingLayer):
    """Random perspective warps; points outside the image are filled with `fill_value`."""

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor=1.0, scale: float = 1.0, interpolation: str = "bilinear",
                 fill_value: float = 0.0, seed: int | None = None,
                 data_format: str | None = None, **kwargs):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self._set_factor(factor)
        if scale < 0.0 or scale > 1.0:
            raise ValueError("The `scale` argument should be a number in the range [0,1]. "
                             f"Received: scale={scale}")
        if interpolation not in SUPPORTED_INTERPOLATION:
            raise NotImplementedError(f"Unknown `interpolation` {interpolation}. Expected of "
                                      f"one {SUPPORTED_INTERPOLATION}.")
        self.scale, self.interpolation, self.fill_value = scale, interpolation, fill_value

    def get_random_transformation(self, data, training: bool = True, seed=None):
        if not training:
            return None
        images = data["images"] if isinstance(data, dict) else data
        batch = 1 if images.ndim == 3 else images.shape[0]
        height, width = image_size(images.shape, self.data_format)
        key = self.generator if seed is None else seed
        probability = random.uniform((batch,), self.factor[0], self.factor[1], seed=key)
        apply = random.uniform((batch,), 0.0, 1.0, seed=key) < probability
        moves = random.uniform((batch, 4, 2), -0.5 * self.scale, 0.5 * self.scale,
                               dtype=self.dtype, seed=key)
        corners = jnp.asarray([[0.0, 0.0], [width - 1, 0.0], [0.0, height - 1],
                               [width - 1, height - 1]], self.dtype)
        start = jnp.broadcast_to(corners, (batch, 4, 2))
        return {"apply_perspective": apply, "start_points": start,
                "end_points": start + start * moves, "input_shape": tuple(images.shape)}

    def _warp(self, images, transformation, interpolation: str):
        if transformation is None:
            return images
        single = images.ndim == 3
        batch = images[None] if single else images
        from lamina.ops.image_geometry import perspective_transform  # noqa: PLC0415
        warped = perspective_transform(batch, transformation["start_points"],
                                       transformation["end_points"], interpolation,
                                       self.fill_value, self.data_format)
        apply = jnp.asarray(transformation["apply_perspective"])[:, None, None, None]
        out = jnp.where(apply, warped, batch)
        return out[0] if single else out

    def transform_bounding_boxes(self, bounding_boxes, transformation, training: bool = True):
        """Each box becomes the bounding box of its warped corners, clipped (Keras's path; as
        in Keras, the result stays in `xyxy`)."""
        if not training or transformation is None:
            return bounding_boxes
        height, width = image_size(transformation["input_shape"], self.data_format)
        bounding_boxes = boxes_lib.convert_format(bounding_boxes, self.bounding_box_format,
                                                  "xyxy", height, width)
        boxes = bounding_boxes["boxes"]
        x0, y0, x1, y1 = jnp.split(boxes, 4, axis=-1)
        from lamina.ops.image_geometry import _homography  # noqa: PLC0415
        matrix = _homography(jnp.asarray(transformation["start_points"], "float32"),
                             jnp.asarray(transformation["end_points"], "float32"))
        matrix = jnp.concatenate([matrix, jnp.ones_like(matrix[:, :1])], axis=-1)
        inverse = jnp.linalg.inv(matrix.reshape(-1, 3, 3).astype(boxes.dtype))
        corners = [_moved(x, y, inverse) for x, y in [(x0, y0), (x1, y1), (x0, y1), (x1, y0)]]
        xs = jnp.stack([c[0] for c in corners], axis=-1)
        ys = jnp.stack([c[1] for c in corners], axis=-1)
        warped = jnp.stack([xs.min(-1), ys.min(-1), xs.max(-1), ys.max(-1)], axis=-1)
        apply = jnp.asarray(transformation["apply_perspective"])[:, None, None]
        bounding_boxes = dict(bounding_boxes, boxes=jnp.where(apply, warped, boxes))
        return boxes_lib.clip_to_image_size(bounding_boxes, height, width, "xyxy")

    def get_config(self) -> dict:
        return {**super().get_config(), "factor": self.factor, "scale": self.scale,
                "interpolation": self.interpolation, "fill_value": self.fill_value,
                "seed": self.seed}


def _moved(x, y, inverse):
    """(x, y) (batch, boxes, 1) each, sent through the (batch, 3, 3) `inverse` homography."""
    points = jnp.concatenate([x, y, jnp.ones_like(x)], axis=-1)
    moved = jnp.moveaxis(inverse @ jnp.moveaxis(points, -1, -2), -1, -2)
    return moved[..., 0] / moved[..., 2], moved[..., 1] / moved[..., 2]


class RandomElasticTransform(WarpingLayer):
    """Displace the pixels of each image (with a probability drawn from `factor`) by noise
    blurred with sigma = 5% and scaled by alpha = 10% of the image size, times a distortion
    drawn from `scale`; results are clipped to `value_range`. No bounding boxes, as in Keras.
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)
    _SUPPORTED_FILL_MODES = {"constant", "nearest", "wrap", "mirror", "reflect"}

    def __init__(self, factor=1.0, scale=1.0, interpolation: str = "bilinear",
                 fill_mode: str = "reflect", fill_value: float = 0.0, value_range=(0, 255),
                 seed: int | None = None, data_format: str | None = None, **kwargs):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self._set_factor(factor)
        self.scale = self._parse_scale(scale)
        if interpolation not in SUPPORTED_INTERPOLATION:
            raise NotImplementedError(f"Unknown `interpolation` {interpolation}. Expected of "
                                      f"one {SUPPORTED_INTERPOLATION}.")
        if fill_mode not in self._SUPPORTED_FILL_MODES:
            raise NotImplementedError(f"Unknown `fill_mode` {fill_mode}. Expected of one "
                                      f"{self._SUPPORTED_FILL_MODES}.")
        self.interpolation, self.fill_mode, self.fill_value = interpolation, fill_mode, fill_value
        self.value_range = value_range

    def _parse_scale(self, scale) -> tuple:
        factor = self.factor
        try:  # the base's parsing, with Keras's message naming `scale`
            self._set_factor(scale)
        except ValueError:
            raise ValueError("The `scale` argument should be a number (or a list of two "
                             "numbers) in the range [0, 1]. Received: "
                             f"factor={scale}") from None
        scale, self.factor = self.factor, factor
        return scale

    def get_random_transformation(self, data, training: bool = True, seed=None):
        if not training or self.scale[1] == 0 or self.factor[1] == 0:
            return None
        images = data["images"] if isinstance(data, dict) else data
        batch = 1 if images.ndim == 3 else images.shape[0]
        key = self.generator if seed is None else seed
        probability = random.uniform((batch,), self.factor[0], self.factor[1], seed=key)
        apply = random.uniform((batch,), 0.0, 1.0, seed=key) < probability
        distortion = random.uniform((), self.scale[0], self.scale[1], dtype=self.dtype,
                                    seed=key)
        return {"apply_transform": apply, "distortion_factor": distortion,
                "seed": random.draw_key(key)}

    def _warp(self, images, transformation, interpolation: str):
        if transformation is None:
            return images
        height, width = image_size(images.shape, self.data_format)
        distortion = transformation["distortion_factor"]
        alpha = max(height, width) * 0.1 * distortion
        sigma = min(height, width) * 0.05 * distortion
        sigma_bound = min(height, width) * 0.05 * (
            distortion if _is_concrete(distortion) else self.scale[1])
        from lamina.ops.image_geometry import _keras_key, elastic_displace  # noqa: PLC0415
        warped = elastic_displace(images, _keras_key(transformation["seed"]), alpha, sigma,
                                  int(6 * float(sigma_bound)) | 1, interpolation,
                                  self.fill_mode, self.fill_value, self.data_format)
        apply = jnp.asarray(transformation["apply_transform"])
        apply = apply.reshape(apply.shape + (1,) * (images.ndim - 1))
        images = jnp.clip(jnp.where(apply, warped, images), *self.value_range)
        return images.astype(self.dtype)

    def get_config(self) -> dict:
        return {**super().get_config(), "factor": self.factor, "scale": self.scale,
                "interpolation": self.interpolation, "fill_mode": self.fill_mode,
                "fill_value": self.fill_value, "value_range": self.value_range,
                "seed": self.seed}


def _is_concrete(value) -> bool:
    """Whether `value` is known now (eager use), not a value traced inside a compiled step:
    the blur's kernel size follows a concrete sigma exactly (Keras's), else its upper bound."""
    return not isinstance(value, jax.core.Tracer)
