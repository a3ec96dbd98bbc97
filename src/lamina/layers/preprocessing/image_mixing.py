"""`MixUp` and `CutMix`: augmentations that blend each image (and its label) with another
image of the same batch, as Keras 3's layers do. Both take a batch or a dict with `images`
and `labels`; labels mix by the same weight as the pixels. Identity at inference."""

from __future__ import annotations

import jax.numpy as jnp

from lamina import random
from lamina.layers.preprocessing.image_base import BaseImagePreprocessingLayer

__all__ = ["CutMix", "MixUp"]


def _permutation(batch_size: int, seed) -> jnp.ndarray:
    return random.shuffle(jnp.arange(batch_size, dtype="int32"), seed=seed)


def _mix_labels(labels, transformation):
    """`w * labels + (1 - w) * labels[permutation]`, one weight per sample."""
    labels = jnp.asarray(labels)
    other = jnp.take(labels, transformation["permutation_order"], axis=0)
    weight = jnp.reshape(jnp.asarray(transformation["mix_weight"]), (-1, 1))
    return weight * labels + (1.0 - weight) * other


def _float_dtype(layer) -> str:
    return layer.dtype if layer.dtype in ("float16", "bfloat16", "float64") else "float32"


class MixUp(BaseImagePreprocessingLayer):
    """MixUp (Zhang et al., 2017): `w * x + (1 - w) * x[perm]` with `w ~ Beta(alpha, alpha)`
    drawn per sample, labels mixed alike (Keras's `MixUp`)."""

    _USE_BASE_FACTOR = False

    def __init__(self, alpha: float = 0.2, data_format: str | None = None,
                 seed: int | None = None, **kwargs):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.alpha = alpha

    def get_random_transformation(self, data, training: bool = True, seed=None) -> dict:
        images = jnp.asarray(data["images"] if isinstance(data, dict) else data)
        batch_size = 1 if images.ndim == 3 else images.shape[0]
        seed = self.generator if seed is None else seed
        return {"mix_weight": random.beta((batch_size,), self.alpha, self.alpha, seed=seed),
                "permutation_order": _permutation(batch_size, seed)}

    def transform_images(self, images, transformation=None, training: bool = True):
        if not training:
            return images
        dtype = _float_dtype(self)
        images = jnp.asarray(images, dtype)
        weight = jnp.reshape(jnp.asarray(transformation["mix_weight"], dtype), (-1, 1, 1, 1))
        other = jnp.take(images, transformation["permutation_order"], axis=0)
        return weight * images + (1.0 - weight) * other

    def transform_labels(self, labels, transformation, training: bool = True):
        return _mix_labels(labels, transformation) if training else labels

    def transform_segmentation_masks(self, segmentation_masks, transformation,
                                     training: bool = True):
        return self.transform_images(segmentation_masks, transformation, training)

    def get_config(self) -> dict:
        return {**super().get_config(), "alpha": self.alpha, "seed": self.seed}


class CutMix(BaseImagePreprocessingLayer):
    """CutMix (Yun et al., 2019): a box of each image is replaced by the same box of another
    image; labels mix by the box's area. The box's side ratio is `sqrt(1 - w)` with
    `w ~ Beta(a, a)`, `a ~ Uniform(factor)` (Keras's `CutMix`)."""

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor=1.0, seed: int | None = None, data_format: str | None = None,
                 **kwargs):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self._set_factor(factor)

    def get_random_transformation(self, data, training: bool = True, seed=None) -> dict | None:
        images = jnp.asarray(data["images"] if isinstance(data, dict) else data)
        if not training or images.ndim == 3:
            return None
        seed = self.generator if seed is None else seed
        dtype = _float_dtype(self)
        height_axis, width_axis = self._height_width_axes(images.ndim)
        batch_size = images.shape[0]
        height, width = images.shape[height_axis], images.shape[width_axis]
        alpha = random.uniform((), self.factor[0], self.factor[1], dtype=dtype, seed=seed) + 1e-6
        ratio = jnp.sqrt(1.0 - random.beta((batch_size,), alpha, alpha, dtype=dtype, seed=seed))
        x0, x1 = self._crop_bounds(batch_size, width, ratio, seed)
        y0, y1 = self._crop_bounds(batch_size, height, ratio, seed)
        masks, weight = self._batch_masks(images.shape, (x0, x1, y0, y1))
        return {"permutation_order": _permutation(batch_size, seed), "batch_masks": masks,
                "mix_weight": weight}

    def _crop_bounds(self, batch_size: int, length: int, ratio, seed):
        dtype = _float_dtype(self)
        crop = (ratio * length).astype(dtype)
        start = random.uniform((batch_size,), 0, 1, dtype=dtype, seed=seed) * (length - crop)
        return start, start + crop

    def _batch_masks(self, images_shape, corners):
        """Boolean masks of the boxes (broadcast over channels) and the kept-area weights."""
        dtype = _float_dtype(self)
        height_axis, width_axis = self._height_width_axes(len(images_shape))
        height, width = images_shape[height_axis], images_shape[width_axis]
        grid_y, grid_x = jnp.meshgrid(jnp.arange(height, dtype=dtype),
                                      jnp.arange(width, dtype=dtype), indexing="ij")
        expand = (lambda g: g[None, :, :, None]) if self.data_format == "channels_last" else (
            lambda g: g[None, None, :, :])
        grid_x, grid_y = expand(grid_x), expand(grid_y)
        x0, x1, y0, y1 = (c[:, None, None, None] for c in corners)
        masks = (grid_x >= x0) & (grid_x < x1) & (grid_y >= y0) & (grid_y < y1)
        channel_axis = -1 if self.data_format == "channels_last" else -3
        masks = jnp.repeat(masks, images_shape[channel_axis], axis=channel_axis)
        weight = 1.0 - (x1 - x0) * (y1 - y0) / (width * height)
        return masks, weight

    def transform_images(self, images, transformation=None, training: bool = True):
        images = jnp.asarray(images, _float_dtype(self))
        if training and transformation is not None:
            other = jnp.take(images, transformation["permutation_order"], axis=0)
            images = jnp.where(transformation["batch_masks"], other, images)
        return images

    def transform_labels(self, labels, transformation, training: bool = True):
        if training and transformation is not None:
            return _mix_labels(labels, transformation)
        return labels

    def get_config(self) -> dict:
        return {**super().get_config(), "factor": self.factor, "seed": self.seed}
