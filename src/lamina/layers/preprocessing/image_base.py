"""`BaseImagePreprocessingLayer`: Keras 3's protocol for image preprocessing and augmentation.

A layer draws one `transformation` per call (`get_random_transformation`, from its
`SeedGenerator`, so inside `fit` the draws come from the compiled step's key) and applies it
to whatever the input holds: a batch `(B, H, W, C)` or a single image `(H, W, C)`, or a dict
with `images` and optionally `labels`, `bounding_boxes` and `segmentation_masks`, as Keras's
layers take them. Subclasses write `get_random_transformation` and `transform_images` (and the
other `transform_*` methods they support). Everything is jnp: the layers run inside the
compiled step, never on the host.
"""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from lamina import config, random
from lamina.layers.base import Layer

__all__: list[str] = []


def standardize_data_format(data_format: str | None) -> str:
    """`channels_last` / `channels_first`, defaulting to `config.image_data_format()`."""
    data_format = data_format or config.image_data_format()
    data_format = str(data_format).lower()
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError("The `data_format` argument must be one of {'channels_first', "
                         f"'channels_last'}}. Received: data_format={data_format}")
    return data_format


class BaseImagePreprocessingLayer(Layer):
    """Base of the image preprocessing layers (Keras's `BaseImagePreprocessingLayer`).

    `_USE_BASE_FACTOR`: the layer takes Keras's symmetric `factor` (a number f -> (-f, f), or
    a pair), checked against `_FACTOR_BOUNDS` and stored as `self.factor = (lower, upper)`.
    """

    _USE_BASE_FACTOR = True
    _FACTOR_BOUNDS = (-1, 1)
    interpolation = "bilinear"

    def __init__(self, factor=None, bounding_box_format: str | None = None,
                 data_format: str | None = None, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.bounding_box_format = bounding_box_format
        self.data_format = standardize_data_format(data_format)
        self.seed = seed
        self.generator = random.SeedGenerator(seed)
        if self._USE_BASE_FACTOR:
            self._set_factor(factor or 0.0)
        elif factor is not None:
            raise ValueError(f"Layer {type(self).__name__} does not take a `factor` argument. "
                             f"Received: factor={factor}")
        self.built = True

    def _set_factor(self, factor) -> None:
        low, high = self._FACTOR_BOUNDS
        error = ("The `factor` argument should be a number (or a list of two numbers) in the "
                 f"range [{low}, {high}]. Received: factor={factor}")
        if isinstance(factor, (tuple, list)):
            if len(factor) != 2 or factor[0] > high or factor[1] < low:
                raise ValueError(error)
            lower, upper = sorted(factor)
        elif isinstance(factor, (int, float)) and not isinstance(factor, bool):
            if factor < low or factor > high:
                raise ValueError(error)
            factor = abs(factor)
            lower, upper = max(-factor, low), factor
        else:
            raise ValueError(error)
        self.factor = (lower, upper)

    # -- the protocol subclasses fill in ---------------------------------------------------------
    def get_random_transformation(self, data, training: bool = True, seed=None) -> Any:
        """The parameters of this call's transformation (None: nothing to do)."""
        return None

    def transform_images(self, images, transformation, training: bool = True):
        """`images` (a batch) with the transformation applied (when training)."""
        raise NotImplementedError(f"{type(self).__name__} does not transform images.")

    def transform_labels(self, labels, transformation, training: bool = True):
        """Labels after the transformation: unchanged unless the layer mixes images."""
        return labels

    def transform_bounding_boxes(self, bounding_boxes, transformation, training: bool = True):
        raise NotImplementedError(
            f"{type(self).__name__} does not transform bounding boxes yet.")

    def transform_segmentation_masks(self, segmentation_masks, transformation,
                                     training: bool = True):
        """Masks move with the image; geometric layers override this with `nearest`."""
        return self.transform_images(segmentation_masks, transformation, training=training)

    # -- dispatch ---------------------------------------------------------------------------------
    def call(self, data, training=True):
        if isinstance(data, dict):
            return self._call_on_dict(dict(data), bool(training))
        images = jnp.asarray(data)
        batched = _is_batched(images)
        images = images if batched else images[None]
        transformation = self.get_random_transformation(images, training=training)
        out = self.transform_images(images, transformation, training=training)
        return out if batched else out[0]

    def _call_on_dict(self, data: dict, training: bool) -> dict:
        images = jnp.asarray(data["images"])
        batched = _is_batched(images)
        add = (lambda x: x) if batched else (lambda x: jnp.asarray(x)[None])
        drop = (lambda x: x) if batched else (lambda x: x[0])
        batch = {key: add(value) for key, value in data.items() if key != "bounding_boxes"}
        transformation = self.get_random_transformation(batch, training=training)
        out = dict(data)
        out["images"] = drop(self.transform_images(batch["images"], transformation, training))
        if "labels" in data:
            out["labels"] = drop(self.transform_labels(batch["labels"], transformation,
                                                       training))
        if "segmentation_masks" in data:
            out["segmentation_masks"] = drop(self.transform_segmentation_masks(
                batch["segmentation_masks"], transformation, training))
        if "bounding_boxes" in data:
            if not self.bounding_box_format:
                raise ValueError(
                    "You passed an input with a 'bounding_boxes' key, but you didn't specify "
                    "a bounding box format. Pass a `bounding_box_format` argument to your "
                    f"{type(self).__name__} layer, e.g. `bounding_box_format='xyxy'`.")
            boxes = {k: add(v) for k, v in data["bounding_boxes"].items()}
            boxes = self.transform_bounding_boxes(boxes, transformation, training)
            out["bounding_boxes"] = {k: drop(v) for k, v in boxes.items()}
        return out

    # -- helpers shared by the colour layers ------------------------------------------------------
    def _transform_value_range(self, images, original_range, target_range, dtype="float32"):
        """`images` mapped linearly from `original_range` to `target_range` (Keras's helper)."""
        if tuple(original_range) == tuple(target_range):
            return jnp.asarray(images, dtype)
        images = jnp.asarray(images, dtype)
        (lo, hi), (new_lo, new_hi) = original_range, target_range
        images = (images - lo) / (hi - lo)
        return images * (new_hi - new_lo) + new_lo

    def _height_width_axes(self, ndim: int = 4) -> tuple[int, int]:
        return (ndim - 3, ndim - 2) if self.data_format == "channels_last" else (
            ndim - 2, ndim - 1)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        config_ = {**super().get_config(), "data_format": self.data_format}
        if self.bounding_box_format is not None:
            config_["bounding_box_format"] = self.bounding_box_format
        return config_


def _is_batched(images) -> bool:
    if images.ndim == 4:
        return True
    if images.ndim == 3:
        return False
    raise ValueError("Expected image tensor to have rank 3 (single image) or 4 (batch of "
                     f"images). Received: data.shape={tuple(images.shape)}")
