"""RandAugment and AugMix (Keras 3's): policies that chain the existing augmentation layers.

Both own one instance of each augmentation layer (built from `factor` and `value_range` the way
Keras builds them) and draw every sub-layer's transformation from their own seed stream, so a
`seed=` makes the whole policy reproducible and inside `fit` the draws come from the compiled
step's key. RandAugment picks its `num_ops` layers with a traced `randint` and applies the pick
with `lax.switch`; AugMix picks its chains in Python, as Keras does, but from a
`random.Random(seed)` owned by the layer.
"""

from __future__ import annotations

import random as py_random

import jax
import jax.numpy as jnp

from lamina import random
from lamina.layers.preprocessing.image_base import BaseImagePreprocessingLayer
from lamina.layers.preprocessing.image_color import (
    AutoContrast, Equalization, RandomBrightness, RandomColorDegeneration, RandomContrast,
    RandomPosterization, RandomSharpness, Solarization)
from lamina.layers.preprocessing.image_geometric import (
    RandomRotation, RandomShear, RandomTranslation)

__all__ = ["AugMix", "RandAugment"]

RAND_AUGMENT_LAYERS = ["random_shear", "random_translation", "random_rotation",
                       "random_brightness", "random_color_degeneration", "random_contrast",
                       "random_sharpness", "random_posterization", "solarization",
                       "auto_contrast", "equalization"]
AUGMIX_LAYERS = ["random_shear", "random_translation", "random_rotation",
                 "random_posterization", "solarization", "auto_contrast", "equalization"]
AUGMIX_LAYERS_ALL = AUGMIX_LAYERS + ["random_brightness", "random_color_degeneration",
                                     "random_contrast", "random_sharpness"]


def build_augment_layers(factor: tuple, value_range, interpolation: str, seed,
                         data_format: str, bounding_box_format: str | None = None) -> dict:
    """Keras's sub-layers of RandAugment/AugMix, by attribute name."""
    formats = {"data_format": data_format, "bounding_box_format": bounding_box_format}
    common = {"seed": seed, **formats}
    colour = {"factor": factor, "value_range": value_range, **common}
    warp = {"interpolation": interpolation, **common}
    return {
        "random_shear": RandomShear(x_factor=factor, y_factor=factor, **warp),
        "random_translation": RandomTranslation(height_factor=factor, width_factor=factor,
                                                **warp),
        "random_rotation": RandomRotation(factor=factor, **warp),
        "random_brightness": RandomBrightness(**colour),
        "random_color_degeneration": RandomColorDegeneration(**colour),
        "random_contrast": RandomContrast(**colour),
        "random_sharpness": RandomSharpness(**colour),
        "solarization": Solarization(addition_factor=factor, threshold_factor=factor,
                                     value_range=value_range, **common),
        "random_posterization": RandomPosterization(
            factor=max(1, int(8 * factor[1])), value_range=value_range, **common),
        "auto_contrast": AutoContrast(value_range=value_range, **formats),
        "equalization": Equalization(value_range=value_range, **formats),
    }


class _CompositeLayer(BaseImagePreprocessingLayer):
    """Shared set-up: Keras's `factor` in [0, 1], the sub-layers, and their dtype handling."""

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def _set_up(self, value_range, factor, interpolation: str, names: list) -> None:
        self.value_range = value_range
        self._set_factor(factor)
        self.interpolation = interpolation
        self._augment_layers = list(names)
        layers = build_augment_layers(self.factor, value_range, interpolation, self.seed,
                                      self.data_format, self.bounding_box_format)
        for name in names:
            setattr(self, name, layers[name])

    def _apply(self, name: str, method: str, values, transformation):
        """`values` through sub-layer `name`'s `transform_<method>`, in the compute dtype."""
        out = getattr(getattr(self, name), f"transform_{method}")(values, transformation)
        return jnp.asarray(out, self.dtype)

    def transform_labels(self, labels, transformation, training=True):
        return labels


