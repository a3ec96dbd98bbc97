"""Shared pieces of the colour augmentation layers (Keras's `RandomContrast` ... `Equalization`).

Colour layers change pixel values only: labels, bounding boxes and segmentation masks pass
through unchanged. The helpers here are written once for every layer: Keras's `value_range`
check, the batch size of a call, the channel axis, and editing one HSV plane.
"""

from __future__ import annotations

import jax.numpy as jnp

from lamina.layers.preprocessing.image_base import BaseImagePreprocessingLayer

__all__: list[str] = []

VALUE_RANGE_ERROR = "The `value_range` argument should be a list of two numbers. "


def checked_value_range(value_range) -> list:
    """Keras's `_set_value_range`: a pair of numbers, returned sorted (as a list)."""
    if not isinstance(value_range, (tuple, list)) or len(value_range) != 2:
        raise ValueError(VALUE_RANGE_ERROR + f"Received: value_range={value_range}")
    return sorted(value_range)


def named_factor(factor, name: str, bounds: tuple = (0, 1)) -> tuple:
    """Keras's `_set_factor_by_name` (RandomGaussianBlur's `sigma`, RandomErasing's `scale`):
    the base factor rule for an argument other than `factor`."""
    low, high = bounds
    error = (f"The `{name}` argument should be a number (or a list of two numbers) in the range "
             f"[{low}, {high}]. Received: factor={factor}")
    if isinstance(factor, (tuple, list)):
        if len(factor) != 2 or factor[0] > high or factor[1] < low:
            raise ValueError(error)
        return tuple(sorted(factor))
    if not isinstance(factor, (int, float)) or isinstance(factor, bool):
        raise ValueError(error)
    if factor < low or factor > high:
        raise ValueError(error)
    return (max(-abs(factor), low), abs(factor))


def batch_size_of(data) -> int:
    """The number of images in `data` (a batch, one image, or a dict with `images`)."""
    images = data["images"] if isinstance(data, dict) else data
    shape = tuple(jnp.shape(images))
    if len(shape) == 3:
        return 1
    if len(shape) == 4:
        return shape[0]
    raise ValueError(f"Expected the input image to be rank 3 or 4. Received inputs.shape={shape}")


def channel_axis(data_format: str) -> int:
    """The channel axis of a batch of images."""
    return -1 if data_format == "channels_last" else -3


def edit_hsv_plane(images, index: int, edit, data_format: str):
    """`images` in HSV space with plane `index` (0 hue, 1 saturation, 2 value) replaced by
    `edit(plane)`, as Keras's RandomHue and RandomSaturation do."""
    from lamina.ops import image as image_ops  # noqa: PLC0415
    hsv = image_ops.rgb_to_hsv(images, data_format=data_format)
    axis = channel_axis(data_format)
    planes = [jnp.take(hsv, i, axis=axis) for i in range(3)]
    planes[index] = edit(planes[index])
    return image_ops.hsv_to_rgb(jnp.stack(planes, axis=axis), data_format=data_format)


def per_image(values, ndim: int = 4):
    """A `(batch,)` vector shaped to broadcast over a batch of images."""
    values = jnp.asarray(values)
    return jnp.reshape(values, values.shape[:1] + (1,) * (ndim - 1))


class ColorLayer(BaseImagePreprocessingLayer):
    """Base of the colour layers: only the images change.

    `_config_keys` names the attributes `get_config` adds to the base config, in Keras's order.
    """

    _config_keys: tuple[str, ...] = ("factor", "value_range", "seed")

    def _seed(self, seed):
        """The explicit `seed` of a `get_random_transformation` call, else the layer's stream."""
        return self.generator if seed is None else seed

    def transform_labels(self, labels, transformation, training: bool = True):
        return labels

    def transform_bounding_boxes(self, bounding_boxes, transformation, training: bool = True):
        return bounding_boxes

    def transform_segmentation_masks(self, segmentation_masks, transformation,
                                     training: bool = True):
        return segmentation_masks

    def get_config(self) -> dict:
        return {**super().get_config(), **{key: getattr(self, key) for key in self._config_keys}}
