"""Keras's `keras.applications.resnet_v2`: ResNet50V2/101V2/152V2 (pre-activation ResNets,
https://arxiv.org/abs/1603.05027), built on `resnet.ResNet` with the v2 blocks. Their inputs
are preprocessed in "tf" mode (pixels scaled to [-1, 1])."""

from __future__ import annotations

from typing import Any

from lamina.applications import imagenet_utils, resnet


def _resnet_v2(blocks: tuple[int, int, int, int], weights_name: str, args: dict):
    return resnet.ResNet(resnet.stages(resnet.stack_residual_blocks_v2, blocks, (2, 2, 2, 1)),
                         preact=True, use_bias=True, weights_name=weights_name, **args)


def ResNet50V2(include_top: bool = True, weights: Any = "imagenet", input_tensor: Any = None,
               input_shape: tuple | None = None, pooling: str | None = None,
               classes: int = 1000, classifier_activation: Any = "softmax",
               name: str = "resnet50v2"):
    """Instantiates the ResNet50V2 architecture."""
    return _resnet_v2((3, 4, 6, 3), "resnet50v2", dict(locals()))


def ResNet101V2(include_top: bool = True, weights: Any = "imagenet", input_tensor: Any = None,
                input_shape: tuple | None = None, pooling: str | None = None,
                classes: int = 1000, classifier_activation: Any = "softmax",
                name: str = "resnet101v2"):
    """Instantiates the ResNet101V2 architecture."""
    return _resnet_v2((3, 4, 23, 3), "resnet101v2", dict(locals()))


def ResNet152V2(include_top: bool = True, weights: Any = "imagenet", input_tensor: Any = None,
                input_shape: tuple | None = None, pooling: str | None = None,
                classes: int = 1000, classifier_activation: Any = "softmax",
                name: str = "resnet152v2"):
    """Instantiates the ResNet152V2 architecture."""
    return _resnet_v2((3, 8, 36, 3), "resnet152v2", dict(locals()))


preprocess_input, decode_predictions = imagenet_utils.family_functions("tf")

for _constructor in (ResNet50V2, ResNet101V2, ResNet152V2):
    _constructor.__doc__ += resnet.DOC.format(
        module="keras.applications.resnet_v2", preprocessing="pixels scaled to [-1, 1]")