class RandAugment(_CompositeLayer):
    """Applies `num_ops` augmentations, each picked at random from Keras's eleven, at strength
    `factor` (RandAugment, Cubuk et al. 2019). Identity at inference."""

    def __init__(self, value_range=(0, 255), num_ops: int = 2, factor=0.5,
                 interpolation: str = "bilinear", seed: int | None = None,
                 data_format: str | None = None, **kwargs):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.num_ops = num_ops
        self._set_up(value_range, factor, interpolation, RAND_AUGMENT_LAYERS)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        seed = self.generator if seed is None else seed
        layer_idxes = random.randint((self.num_ops,), 0, len(self._augment_layers), seed=seed)
        transforms = {name: getattr(self, name).get_random_transformation(
            data, training=training, seed=seed) for name in self._augment_layers}
        return {"transforms": transforms, "layer_idxes": layer_idxes}

    def _switch(self, values, transformation, apply):
        """`apply(name, values, sub_transformation)` for each of the `num_ops` picked
        sub-layers in turn (Keras's `where` chain)."""
        transforms = transformation["transforms"]
        branches = [lambda x, name=name: apply(name, x, transforms[name]) for name in transforms]
        for i in range(self.num_ops):
            values = jax.lax.switch(transformation["layer_idxes"][i], branches, values)
        return values

    def transform_images(self, images, transformation, training=True):
        if not training or transformation is None:
            return jnp.asarray(images, self.dtype)
        return self._switch(jnp.asarray(images, self.dtype), transformation,
                            lambda name, x, t: self._apply(name, "images", x, t))

    def transform_segmentation_masks(self, segmentation_masks, transformation, training=True):
        if not training or transformation is None:
            return segmentation_masks
        return self._switch(jnp.asarray(segmentation_masks, self.dtype), transformation,
                            lambda name, x, t: self._apply(name, "segmentation_masks", x, t))

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        """Boxes (and labels) through the picked sub-layers in the order the images take.

        Keras instead applies them in its sub-layer order and a layer picked twice only once,
        so its boxes can miss the image; with distinct picks in that order they agree."""
        if not training or transformation is None:
            return bounding_boxes
        dtypes = {"boxes": "float32"}
        if "labels" in bounding_boxes:
            dtypes["labels"] = jnp.asarray(bounding_boxes["labels"]).dtype

        def apply(name, values, sub_transformation):
            out = getattr(self, name).transform_bounding_boxes(
                dict(bounding_boxes, **values), sub_transformation)
            return {key: jnp.asarray(out[key], dtype) for key, dtype in dtypes.items()}

        values = {key: jnp.asarray(bounding_boxes[key], dtype) for key, dtype in dtypes.items()}
        return dict(bounding_boxes, **self._switch(values, transformation, apply))

    def get_config(self) -> dict:
        return {**super().get_config(), "value_range": self.value_range,
                "num_ops": self.num_ops, "factor": self.factor,
                "interpolation": self.interpolation, "seed": self.seed}


class AugMix(_CompositeLayer):
    """Mixes `num_chains` chains of up to `chain_depth` random augmentations with Dirichlet
    weights, then blends the mix with the input by a Beta(`alpha`, `alpha`) weight (AugMix,
    Hendrycks et al. 2019). Identity at inference."""

    def __init__(self, value_range=(0, 255), num_chains: int = 3, chain_depth: int = 3,
                 factor=0.3, alpha: float = 1.0, all_ops: bool = True,
                 interpolation: str = "bilinear", seed: int | None = None,
                 data_format: str | None = None, **kwargs):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.num_chains = num_chains
        self.chain_depth = chain_depth
        self.alpha = alpha
        self.all_ops = all_ops
        self._py_random = py_random.Random(seed)
        self._set_up(value_range, factor, interpolation,
                     AUGMIX_LAYERS_ALL if all_ops else AUGMIX_LAYERS)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        seed = self.generator if seed is None else seed
        gamma = random.gamma((self.num_chains,), self.alpha, seed=seed)
        weight_sample = random.beta((), self.alpha, self.alpha, seed=seed)
        chain_transforms = []
        for _ in range(self.num_chains):
            names = [self._py_random.choice(self._augment_layers + [None])
                     for _ in range(self.chain_depth)]
            chain_transforms.append([
                {"layer_name": name, "transformation": getattr(
                    self, name).get_random_transformation(data, seed=seed)}
                for name in names if name is not None])
        return {"chain_mixing_weights": gamma / jnp.sum(gamma, axis=-1, keepdims=True),
                "weight_sample": weight_sample, "chain_transforms": chain_transforms}

    def _mix(self, values, transformation, method: str):
        """The chains applied to `values`, mixed, and blended with `values`."""
        values = jnp.asarray(values, self.dtype)
        weights = jnp.asarray(transformation["chain_mixing_weights"], self.dtype)
        weight_sample = jnp.asarray(transformation["weight_sample"], self.dtype)
        mixed = jnp.zeros_like(values)
        for idx, chain in enumerate(transformation["chain_transforms"]):
            chained = values
            for step in chain:
                chained = self._apply(step["layer_name"], method, chained,
                                      step["transformation"])
            mixed = mixed + chained * weights[idx]
        return weight_sample * values + (1 - weight_sample) * mixed

    def transform_images(self, images, transformation, training=True):
        if not training or transformation is None:
            return jnp.asarray(images, self.dtype)
        images = self._mix(images, transformation, "images")
        return jnp.clip(images, self.value_range[0], self.value_range[1])

    def transform_segmentation_masks(self, segmentation_masks, transformation, training=True):
        if not training or transformation is None:
            return segmentation_masks
        return self._mix(segmentation_masks, transformation, "segmentation_masks")

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        return bounding_boxes

    def get_config(self) -> dict:
        return {**super().get_config(), "value_range": self.value_range,
                "num_chains": self.num_chains, "chain_depth": self.chain_depth,
                "factor": self.factor, "alpha": self.alpha, "all_ops": self.all_ops,
                "interpolation": self.interpolation, "seed": self.seed}
